/**
 * The call workspace: what an agent needs on screen for one recovery call — the customer's story at a glance
 * (who they are, what they had, why they left in their own words and as mapped/verified, what happened since,
 * earlier calls), whether a call is allowed right now and under which rule, and the eligible offers ranked by the
 * expected value they add, within what is left of the cycle's budget (converted into the budget's currency).
 */
import { sql, type Transaction } from 'kysely';
import { contactHistory, type ContactLogRow } from '../contact/repository.js';
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../contact/schemas.js';
import { evaluateContactRequest } from '../contact/service.js';
import { loadConversion } from '../currency/service.js';
import { orderSummary, readPreferences, recentRecoveryCalls, type ContactPreferencesView } from '../customers/profile.js';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import { valueBasis } from './calls.js';
import { WinbackError } from './errors.js';
import { listOffers, proposeOffers, type CustomerValueBasis, type OfferProposal } from './offers.js';
import { parseInput, workspaceQuerySchema, type WorkspaceQueryInput } from './schemas.js';

export interface CallWorkspace {
  customer: {
    id: number;
    externalId: string;
    name: string | null;
    company: string | null;
    email: string | null;
    phone: string | null;
    country: string | null;
    timezone: string | null;
    /** The customer's wall-clock time now ('2025-03-10 11:00, Monday'), for a call at a decent hour. */
    localTime: string | null;
    acquiredAt: Date | null;
    team: string | null;
    servedBy: string | null;
  };
  state: { state: string; since: Date; evidence: unknown; latentNeed: boolean; latentNeedEvidence: unknown } | null;
  /** The contract the customer left with and the reason: as said, as mapped by the rules, as verified on a call. */
  departure: {
    plan: string | null;
    startedAt: Date;
    endedAt: Date | null;
    cancelledAt: Date | null;
    monthlyValue: number;
    currency: string;
    reasonText: string | null;
    mappedReason: { code: string; label: string | null; rule: string | null } | null;
    verifiedReason: { code: string; label: string | null; at: Date | null } | null;
  } | null;
  relationship: {
    orders: number;
    firstOrderAt: Date | null;
    lastOrderAt: Date | null;
    revenue: { currency: string; amount: number }[];
    segment: string | null;
    pAlive: number | null;
    clv: { amount: number; currency: string } | null;
  };
  target: {
    cycleId: number;
    rank: number;
    status: string;
    holdout: boolean;
    attempts: number;
    assignedTo: number | null;
    claimedBy: number | null;
    claimExpiresAt: Date | null;
    pRecovery: number;
    valueIfRecovered: number;
    expectedValue: number;
    currency: string | null;
  } | null;
  recentInteractions: { type: string; occurredAt: Date; severity: string | null; summary: string | null; handledBy: string | null }[];
  previousCalls: {
    id: number;
    occurredAt: Date;
    employee: string;
    outcome: string;
    customerExplanation: string | null;
    diagnosedReason: string | null;
    reasonConfirmed: boolean | null;
    offer: string | null;
    offerResponse: string | null;
    nextStep: string | null;
  }[];
  contacts: ContactLogRow[];
  preferences: ContactPreferencesView;
  /** May this employee phone the customer now? The same check the call will pass. */
  callNow: { allowed: boolean; rule: string | null; message: string | null };
  budget: { total: number; committed: number; remaining: number; currency: string } | null;
  offers: OfferProposal[];
}

function localTime(timezone: string | null, at: Date): string | null {
  if (!timezone) return null;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'long', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  } catch {
    return null;
  }
}

