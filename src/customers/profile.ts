/**
 * A customer's profile: the facts of record, who serves them, contracts, orders, interactions, contacts and
 * recovery calls, the lifecycle state with its history, contact preferences, and the current scores with what
 * they rest on — P(alive) and expected purchases (the current analysis' model and the customer's purchase
 * summary), CLV, segment and RFM, the recovery expected value with its factors — plus P(alive) across analyses.
 * Every read is by customer id on an index that leads with it.
 */
import { sql } from 'kysely';
import { recoveryExplanation, SEGMENT_TREATMENTS, topFactors, type RecoveryExplanation } from '../analyse/index.js';
import { contactHistory, type ContactLogRow } from '../contact/repository.js';
import { formatMinor } from '../currency/money.js';
import { loadConversion } from '../currency/service.js';
import type { Database } from '../db/engine.js';
import type { EmployeeRole, InteractionType, LifecycleState, SegmentName, Severity } from '../db/schema.js';
import { CustomersError } from './errors.js';
import { customerIdSchema, parseInput } from './schemas.js';

/** How many of the newest orders, interactions, contacts and calls the profile carries (the timeline pages through all). */
export const PROFILE_RECENT = 20;

const num = (v: number | string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const trim = (v: string | null | undefined): string | null => (v === null || v === undefined ? null : v.trim());

export interface ContactPreferencesView {
  /** False: the customer has no preferences of their own (every channel, the company's policy). */
  stated: boolean;
  allowedChannels: string[] | null;
  maxContacts: number | null;
  perDays: number | null;
  contactHoursStart: string | null;
  contactHoursEnd: string | null;
  preferredEmployee: { id: number; code: string; name: string } | null;
  doNotContact: boolean;
  doNotContactAt: Date | null;
  doNotContactSource: string | null;
  updatedAt: Date | null;
}

export interface CustomerProfile {
  customer: {
    id: number;
    externalId: string;
    name: string | null;
    email: string | null;
    phone: string | null;
    company: string | null;
    country: string | null;
    timezone: string | null;
    acquiredAt: Date | null;
    acquisitionChannel: string | null;
    currency: string | null;
    attributes: Record<string, unknown>;
    createdAt: Date;
    updatedAt: Date;
  };
  team: { id: number; code: string; name: string } | null;
  employee: { id: number; code: string; name: string; role: EmployeeRole } | null;
  contracts: {
    id: number;
    externalId: string;
    plan: string | null;
    startedAt: Date;
    endsAt: Date | null;
    cancelledAt: Date | null;
    cancellationReason: string | null;
    monthlyValue: number;
    currency: string;
    /** The effective reason: verified by a recovery call, else mapped (import code or rule). */
    reason: { code: string; label: string | null; mappedCode: string; verifiedCode: string | null; source: 'import' | 'rule' | 'none' } | null;
  }[];
  orders: {
    count: number;
    firstAt: Date | null;
    lastAt: Date | null;
    /** Per currency: revenue and margin (minor units), never added across currencies. */
    byCurrency: { currency: string; orders: number; revenue: number; margin: number | null }[];
    recent: { id: number; externalId: string | null; occurredAt: Date; amount: number; margin: number | null; currency: string }[];
  };
  interactions: {
    count: number;
    recent: { id: number; type: InteractionType; channel: string | null; occurredAt: Date; severity: Severity | null; handledBy: string | null; summary: string | null }[];
  };
  contacts: ContactLogRow[];
  recoveryCalls: {
    id: number;
    occurredAt: Date;
    employee: string | null;
    channel: string;
    cycleId: number | null;
    apologyMade: boolean;
    customerExplanation: string | null;
    diagnosedReason: string | null;
    reasonConfirmed: boolean | null;
    offer: string | null;
    offerResponse: string | null;
    outcome: string;
    nextStep: string | null;
    callbackAt: Date | null;
    notes: string | null;
  }[];
  lifecycle: {
    state: LifecycleState;
    since: Date;
    evidence: Record<string, unknown>;
    latentNeed: boolean;
    latentNeedEvidence: Record<string, unknown> | null;
  } | null;
  /** Every state transition, newest first, with the rule and facts that made it. */
  stateHistory: {
    id: number;
    fromState: LifecycleState | null;
    toState: LifecycleState;
    effectiveAt: Date;
    recordedAt: Date;
    reason: Record<string, unknown>;
    reasonCode: string | null;
    valueLost: number | null;
    currency: string | null;
    valueBasis: string | null;
  }[];
  preferences: ContactPreferencesView;
  scores: {
    /** Scores of the current analysis: the model and the purchase summary they come from. */
    analysis: {
      analysisRunId: number;
      asOf: Date;
      model: string | null;
      timeUnit: string;
      summary: { frequency: number; recencyDays: number; ageDays: number };
      pAlive: number;
      expectedTransactions90d: number;
      expectedTransactions365d: number;
      expectedSpend: number;
      marginRatio: number;
      clv: number;
      currency: string;
      clvReporting: number | null;
      reportingCurrency: string;
      explanation: string;
    } | null;
    segment: {
      segment: SegmentName;
      label: string;
      treatment: string;
      asOf: Date;
      tenureDays: number;
      profit: number;
      currency: string | null;
      longRelationship: boolean;
      highProfit: boolean;
      thresholds: { tenureDays: number; profit: number; source: 'median' | 'explicit' };
      rfm: { recencyDays: number; frequency: number; monetary: number; r: number; f: number; m: number };
    } | null;
    recovery: {
      asOf: Date;
      state: string;
      measure: string;
      pRecovery: number;
      valueIfRecovered: number;
      cost: number;
      expectedValue: number;
      currency: string | null;
      expectedValueReporting: number | null;
      reportingCurrency: string;
      reasonCode: string | null;
      /** One line of the main factors (as the recovery list shows them) and the full explanation. */
      factors: string;
      explanation: RecoveryExplanation;
    } | null;
  };
  /** P(alive) and CLV of every analysis that scored the customer, oldest first (validation runs marked). */
  pAliveHistory: { analysisRunId: number; asOf: Date; pAlive: number; clv: number; currency: string; current: boolean; validation: boolean }[];
}

const MODEL_NAMES: Record<string, string> = { bgnbd: 'BG/NBD', paretonbd: 'Pareto/NBD' };

/**
 * The scores in words, from what they rest on: the purchase summary the model saw (repeat purchases, days from the
 * last purchase to the as-of date, days since the first) and the figures it gave.
 */
export function explainScores(s: {
  model: string | null;
  frequency: number;
  recencyDays: number;
  ageDays: number;
  asOf: Date;
  pAlive: number;
  expected365: number;
  expectedSpend: number;
  marginRatio: number;
  clv: number;
  currency: string;
}): string {
  const sinceLast = s.ageDays - s.recencyDays;
  return (
    `${MODEL_NAMES[s.model ?? ''] ?? 'The purchase model'} as of ${s.asOf.toISOString().slice(0, 10)}: ${s.frequency} repeat purchase(s) in the ${s.ageDays} days since the first, ` +
    `the last of them ${sinceLast} days before the as-of date → P(alive) ${(s.pAlive * 100).toFixed(1)}%, ${s.expected365.toFixed(2)} purchases expected in the next 365 days; ` +
    `expected spend per purchase ${formatMinor(s.expectedSpend, s.currency)} ${s.currency} (Gamma-Gamma) × margin ${s.marginRatio.toFixed(2)} → CLV ${formatMinor(s.clv, s.currency)} ${s.currency}`
  );
}

export async function readPreferences(db: Database['db'], customerId: number): Promise<ContactPreferencesView> {
  const p = await db
    .selectFrom('contact_preferences as p')
    .leftJoin('employees as e', 'e.id', 'p.preferred_employee_id')
    .selectAll('p')
    .select(['e.code as employee_code', 'e.name as employee_name'])
    .where('p.customer_id', '=', customerId)
    .executeTakeFirst();
  if (!p) {
    return {
      stated: false,
      allowedChannels: null,
      maxContacts: null,
      perDays: null,
      contactHoursStart: null,
      contactHoursEnd: null,
      preferredEmployee: null,
      doNotContact: false,
      doNotContactAt: null,
      doNotContactSource: null,
      updatedAt: null,
    };
  }
  return {
    stated: true,
    allowedChannels: p.allowed_channels,
    maxContacts: p.max_contacts,
    perDays: p.per_days,
    contactHoursStart: p.contact_hours_start?.slice(0, 5) ?? null,
    contactHoursEnd: p.contact_hours_end?.slice(0, 5) ?? null,
    preferredEmployee: p.preferred_employee_id === null ? null : { id: Number(p.preferred_employee_id), code: p.employee_code ?? '', name: p.employee_name ?? '' },
    doNotContact: p.do_not_contact,
    doNotContactAt: p.do_not_contact_at,
    doNotContactSource: p.do_not_contact_source,
    updatedAt: p.updated_at,
  };
}

/** A customer's orders in brief: how many, first and last, revenue and margin per currency (one GROUP BY). */
export async function orderSummary(db: Database['db'], customerId: number): Promise<Omit<CustomerProfile['orders'], 'recent'>> {
  const { rows } = await sql<{ currency: string; orders: number; revenue: number; margin: number | null; first_at: Date; last_at: Date }>`
    SELECT currency, count(*)::int AS orders, sum(amount)::bigint AS revenue, sum(margin)::bigint AS margin,
           min(occurred_at) AS first_at, max(occurred_at) AS last_at
    FROM orders WHERE customer_id = ${customerId} GROUP BY currency ORDER BY currency`.execute(db);
  return {
    count: rows.reduce((n, r) => n + Number(r.orders), 0),
    firstAt: rows.reduce<Date | null>((d, r) => (d === null || r.first_at < d ? r.first_at : d), null),
    lastAt: rows.reduce<Date | null>((d, r) => (d === null || r.last_at > d ? r.last_at : d), null),
    byCurrency: rows.map((r) => ({ currency: r.currency.trim(), orders: Number(r.orders), revenue: Number(r.revenue), margin: num(r.margin) })),
  };
}

/** A customer's newest recovery calls, with who called and the offer made (code and name of each). */
export async function recentRecoveryCalls(db: Database['db'], customerId: number, limit: number) {
  return db
    .selectFrom('recovery_calls as k')
    .leftJoin('employees as e', 'e.id', 'k.employee_id')
    .leftJoin('offers as o', 'o.id', 'k.offer_id')
    .selectAll('k')
    .select(['e.code as employee_code', 'e.name as employee_name', 'o.code as offer_code', 'o.name as offer_name'])
    .where('k.customer_id', '=', customerId)
    .orderBy('k.occurred_at', 'desc')
    .orderBy('k.id', 'desc')
    .limit(limit)
    .execute();
}

export async function requireCustomer(db: Database['db'], id: number): Promise<void> {
  const row = await db.selectFrom('customers').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new CustomersError('customer_not_found', `no customer with id ${id}`);
}

/** The profile of one customer (GET /api/v1/customers/:id, `winback customers show ID`). */
export async function customerProfile(database: Database, idInput: number | string): Promise<CustomerProfile> {
  const { id } = parseInput(customerIdSchema, { id: idInput }, 'customer id');
  const db = database.db;
  const c = await db
    .selectFrom('customers as c')
    .leftJoin('teams as t', 't.id', 'c.team_id')
    .leftJoin('employees as e', 'e.id', 'c.employee_id')
    .selectAll('c')
    .select(['t.code as team_code', 't.name as team_name', 'e.code as employee_code', 'e.name as employee_name', 'e.role as employee_role'])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!c) throw new CustomersError('customer_not_found', `no customer with id ${id}`);

  const conversion = await loadConversion(db);
  const [contracts, orderTotals, recentOrders, interactionCount, interactions, contacts, calls, state, transitions, preferences, current, segment, recovery, history] =
    await Promise.all([
      sql<{
        id: number; external_id: string; plan: string | null; started_at: Date; ends_at: Date | null; cancelled_at: Date | null; cancellation_reason: string | null;
        monthly_value: number; currency: string; mapped_code: string | null; verified_code: string | null; source: 'import' | 'rule' | 'none' | null; label: string | null;
      }>`
        SELECT k.id, k.external_id, k.plan, k.started_at, k.ends_at, k.cancelled_at, k.cancellation_reason, k.monthly_value, k.currency,
               r.mapped_code, r.verified_code, r.source, rs.label
        FROM contracts k
        LEFT JOIN contract_reasons r ON r.contract_id = k.id
        LEFT JOIN reasons rs ON rs.code = coalesce(r.verified_code, r.mapped_code)
        WHERE k.customer_id = ${id}
        ORDER BY k.started_at DESC, k.id DESC`.execute(db),
      orderSummary(db, id),
      db.selectFrom('orders').selectAll().where('customer_id', '=', id).orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(PROFILE_RECENT).execute(),
      db.selectFrom('interactions').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', id).executeTakeFirstOrThrow(),
      db
        .selectFrom('interactions as i')
        .leftJoin('employees as e', 'e.id', 'i.handled_by')
        .selectAll('i')
        .select('e.code as handled_by_code')
        .where('i.customer_id', '=', id)
        .orderBy('i.occurred_at', 'desc')
        .orderBy('i.id', 'desc')
        .limit(PROFILE_RECENT)
        .execute(),
      contactHistory(db, id, PROFILE_RECENT),
      recentRecoveryCalls(db, id, PROFILE_RECENT),
      db.selectFrom('customer_states').selectAll().where('customer_id', '=', id).executeTakeFirst(),
      db.selectFrom('state_transitions').selectAll().where('customer_id', '=', id).orderBy('effective_at', 'desc').orderBy('id', 'desc').execute(),
      readPreferences(db, id),
      db
        .selectFrom('current_customer_scores as s')
        .leftJoin('model_runs as m', 'm.id', 's.model_run_id')
        .leftJoin('analysis_runs as a', 'a.id', 's.analysis_run_id')
        .selectAll('s')
        .select(['m.model', 'a.time_unit'])
        .where('s.customer_id', '=', id)
        .executeTakeFirst(),
      db.selectFrom('customer_segments').selectAll().where('customer_id', '=', id).executeTakeFirst(),
      db.selectFrom('recovery_scores').selectAll().select(sql<string | null>`exchange_rate::text`.as('rate_text')).where('customer_id', '=', id).executeTakeFirst(),
      db
        .selectFrom('customer_scores as s')
        .innerJoin('analysis_runs as a', 'a.id', 's.analysis_run_id')
        .select(['s.analysis_run_id', 'a.calibration_end', 's.p_alive', 's.clv', 's.currency', 'a.is_current', 'a.holdout_end'])
        .where('s.customer_id', '=', id)
        .orderBy('a.calibration_end')
        .orderBy('s.analysis_run_id')
        .execute(),
    ]);


  let analysis: CustomerProfile['scores']['analysis'] = null;
  if (current) {
    const currency = current.currency.trim();
    const unit = current.time_unit ?? 'week';
    analysis = {
      analysisRunId: Number(current.analysis_run_id),
      asOf: current.as_of,
      model: current.model ?? null,
      timeUnit: unit,
      summary: { frequency: Number(current.frequency), recencyDays: Number(current.recency_days), ageDays: Number(current.age_days) },
      pAlive: Number(current.p_alive),
      expectedTransactions90d: Number(current.expected_transactions_90d),
      expectedTransactions365d: Number(current.expected_transactions_365d),
      expectedSpend: Number(current.expected_spend),
      marginRatio: Number(current.margin_ratio),
      clv: Number(current.clv),
      currency,
      clvReporting: conversion.convert(Number(current.clv), currency),
      reportingCurrency: conversion.reportingCurrency,
      explanation: explainScores({
        model: current.model ?? null,
        frequency: Number(current.frequency),
        recencyDays: Number(current.recency_days),
        ageDays: Number(current.age_days),
        asOf: current.as_of,
        pAlive: Number(current.p_alive),
        expected365: Number(current.expected_transactions_365d),
        expectedSpend: Number(current.expected_spend),
        marginRatio: Number(current.margin_ratio),
        clv: Number(current.clv),
        currency,
      }),
    };
  }
  const segmentView: CustomerProfile['scores']['segment'] = segment
    ? {
        segment: segment.segment,
        label: SEGMENT_TREATMENTS[segment.segment].label,
        treatment: SEGMENT_TREATMENTS[segment.segment].treatment,
        asOf: segment.as_of,
        tenureDays: Number(segment.tenure_days),
        profit: Number(segment.profit),
        currency: trim(segment.currency),
        longRelationship: segment.long_relationship,
        highProfit: segment.high_profit,
        thresholds: { tenureDays: Number(segment.tenure_threshold_days), profit: Number(segment.profit_threshold), source: segment.threshold_source },
        rfm: {
          recencyDays: Number(segment.recency_days),
          frequency: Number(segment.frequency),
          monetary: Number(segment.monetary),
          r: Number(segment.r_score),
          f: Number(segment.f_score),
          m: Number(segment.m_score),
        },
      }
    : null;
  const recoveryView: CustomerProfile['scores']['recovery'] = recovery
    ? {
        asOf: recovery.as_of,
        state: recovery.state,
        measure: recovery.measure,
        pRecovery: Number(recovery.p_recovery),
        valueIfRecovered: Number(recovery.value_if_recovered),
        cost: Number(recovery.cost),
        expectedValue: Number(recovery.expected_value),
        currency: trim(recovery.currency),
        expectedValueReporting: num(recovery.expected_value_reporting),
        reportingCurrency: recovery.reporting_currency.trim(),
        reasonCode: recovery.reason_code,
        factors: topFactors({ explanation: recoveryExplanation(recovery.explanation), currency: trim(recovery.currency) }),
        explanation: recoveryExplanation(recovery.explanation),
      }
    : null;

  return {
    customer: {
      id,
      externalId: c.external_id,
      name: c.name,
      email: c.email,
      phone: c.phone,
      company: c.company,
      country: trim(c.country),
      timezone: c.timezone,
      acquiredAt: c.acquired_at,
      acquisitionChannel: c.acquisition_channel,
      currency: trim(c.currency),
      attributes: c.attributes,
      createdAt: c.created_at,
      updatedAt: c.updated_at,
    },
    team: c.team_id === null ? null : { id: Number(c.team_id), code: c.team_code ?? '', name: c.team_name ?? '' },
    employee: c.employee_id === null ? null : { id: Number(c.employee_id), code: c.employee_code ?? '', name: c.employee_name ?? '', role: c.employee_role ?? 'frontline' },
    contracts: contracts.rows.map((k) => ({
      id: Number(k.id),
      externalId: k.external_id,
      plan: k.plan,
      startedAt: k.started_at,
      endsAt: k.ends_at,
      cancelledAt: k.cancelled_at,
      cancellationReason: k.cancellation_reason,
      monthlyValue: Number(k.monthly_value),
      currency: k.currency.trim(),
      reason:
        k.mapped_code === null
          ? null
          : { code: k.verified_code ?? k.mapped_code, label: k.label, mappedCode: k.mapped_code, verifiedCode: k.verified_code, source: k.source ?? 'none' },
    })),
    orders: {
      ...orderTotals,
      recent: recentOrders.map((o) => ({ id: Number(o.id), externalId: o.external_id, occurredAt: o.occurred_at, amount: Number(o.amount), margin: num(o.margin), currency: o.currency.trim() })),
    },
    interactions: {
      count: Number(interactionCount.n),
      recent: interactions.map((i) => ({
        id: Number(i.id),
        type: i.type,
        channel: i.channel,
        occurredAt: i.occurred_at,
        severity: i.severity,
        handledBy: i.handled_by_code ?? null,
        summary: i.summary,
      })),
    },
    contacts,
    recoveryCalls: calls.map((k) => ({
      id: Number(k.id),
      occurredAt: k.occurred_at,
      employee: k.employee_code ?? null,
      channel: k.channel,
      cycleId: num(k.cycle_id),
      apologyMade: k.apology_made,
      customerExplanation: k.customer_explanation,
      diagnosedReason: k.diagnosed_reason,
      reasonConfirmed: k.reason_confirmed,
      offer: k.offer_code ?? null,
      offerResponse: k.offer_response,
      outcome: k.outcome,
      nextStep: k.next_step,
      callbackAt: k.callback_at,
      notes: k.notes,
    })),
    lifecycle: state
      ? { state: state.state, since: state.entered_at, evidence: state.evidence, latentNeed: state.latent_need, latentNeedEvidence: state.latent_need_evidence }
      : null,
    stateHistory: transitions.map((t) => ({
      id: Number(t.id),
      fromState: t.from_state,
      toState: t.to_state,
      effectiveAt: t.effective_at,
      recordedAt: t.recorded_at,
      reason: t.reason,
      reasonCode: t.reason_code,
      valueLost: num(t.value_lost),
      currency: trim(t.currency),
      valueBasis: t.value_basis,
    })),
    preferences,
    scores: { analysis, segment: segmentView, recovery: recoveryView },
    pAliveHistory: history.map((h) => ({
      analysisRunId: Number(h.analysis_run_id),
      asOf: h.calibration_end,
      pAlive: Number(h.p_alive),
      clv: Number(h.clv),
      currency: h.currency.trim(),
      current: h.is_current,
      validation: h.holdout_end !== null,
    })),
  };
}
