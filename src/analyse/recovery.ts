/**
 * Worth winning back: for each lost or sleeping customer (customer_states), the expected value of a recovery
 * attempt = P(recovery | segment, reason) · value if recovered − cost (see expected-value.ts), stored with its
 * explanation in recovery_scores so that the prioritised list is one indexed query.
 *
 * Value if recovered — "second lifetime value", the future, not the past:
 * - contract customers (any contract): the last contract's monthly value × term months × margin ×
 *   DERT(d | α, β, n = 0) of the sBG model (Fader & Hardie 2010): the discounted expected number of terms a
 *   newly (re)acquired subscriber pays, the first term undiscounted. α, β are fitted on the company's own
 *   contracts (cohorts by observed length; a contract that ends counts as a churn, a running one as censored);
 *   when that fit is impossible (no contracts, nobody churned) DEFAULT_SBG: α = 1, β = 3 — a mean churn of
 *   25 % per term, a common annual churn for subscriptions, with α = 1 giving the heterogeneity (rising
 *   retention with tenure) that contract bases show.
 * - order customers (scored by the current analysis): margin ratio × expected spend per order (Gamma-Gamma)
 *   × [1 + Σ_m ΔE[X(m)]/(1+d)^m] — `recoveredCustomerValue` with the fitted BG/NBD or Pareto/NBD of the
 *   current analysis and its horizon and discount rate: the win-back order plus the repeat purchases of a new
 *   customer.
 * - anyone else: 0 (explained: no model value).
 *
 * Default priors (seeded by migration 0005; α + β = 20 everywhere, so ~20 own outcomes in a cell outweigh the
 * prior): any customer 10 %; by segment true friends 30 %, barnacles 20 %, butterflies 15 %, strangers 7.5 %
 * (loyal, long relationships return more often — Reinartz & Kumar; Thomas, Blattberg & Fox 2004 find
 * reacquisition more likely for customers with longer, more intense first lifetimes); reasons that decide the
 * outcome whatever the segment override it: closed business 1 %, relocation 5 %, no longer needed 7.5 %,
 * competitor 15 %, price 20 %, missing feature 15 %, service 25 %, billing error 35 % (fixable causes come
 * back more often — Stauss & Friege 1999, "Regaining service customers").
 *
 * Costs (recovery_costs, seeded per currency): agent_call 15.00, executive_call 60.00, offer 25.00 (EUR;
 * similar in CHF/GBP/USD/PLN). The measure is chosen per scoring run (default agent_call); a currency without a
 * cost row is charged 0 and the explanation says so.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/engine.js';
import type { DB, SegmentName } from '../db/schema.js';
import {
  bgNbdExpected,
  DAYS_PER_UNIT,
  fitSbg,
  monthlyDiscountRate,
  paretoNbdExpected,
  recoveredCustomerValue,
  sbgDert,
  StatsError,
  type BgNbdParams,
  type ParetoNbdParams,
  type SbgParams,
} from '../stats/index.js';
import { AnalyseError } from './errors.js';
import { findPrior, pRecovery, type RecoveryPrior } from './expected-value.js';
import { mapContractReasonsIn, testReasonText } from './reasons.js';
import {
  parseOptions,
  recoveryListQuerySchema,
  recoveryOutcomeSchema,
  recoveryScoreOptionsSchema,
  SEGMENTS,
  type RecoveryListQueryInput,
  type RecoveryOutcomeInput,
  type RecoveryScoreOptionsInput,
} from './schemas.js';
import { computeSegments, DEFAULT_MARGIN_RATIO, observedMarginRatio } from './segments.js';

export const DEFAULT_SBG: SbgParams = { alpha: 1, beta: 3 };
const DEFAULT_ANNUAL_DISCOUNT = 0.1;
const DEFAULT_HORIZON_MONTHS = 24;
const MS_PER_DAY = 86_400_000;

export async function listRecoveryPriors(database: Database): Promise<RecoveryPrior[]> {
  const rows = await database.db.selectFrom('recovery_priors').selectAll().orderBy('segment').orderBy('reason_code').execute();
  return rows.map((r) => ({ id: Number(r.id), segment: r.segment, reasonCode: r.reason_code, alpha: r.alpha, beta: r.beta, rationale: r.rationale }));
}

/** Sets (inserts or replaces) the prior of a cell. */
export async function setRecoveryPrior(
  database: Database,
  input: { segment: SegmentName | null; reasonCode: string | null; alpha: number; beta: number; rationale?: string | null },
): Promise<void> {
  if (!(input.alpha > 0) || !(input.beta > 0)) throw new AnalyseError('invalid_options', 'alpha and beta must be positive');
  await database.db.transaction().execute(async (trx) => {
    const q = trx.deleteFrom('recovery_priors');
    await (input.segment === null ? q.where('segment', 'is', null) : q.where('segment', '=', input.segment))
      .where((eb) => (input.reasonCode === null ? eb('reason_code', 'is', null) : eb('reason_code', '=', input.reasonCode)))
      .execute();
    await trx
      .insertInto('recovery_priors')
      .values({ segment: input.segment, reason_code: input.reasonCode, alpha: input.alpha, beta: input.beta, rationale: input.rationale ?? null })
      .execute();
  });
}