async function departureOf(db: Transaction<DB>, customerId: number): Promise<CallWorkspace['departure']> {
  const row = await db
    .selectFrom('contracts as k')
    .leftJoin('contract_reasons as r', 'r.contract_id', 'k.id')
    .leftJoin('reasons as m', 'm.code', 'r.mapped_code')
    .leftJoin('reasons as v', 'v.code', 'r.verified_code')
    .select([
      'k.plan',
      'k.started_at',
      'k.ends_at',
      'k.cancelled_at',
      'k.monthly_value',
      'k.currency',
      'k.cancellation_reason',
      'r.mapped_code',
      'm.label as mapped_label',
      'r.rule_pattern',
      'r.verified_code',
      'v.label as verified_label',
      'r.verified_at',
    ])
    .where('k.customer_id', '=', customerId)
    .orderBy(sql`k.cancelled_at DESC NULLS LAST`)
    .orderBy('k.started_at', 'desc')
    .orderBy('k.id', 'desc')
    .executeTakeFirst();
  if (!row) return null;
  return {
    plan: row.plan,
    startedAt: row.started_at,
    endedAt: row.ends_at,
    cancelledAt: row.cancelled_at,
    monthlyValue: Number(row.monthly_value),
    currency: row.currency.trim(),
    reasonText: row.cancellation_reason,
    mappedReason: row.mapped_code ? { code: row.mapped_code, label: row.mapped_label, rule: row.rule_pattern } : null,
    verifiedReason: row.verified_code ? { code: row.verified_code, label: row.verified_label, at: row.verified_at } : null,
  };
}

/** The workspace for calling `customerId` (in `cycleId`, when the call belongs to a rescue cycle). */
export async function callWorkspace(database: Database, customerId: number, input: WorkspaceQueryInput, policy: ContactPolicy = DEFAULT_CONTACT_POLICY): Promise<CallWorkspace> {
  const q = parseInput(workspaceQuerySchema, input, 'call workspace');
  const at = q.at ?? new Date();
  // One snapshot for the whole story: the budget, the target and the offers agree with each other.
  return database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const c = await trx
        .selectFrom('customers as c')
        .leftJoin('teams as t', 't.id', 'c.team_id')
        .leftJoin('employees as e', 'e.id', 'c.employee_id')
        .select(['c.id', 'c.external_id', 'c.name', 'c.company', 'c.email', 'c.phone', 'c.country', 'c.timezone', 'c.acquired_at', 't.name as team', 'e.name as served_by'])
        .where('c.id', '=', customerId)
        .executeTakeFirst();
      if (!c) throw new WinbackError('customer_not_found', `no customer with id ${customerId}`);

      const cycle =
        q.cycleId === undefined
          ? null
          : await trx.selectFrom('rescue_cycles').select(['id', 'currency', 'offer_budget', 'budget_committed']).where('id', '=', q.cycleId).executeTakeFirst();
      if (q.cycleId !== undefined && !cycle) throw new WinbackError('cycle_not_found', `no rescue cycle with id ${q.cycleId}`);
      const target = cycle
        ? await trx.selectFrom('cycle_targets').selectAll().where('cycle_id', '=', Number(cycle.id)).where('customer_id', '=', customerId).executeTakeFirst()
        : undefined;
      if (cycle && !target) throw new WinbackError('not_claimed', `customer ${customerId} is not a target of cycle ${q.cycleId}`);

      const state = await trx.selectFrom('customer_states').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
      const segment = await trx.selectFrom('customer_segments').select('segment').where('customer_id', '=', customerId).executeTakeFirst();
      const score = await trx.selectFrom('current_customer_scores').select(['p_alive', 'clv', 'currency']).where('customer_id', '=', customerId).executeTakeFirst();
      const recovery = await trx.selectFrom('recovery_scores').select(['p_recovery', 'value_if_recovered', 'reason_code', 'segment']).where('customer_id', '=', customerId).executeTakeFirst();
      const orders = await orderSummary(trx, customerId);
      const interactions = await trx
        .selectFrom('interactions as i')
        .leftJoin('employees as e', 'e.id', 'i.handled_by')
        .select(['i.type', 'i.occurred_at', 'i.severity', 'i.summary', 'e.name as handled_by'])
        .where('i.customer_id', '=', customerId)
        .orderBy('i.occurred_at', 'desc')
        .limit(10)
        .execute();
      const calls = await recentRecoveryCalls(trx, customerId, 20);
      const decision = await evaluateContactRequest({ db: trx }, { customerId, channel: 'phone', at, action: 'contact', employeeId: q.employeeId, cycleId: q.cycleId, requestedByCustomer: target?.status === 'callback' }, policy);
      const departure = await departureOf(trx, customerId);

      const basis: CustomerValueBasis = await valueBasis(trx, customerId, at);
      const conversion = await loadConversion(trx);
      const budget = cycle
        ? { total: Number(cycle.offer_budget), committed: Number(cycle.budget_committed), remaining: Number(cycle.offer_budget) - Number(cycle.budget_committed), currency: cycle.currency.trim() }
        : null;
      const offers = proposeOffers(
        await listOffers(trx, true),
        {
          segment: target?.segment ?? recovery?.segment ?? segment?.segment ?? null,
          reasonCode: departure?.verifiedReason?.code ?? target?.reason_code ?? recovery?.reason_code ?? departure?.mappedReason?.code ?? null,
          pRecovery: target?.p_recovery ?? recovery?.p_recovery ?? 0,
          valueIfRecovered: Number(target?.value_if_recovered ?? recovery?.value_if_recovered ?? 0),
          basis,
        },
        budget && { remaining: budget.remaining, currency: budget.currency, convert: (amount, from) => conversion.convertBetween(amount, from, budget.currency) },
      );

      return {
        customer: {
          id: Number(c.id),
          externalId: c.external_id,
          name: c.name,
          company: c.company,
          email: c.email,
          phone: c.phone,
          country: c.country,
          timezone: c.timezone,
          localTime: localTime(c.timezone, at),
          acquiredAt: c.acquired_at,
          team: c.team,
          servedBy: c.served_by,
        },
        state: state ? { state: state.state, since: state.entered_at, evidence: state.evidence, latentNeed: state.latent_need, latentNeedEvidence: state.latent_need_evidence } : null,
        departure,
        relationship: {
          orders: orders.count,
          firstOrderAt: orders.firstAt,
          lastOrderAt: orders.lastAt,
          revenue: orders.byCurrency.map((o) => ({ currency: o.currency, amount: o.revenue })),
          segment: segment?.segment ?? null,
          pAlive: score?.p_alive ?? null,
          clv: score ? { amount: Math.round(score.clv), currency: score.currency.trim() } : null,
        },
        target: target
          ? {
              cycleId: Number(target.cycle_id),
              rank: target.rank,
              status: target.status,
              holdout: target.holdout,
              attempts: target.attempts,
              assignedTo: target.assigned_to === null ? null : Number(target.assigned_to),
              claimedBy: target.claimed_by === null ? null : Number(target.claimed_by),
              claimExpiresAt: target.claim_expires_at,
              pRecovery: target.p_recovery,
              valueIfRecovered: Number(target.value_if_recovered),
              expectedValue: Number(target.expected_value),
              currency: target.currency?.trim() ?? null,
            }
          : null,
        recentInteractions: interactions.map((i) => ({ type: i.type, occurredAt: i.occurred_at, severity: i.severity, summary: i.summary, handledBy: i.handled_by })),
        previousCalls: calls.map((r) => ({
          id: Number(r.id),
          occurredAt: r.occurred_at,
          employee: r.employee_name ?? '',
          outcome: r.outcome,
          customerExplanation: r.customer_explanation,
          diagnosedReason: r.diagnosed_reason,
          reasonConfirmed: r.reason_confirmed,
          offer: r.offer_name,
          offerResponse: r.offer_response,
          nextStep: r.next_step,
        })),
        contacts: await contactHistory(trx, customerId, 20),
        preferences: await readPreferences(trx, customerId),
        callNow: decision.allowed ? { allowed: true, rule: null, message: null } : { allowed: false, rule: decision.refusal.type, message: decision.message },
        budget,
        offers,
      };
    });
}