export async function listRecoveryCosts(database: Database) {
  const rows = await database.db.selectFrom('recovery_costs').selectAll().orderBy('measure').orderBy('currency').execute();
  return rows.map((r) => ({ measure: r.measure, currency: r.currency, amount: Number(r.amount), description: r.description }));
}

export async function setRecoveryCost(database: Database, input: { measure: string; currency: string; amount: number; description?: string | null }): Promise<void> {
  if (!/^[a-z][a-z0-9_]*$/.test(input.measure)) throw new AnalyseError('invalid_options', `measure "${input.measure}": lower-case letters, digits and _`);
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new AnalyseError('invalid_options', 'amount must be a non-negative integer (minor units)');
  await database.db
    .insertInto('recovery_costs')
    .values({ measure: input.measure, currency: input.currency.toUpperCase(), amount: input.amount, description: input.description ?? null })
    .onConflict((oc) => oc.columns(['measure', 'currency']).doUpdateSet({ amount: input.amount, description: input.description ?? null, updated_at: sql`now()` }))
    .execute();
}

/**
 * Records the outcome of a recovery attempt — the data P(recovery) learns from. Segment and reason default to
 * the customer's current segment and the effective reason of the latest contract with one ('unknown' when none).
 */
export async function recordRecoveryOutcome(database: Database, input: RecoveryOutcomeInput): Promise<{ id: number; segment: SegmentName | null; reasonCode: string }> {
  const o = parseOptions(recoveryOutcomeSchema, input, 'recovery outcome');
  const customer = await database.db.selectFrom('customers').select('id').where('id', '=', o.customerId).executeTakeFirst();
  if (!customer) throw new AnalyseError('customer_not_found', `no customer with id ${o.customerId}`);
  let segment = o.segment;
  if (segment === undefined) {
    const row = await database.db.selectFrom('customer_segments').select('segment').where('customer_id', '=', o.customerId).executeTakeFirst();
    segment = row?.segment ?? null;
  }
  let reasonCode = o.reasonCode;
  if (reasonCode === undefined) {
    // The latest contract with a reason: its verified or mapped code, else (not mapped yet) its imported code or
    // what the rules make of its text.
    const { rows } = await sql<{ code: string | null; text: string | null }>`
      SELECT coalesce(r.verified_code, r.mapped_code, c.reason_code) AS code, c.cancellation_reason AS text
      FROM contracts c LEFT JOIN contract_reasons r ON r.contract_id = c.id
      WHERE c.customer_id = ${o.customerId}
        AND (r.contract_id IS NOT NULL OR c.reason_code IS NOT NULL OR c.cancelled_at IS NOT NULL OR c.cancellation_reason IS NOT NULL)
      ORDER BY c.cancelled_at DESC NULLS LAST, c.started_at DESC, c.id DESC LIMIT 1`.execute(database.db);
    const latest = rows[0];
    reasonCode = latest ? (latest.code ?? (await testReasonText(database, latest.text ?? '')).code) : 'unknown';
  }
  const known = await database.db.selectFrom('reasons').select('code').where('code', '=', reasonCode).executeTakeFirst();
  if (!known) throw new AnalyseError('unknown_reason', `no reason code "${reasonCode}" in the catalogue`);
  const { id } = await database.db
    .insertInto('recovery_outcomes')
    .values({ customer_id: o.customerId, occurred_at: o.occurredAt, segment, reason_code: reasonCode, measure: o.measure ?? null, won_back: o.wonBack, note: o.note ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: Number(id), segment, reasonCode };
}

/** sBG on the company's own contracts: cohorts by the number of whole terms observed. */
export async function fitContractRetention(
  db: Transaction<DB>,
  asOf: Date,
  termMonths: number,
): Promise<{ params: SbgParams; source: 'fitted' | 'default'; contracts: number; message: string }> {
  const periodSeconds = termMonths * 30.4375 * 86400;
  const { rows } = await sql<{ n: number; t: number | null; count: number }>`
    WITH c AS (
      SELECT least(floor(extract(epoch FROM ${asOf}::timestamptz - started_at) / ${periodSeconds}::float8), 60)::int AS n,
             CASE WHEN coalesce(ends_at, cancelled_at, 'infinity'::timestamptz) > ${asOf}::timestamptz THEN NULL
                  ELSE greatest(1, ceil(extract(epoch FROM coalesce(ends_at, cancelled_at) - started_at) / ${periodSeconds}::float8))::int END AS t
      FROM contracts WHERE started_at <= ${asOf}::timestamptz
    )
    SELECT n, t, count(*)::int AS count FROM c WHERE n >= 1 GROUP BY n, t`.execute(db);
  const byN = new Map<number, { size: number; churnedAt: Map<number, number> }>();
  let contracts = 0;
  for (const r of rows) {
    const n = Number(r.n);
    const g = byN.get(n) ?? { size: 0, churnedAt: new Map<number, number>() };
    g.size += Number(r.count);
    contracts += Number(r.count);
    if (r.t !== null && Number(r.t) <= n) g.churnedAt.set(Number(r.t), (g.churnedAt.get(Number(r.t)) ?? 0) + Number(r.count));
    byN.set(n, g);
  }
  const cohorts = [...byN.entries()].map(([n, g]) => {
    const alive = new Float64Array(n + 1);
    let left = g.size;
    alive[0] = left;
    for (let t = 1; t <= n; t++) {
      left -= g.churnedAt.get(t) ?? 0;
      alive[t] = left;
    }
    return alive;
  });
  if (cohorts.length === 0) return { params: DEFAULT_SBG, source: 'default', contracts, message: 'no contract has run a whole term yet: default sBG α = 1, β = 3' };
  try {
    const fit = fitSbg(cohorts);
    return { params: { alpha: fit.params.alpha, beta: fit.params.beta }, source: 'fitted', contracts, message: `fitted on ${contracts} contracts in ${cohorts.length} cohorts` };
  } catch (error) {
    if (!(error instanceof StatsError)) throw error;
    return { params: DEFAULT_SBG, source: 'default', contracts, message: `sBG fit not possible (${error.message}): default α = 1, β = 3` };
  }
}

interface OrderModel {
  analysisRunId: number;
  model: 'bgnbd' | 'paretonbd';
  params: Record<string, number>;
  discountedTransactions: number;
  horizonMonths: number;
  annualDiscountRate: number;
}

async function currentOrderModel(trx: Transaction<DB>, overrides: { horizonMonths?: number; annualDiscountRate?: number }): Promise<OrderModel | null> {
  const run = await trx.selectFrom('analysis_runs').selectAll().where('is_current', '=', true).executeTakeFirst();
  if (!run) return null;
  const modelRun = await trx
    .selectFrom('model_runs')
    .select(['model', 'parameters'])
    .where('analysis_run_id', '=', run.id)
    .where('selected', '=', true)
    .where('status', '=', 'fitted')
    .executeTakeFirst();
  if (!modelRun || !modelRun.parameters || (modelRun.model !== 'bgnbd' && modelRun.model !== 'paretonbd')) return null;
  const options = run.options as { horizonMonths?: number; annualDiscountRate?: number };
  const horizonMonths = overrides.horizonMonths ?? options.horizonMonths ?? DEFAULT_HORIZON_MONTHS;
  const annualDiscountRate = overrides.annualDiscountRate ?? options.annualDiscountRate ?? DEFAULT_ANNUAL_DISCOUNT;
  const params = modelRun.parameters as Record<string, number>;
  const expectedNew =
    modelRun.model === 'bgnbd' ? (t: number) => bgNbdExpected(params as unknown as BgNbdParams, t) : (t: number) => paretoNbdExpected(params as unknown as ParetoNbdParams, t);
  // Value per unit of (margin × expected spend): the win-back order plus the new-customer repeat purchases.
  const [discountedTransactions] = recoveredCustomerValue(expectedNew, [1], {
    horizonMonths,
    monthlyDiscountRate: monthlyDiscountRate(annualDiscountRate),
    marginRatio: 1,
    unitsPerMonth: DAYS_PER_UNIT.month / DAYS_PER_UNIT[run.time_unit],
    includeReturnPurchase: true,
  });
  return { analysisRunId: Number(run.id), model: modelRun.model, params, discountedTransactions: discountedTransactions!, horizonMonths, annualDiscountRate };
}

export interface RecoveryScoreResult {
  asOf: Date;
  scored: number;
  measure: string;
  byState: { state: string; customers: number; expectedValue: number }[];
  positive: number;
  orderModel: Omit<OrderModel, 'params'> & { params: Record<string, number> } | null;
  contractModel: { params: SbgParams; source: 'fitted' | 'default'; message: string; termMonths: number; discountRatePerTerm: number; dert: number; marginRatio: number };
  reasons: { contracts: number; changed: number };
  segmentsComputed: boolean;
  warnings: string[];
}

/**
 * Scores every lost or sleeping customer and replaces recovery_scores. Maps contract reasons first
 * (idempotent); computes segments with the defaults when none exist yet (existing segments, e.g. with explicit
 * thresholds, are used as they are).
 */
export async function scoreRecovery(database: Database, input: RecoveryScoreOptionsInput = {}): Promise<RecoveryScoreResult> {
  const options = parseOptions(recoveryScoreOptionsSchema, input, 'recovery score options');
  const asOf = options.asOf ?? new Date();
  const warnings: string[] = [];
  const measureKnown = await database.db.selectFrom('recovery_costs').select('measure').where('measure', '=', options.measure).executeTakeFirst();
  if (!measureKnown) throw new AnalyseError('unknown_measure', `no recovery cost for the measure "${options.measure}" (see recovery_costs)`);
  const { count: segmentCount } = await database.db.selectFrom('customer_segments').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  let segmentsComputed = false;
  if (Number(segmentCount) === 0) {
    await computeSegments(database, { asOf, ...(options.marginRatio !== undefined ? { marginRatio: options.marginRatio } : {}) });
    segmentsComputed = true;
  }
  const observed = options.marginRatio === undefined ? await observedMarginRatio(database) : null;
  const contractMargin = options.marginRatio ?? observed ?? DEFAULT_MARGIN_RATIO;
  const priors = await listRecoveryPriors(database);

  return database.db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE recovery_scores IN EXCLUSIVE MODE`.execute(trx);
    const reasons = await mapContractReasonsIn(trx);
    const { count: states } = await trx
      .selectFrom('customer_states')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('state', 'in', ['lost', 'sleeping'])
      .executeTakeFirstOrThrow();
    if (Number(states) === 0) warnings.push('no lost or sleeping customers in customer_states: compute the lifecycle states first');

    const orderModel = await currentOrderModel(trx, options);
    if (!orderModel) warnings.push('no current analysis with a fitted purchase model: order customers get no value if recovered (run `winback analyze`)');
    const retention = await fitContractRetention(trx, asOf, options.contractTermMonths);
    const annual = options.annualDiscountRate ?? orderModel?.annualDiscountRate ?? DEFAULT_ANNUAL_DISCOUNT;
    const discountRatePerTerm = Math.max(Math.pow(1 + annual, options.contractTermMonths / 12) - 1, 1e-9);
    const dert = sbgDert(retention.params, discountRatePerTerm, 0);
    const contractModel = { params: retention.params, source: retention.source, message: retention.message, termMonths: options.contractTermMonths, discountRatePerTerm, dert, marginRatio: contractMargin };

    // P(recovery) per cell (segment or none × every catalogue code): prior, outcomes, posterior.
    const codes = (await trx.selectFrom('reasons').select('code').execute()).map((r) => r.code);
    const outcomeRows = await trx
      .selectFrom('recovery_outcomes')
      .select(['segment', 'reason_code', (eb) => eb.fn.countAll<number>().as('attempts'), sql<number>`count(*) FILTER (WHERE won_back)`.as('wins')])
      .groupBy(['segment', 'reason_code'])
      .execute();
    const cells = [...SEGMENTS, null].flatMap((segment) =>
      codes.map((code) => {
        const o = outcomeRows.find((r) => r.segment === segment && r.reason_code === code);
        const p = pRecovery(findPrior(priors, segment, code), { attempts: Number(o?.attempts ?? 0), wins: Number(o?.wins ?? 0) });
        return { segment, reason_code: code, p: p.value, explanation: p };
      }),
    );
    const costs = await trx.selectFrom('recovery_costs').select(['currency', 'amount']).where('measure', '=', options.measure).execute();

    await sql`DELETE FROM recovery_scores`.execute(trx);
    await sql`
      WITH cells AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(cells)}::jsonb) AS x(segment text, reason_code text, p float8, explanation jsonb)
      ), costs AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(costs)}::jsonb) AS x(currency text, amount bigint)
      ), targets AS (
        SELECT s.customer_id, s.state, s.entered_at FROM customer_states s WHERE s.state IN ('lost', 'sleeping')
      ), reason AS (
        SELECT DISTINCT ON (r.customer_id) r.customer_id, coalesce(r.verified_code, r.mapped_code) AS code, r.source,
               r.mapped_code, r.verified_code, r.original_text, r.rule_id, r.rule_pattern, r.contract_id
        FROM contract_reasons r JOIN contracts c ON c.id = r.contract_id JOIN targets t ON t.customer_id = r.customer_id
        ORDER BY r.customer_id, c.cancelled_at DESC NULLS LAST, c.started_at DESC, c.id DESC
      ), last_contract AS (
        SELECT DISTINCT ON (c.customer_id) c.customer_id, c.monthly_value, c.currency, c.plan
        FROM contracts c JOIN targets t ON t.customer_id = c.customer_id
        ORDER BY c.customer_id, c.started_at DESC, c.id DESC
      ), valued AS (
        SELECT t.customer_id, t.state, t.entered_at, cu.team_id, seg.segment, coalesce(rs.code, 'unknown') AS reason_code,
               rs.source AS reason_source, rs.mapped_code, rs.verified_code, rs.original_text, rs.rule_id, rs.rule_pattern,
               lc.monthly_value, lc.plan, sc.expected_spend, sc.margin_ratio AS order_margin,
               coalesce(lc.currency, sc.currency, cu.currency) AS currency,
               CASE WHEN lc.customer_id IS NOT NULL THEN 'contract' WHEN sc.customer_id IS NOT NULL AND ${orderModel !== null} THEN 'orders' ELSE 'none' END AS method
        FROM targets t
        JOIN customers cu ON cu.id = t.customer_id
        LEFT JOIN customer_segments seg ON seg.customer_id = t.customer_id
        LEFT JOIN reason rs ON rs.customer_id = t.customer_id
        LEFT JOIN last_contract lc ON lc.customer_id = t.customer_id
        LEFT JOIN current_customer_scores sc ON sc.customer_id = t.customer_id
      ), scored AS (
        SELECT v.*, cl.p, cl.explanation AS p_explanation, co.amount IS NULL AS cost_missing, coalesce(co.amount, 0) AS cost,
               CASE v.method
                 WHEN 'contract' THEN round((v.monthly_value * ${options.contractTermMonths}::float8 * ${contractMargin}::float8 * ${dert}::float8)::numeric)::bigint
                 WHEN 'orders' THEN round((v.order_margin * v.expected_spend * ${orderModel?.discountedTransactions ?? 0}::float8)::numeric)::bigint
                 ELSE 0 END AS value
        FROM valued v
        JOIN cells cl ON cl.segment IS NOT DISTINCT FROM v.segment AND cl.reason_code = v.reason_code
        LEFT JOIN costs co ON co.currency = v.currency
      )
      INSERT INTO recovery_scores (customer_id, as_of, state, state_since, segment, reason_code, team_id, currency, measure,
        p_recovery, value_if_recovered, cost, expected_value, explanation)
      SELECT customer_id, ${asOf}::timestamptz, state, entered_at, segment, reason_code, team_id, currency, ${options.measure},
             p, value, cost, round((p * value)::numeric)::bigint - cost,
             jsonb_build_object(
               'formula', 'expected_value = round(p_recovery × value_if_recovered) − cost',
               'state', jsonb_build_object('state', state, 'since', entered_at),
               'segment', segment,
               'reason', jsonb_build_object('code', reason_code, 'source', coalesce(reason_source, 'no contract reason'), 'mappedCode', mapped_code,
                                            'verifiedCode', verified_code, 'text', original_text, 'ruleId', rule_id, 'rulePattern', rule_pattern),
               'pRecovery', p_explanation,
               'valueIfRecovered', jsonb_build_object('value', value, 'currency', currency, 'method', method) ||
                 CASE method
                   WHEN 'contract' THEN jsonb_build_object('monthlyValue', monthly_value, 'plan', plan, 'termMonths', ${options.contractTermMonths}::int,
                     'marginRatio', ${contractMargin}::float8, 'expectedTerms', ${dert}::float8, 'sbg', ${JSON.stringify(contractModel)}::jsonb)
                   WHEN 'orders' THEN jsonb_build_object('expectedSpend', expected_spend, 'marginRatio', order_margin,
                     'discountedTransactions', ${orderModel?.discountedTransactions ?? 0}::float8,
                     'model', ${JSON.stringify(orderModel ? { analysisRunId: orderModel.analysisRunId, model: orderModel.model, params: orderModel.params, horizonMonths: orderModel.horizonMonths, annualDiscountRate: orderModel.annualDiscountRate } : null)}::jsonb)
                   ELSE jsonb_build_object('note', 'no contract and not scored by the current analysis: no model value') END,
               'cost', jsonb_build_object('measure', ${options.measure}::text, 'amount', cost, 'currency', currency,
                                          'note', CASE WHEN cost_missing THEN 'no cost configured for this currency: 0 charged' END)
             )
      FROM scored`.execute(trx);

    const { rows: byState } = await sql<{ state: string; customers: number; expected_value: number; positive: number }>`
      SELECT state, count(*)::int AS customers, coalesce(sum(expected_value), 0)::float8 AS expected_value,
             count(*) FILTER (WHERE expected_value > 0)::int AS positive
      FROM recovery_scores GROUP BY state ORDER BY state`.execute(trx);
    return {
      asOf,
      scored: byState.reduce((s, r) => s + Number(r.customers), 0),
      measure: options.measure,
      byState: byState.map((r) => ({ state: r.state, customers: Number(r.customers), expectedValue: Number(r.expected_value) })),
      positive: byState.reduce((s, r) => s + Number(r.positive), 0),
      orderModel,
      contractModel,
      reasons: { contracts: reasons.contracts, changed: reasons.changed },
      segmentsComputed,
      warnings,
    };
  });
}

// ---- The prioritised list ------------------------------------------------------------------------

const SORT_COLUMNS = {
  expected_value: 'expected_value',
  value: 'value_if_recovered',
  p_recovery: 'p_recovery',
  lost_since: 'state_since',
} as const;

export interface RecoveryListItem {
  rank: number;
  customerId: number;
  externalId: string;
  name: string | null;
  company: string | null;
  team: string | null;
  state: 'sleeping' | 'lost';
  stateSince: Date;
  segment: SegmentName | null;
  reasonCode: string | null;
  currency: string | null;
  pRecovery: number;
  valueIfRecovered: number;
  cost: number;
  expectedValue: number;
  explanation: Record<string, unknown>;
}

export interface RecoveryList {
  items: RecoveryListItem[];
  sort: string;
  order: 'asc' | 'desc';
  page: number | null;
  limit: number;
  /** Cursor for the next page (keyset paging), null on the last page. */
  next: string | null;
  asOf: Date | null;
}

function encodeCursor(key: string | number, id: number): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}
function decodeCursor(cursor: string): [string | number, number] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && (typeof v[0] === 'number' || typeof v[0] === 'string') && Number.isSafeInteger(v[1])) return [v[0], v[1] as number];
  } catch {
    /* fall through */
  }
  throw new AnalyseError('invalid_options', 'invalid cursor in `after`: pass the `next` value of the previous page');
}

/** The prioritised recovery list: filters, sort (expected value desc by default), offset or keyset paging. */
export async function listRecovery(database: Database, input: RecoveryListQueryInput = {}): Promise<RecoveryList> {
  const q = parseOptions(recoveryListQuerySchema, input, 'recovery list query');
  const db = database.db;
  let teamId: number | null = null;
  if (q.team !== undefined) {
    const team = await db.selectFrom('teams').select('id').where('code', '=', q.team).executeTakeFirst();
    if (!team) throw new AnalyseError('unknown_team', `no team with code "${q.team}"`);
    teamId = Number(team.id);
  }
  const column = SORT_COLUMNS[q.sort];
  const isTime = column === 'state_since';
  const desc = q.order === 'desc';
  const keyExpr = isTime
    ? sql<string | number>`to_char(state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql<string | number>`${sql.ref(column)}`;

  let query = db
    .selectFrom('recovery_scores')
    .select(['customer_id', 'state', 'state_since', 'segment', 'reason_code', 'team_id', 'currency', 'p_recovery', 'value_if_recovered', 'cost', 'expected_value', 'explanation', 'as_of'])
    .select(keyExpr.as('sort_key'));
  if (q.state) query = query.where('state', '=', q.state);
  if (q.segment) query = query.where('segment', '=', q.segment);
  if (q.reason) {
    // The code and its descendants, from the (small) catalogue: an IN list the indexes can use.
    const codes = (await db.selectFrom('reasons').select('code').execute()).map((r) => r.code).filter((code) => code === q.reason || code.startsWith(`${q.reason}.`));
    if (codes.length === 0) throw new AnalyseError('unknown_reason', `no reason code "${q.reason}" in the catalogue`);
    query = query.where('reason_code', 'in', codes);
  }
  if (teamId !== null) query = query.where('team_id', '=', teamId);
  if (q.minValue !== undefined) query = query.where('expected_value', '>=', q.minValue);
  if (q.after) {
    const [key, id] = decodeCursor(q.after);
    const value = isTime ? sql`${String(key)}::timestamptz` : sql`${Number(key)}`;
    const col = sql.ref(column);
    // desc: (col, -id) after (key, -id0) ⇔ col < key OR (col = key AND id > id0); bound col ≤ key for the index.
    query = desc
      ? query.where(sql<boolean>`${col} <= ${value} AND (${col} < ${value} OR customer_id > ${id})`)
      : query.where(sql<boolean>`${col} >= ${value} AND (${col} > ${value} OR customer_id < ${id})`);
  }
  query = query.orderBy(column, desc ? 'desc' : 'asc').orderBy('customer_id', desc ? 'asc' : 'desc');
  const offset = q.after ? 0 : (q.page - 1) * q.limit;
  const rows = await query.limit(q.limit + 1).offset(offset).execute();
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const ids = page.map((r) => Number(r.customer_id));
  const people = ids.length
    ? await db
        .selectFrom('customers')
        .leftJoin('teams', 'teams.id', 'customers.team_id')
        .select(['customers.id', 'customers.external_id', 'customers.name', 'customers.company', 'teams.code as team'])
        .where('customers.id', 'in', ids)
        .execute()
    : [];
  const byId = new Map(people.map((p) => [Number(p.id), p]));
  const last = page.at(-1);
  return {
    items: page.map((r, i) => {
      const p = byId.get(Number(r.customer_id));
      return {
        rank: offset + i + 1,
        customerId: Number(r.customer_id),
        externalId: p?.external_id ?? '',
        name: p?.name ?? null,
        company: p?.company ?? null,
        team: p?.team ?? null,
        state: r.state,
        stateSince: r.state_since,
        segment: r.segment,
        reasonCode: r.reason_code,
        currency: r.currency,
        pRecovery: r.p_recovery,
        valueIfRecovered: Number(r.value_if_recovered),
        cost: Number(r.cost),
        expectedValue: Number(r.expected_value),
        explanation: r.explanation,
      };
    }),
    sort: q.sort,
    order: q.order,
    page: q.after ? null : q.page,
    limit: q.limit,
    next: more && last ? encodeCursor(isTime ? (last.sort_key as string) : Number(last.sort_key), Number(last.customer_id)) : null,
    asOf: page[0]?.as_of ?? null,
  };
}

/** One line of the main factors of a score, for lists: P, value and its basis, cost. */
export function topFactors(item: Pick<RecoveryListItem, 'explanation' | 'currency'>): string {
  const e = item.explanation as {
    pRecovery?: { value: number; prior: { alpha: number; beta: number; segment: string | null; reasonCode: string | null }; outcomes: { attempts: number; wins: number } };
    valueIfRecovered?: { value: number; method: string; monthlyValue?: number; expectedTerms?: number; expectedSpend?: number; discountedTransactions?: number; marginRatio?: number };
    cost?: { amount: number; measure: string };
  };
  const money = (v: number) => (v / 100).toFixed(2);
  const parts: string[] = [];
  if (e.pRecovery) {
    const pr = e.pRecovery.prior;
    parts.push(
      `P ${(e.pRecovery.value * 100).toFixed(1)}% (prior ${pr.segment ?? 'any'}/${pr.reasonCode ?? 'any'} Beta(${pr.alpha}, ${pr.beta}), ${e.pRecovery.outcomes.wins}/${e.pRecovery.outcomes.attempts} won)`,
    );
  }
  const v = e.valueIfRecovered;
  if (v) {
    if (v.method === 'contract') parts.push(`value ${money(v.value)} = ${money(v.monthlyValue ?? 0)}/month × ${(v.expectedTerms ?? 0).toFixed(2)} terms × margin ${(v.marginRatio ?? 0).toFixed(2)}`);
    else if (v.method === 'orders') parts.push(`value ${money(v.value)} = ${(v.discountedTransactions ?? 0).toFixed(2)} orders × ${money(v.expectedSpend ?? 0)} × margin ${(v.marginRatio ?? 0).toFixed(2)}`);
    else parts.push('no model value');
  }
  if (e.cost) parts.push(`cost ${money(e.cost.amount)} (${e.cost.measure})`);
  return parts.join('; ');
}
