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
 * cost row is charged 0 and the explanation says so. Priors and costs are edited by users
 * (setRecoveryPrior, setRecoveryCost) and apply from the next scoring.
 *
 * Each score is computed in the customer's currency and also stored converted into the reporting currency at
 * the rates of the scoring run (src/currency), with the rate on the row and in the explanation; the list ranks,
 * sums and filters on the converted values. A currency without a rate is not converted: its scores have no
 * reporting-currency value, come last in the list, and the run warns naming the currency.
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
import { formatMinor } from '../currency/money.js';
import { loadConversion } from '../currency/service.js';
import { AnalyseError } from './errors.js';
import { findPrior, pRecovery, type PRecovery, type RecoveryPrior } from './expected-value.js';
import { mapContractReasonsIn, REASON_MAPPING_WRITES, testReasonText } from './reasons.js';
import {
  parseOptions,
  recoveryCostInputSchema,
  recoveryListQuerySchema,
  recoveryPriorInputSchema,
  recoveryOutcomeSchema,
  recoveryScoreOptionsSchema,
  SEGMENTS,
  type RecoveryCostInput,
  type RecoveryListQueryInput,
  type RecoveryOutcomeInput,
  type RecoveryPriorInput,
  type RecoveryScoreOptionsInput,
} from './schemas.js';
import { computeSegments, DEFAULT_MARGIN_RATIO, observedMarginRatio } from './segments.js';
import { refreshStatistics } from '../db/statistics.js';

export const DEFAULT_SBG: SbgParams = { alpha: 1, beta: 3 };
const DEFAULT_ANNUAL_DISCOUNT = 0.1;
const DEFAULT_HORIZON_MONTHS = 24;
const MS_PER_DAY = 86_400_000;

export async function listRecoveryPriors(database: Database): Promise<(RecoveryPrior & { updatedAt: Date })[]> {
  const rows = await database.db.selectFrom('recovery_priors').selectAll().orderBy('segment').orderBy('reason_code').execute();
  return rows.map((r) => ({ ...priorOf(r), updatedAt: r.updated_at }));
}

const priorOf = (r: { id: number; segment: SegmentName | null; reason_code: string | null; alpha: number; beta: number; rationale: string | null }): RecoveryPrior => ({
  id: Number(r.id),
  segment: r.segment,
  reasonCode: r.reason_code,
  alpha: r.alpha,
  beta: r.beta,
  rationale: r.rationale,
});

/** Sets (inserts or replaces) the prior of a cell; it applies from the next scoring. */
export async function setRecoveryPrior(database: Database, input: RecoveryPriorInput): Promise<RecoveryPrior & { mean: number; weight: number }> {
  const o = parseOptions(recoveryPriorInputSchema, input, 'recovery prior');
  if (o.reasonCode !== null) {
    const known = await database.db.selectFrom('reasons').select('code').where('code', '=', o.reasonCode).executeTakeFirst();
    if (!known) throw new AnalyseError('unknown_reason', `no reason code "${o.reasonCode}" in the catalogue (see \`winback reasons\`), or "any"`);
  }
  // A new alpha and beta without a rationale drop the old one: it explained the old numbers.
  const rationale = o.rationale ?? null;
  // The cell (segment, reason) is unique with NULLS NOT DISTINCT, so "any" cells conflict like any other.
  const row = await database.db
    .insertInto('recovery_priors')
    .values({ segment: o.segment, reason_code: o.reasonCode, alpha: o.alpha, beta: o.beta, rationale })
    .onConflict((oc) => oc.columns(['segment', 'reason_code']).doUpdateSet({ alpha: o.alpha, beta: o.beta, rationale, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...priorOf(row), mean: row.alpha / (row.alpha + row.beta), weight: row.alpha + row.beta };
}

export interface RecoveryCost {
  measure: string;
  currency: string;
  /** Minor units of `currency`. */
  amount: number;
  description: string | null;
  updatedAt: Date;
}

export async function listRecoveryCosts(database: Database): Promise<RecoveryCost[]> {
  const rows = await database.db.selectFrom('recovery_costs').selectAll().orderBy('measure').orderBy('currency').execute();
  return rows.map(costOf);
}

const costOf = (r: { measure: string; currency: string; amount: number; description: string | null; updated_at: Date }): RecoveryCost => ({
  measure: r.measure,
  currency: r.currency,
  amount: Number(r.amount),
  description: r.description,
  updatedAt: r.updated_at,
});

/** Sets the cost of a measure in a currency (a new measure by its first cost); it applies from the next scoring. */
export async function setRecoveryCost(database: Database, input: RecoveryCostInput): Promise<RecoveryCost> {
  const o = parseOptions(recoveryCostInputSchema, input, 'recovery cost');
  const description = o.description ?? null;
  const row = await database.db
    .insertInto('recovery_costs')
    .values({ measure: o.measure, currency: o.currency, amount: o.amountMinor, description })
    .onConflict((oc) =>
      oc.columns(['measure', 'currency']).doUpdateSet((eb) => ({
        amount: o.amountMinor,
        // An amount changed without a new description keeps the old one.
        description: description === null ? eb.ref('recovery_costs.description') : description,
        updated_at: sql`now()`,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return costOf(row);
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
  /** The currency expected values are summed and ranked in, and the rates used (of the currencies scored). */
  reportingCurrency: string;
  rates: { currency: string; rate: string; updatedAt: Date; updatedBy: string }[];
  /** Currencies without a rate: their customers' scores have no value in the reporting currency. */
  unconverted: { currency: string; customers: number }[];
  /** expectedValue: Σ expected value in the reporting currency of the converted scores; unconverted: scores left out. */
  byState: { state: string; customers: number; expectedValue: number; unconverted: number }[];
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

  const result = await database.db.transaction().execute(async (trx) => {
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
    // The rates of this transaction's snapshot: every score of one run is converted at the same rates.
    const conversion = await loadConversion(trx);
    const reporting = conversion.reportingCurrency;

    await sql`DELETE FROM recovery_scores`.execute(trx);
    await sql`
      WITH cells AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(cells)}::jsonb) AS x(segment text, reason_code text, p float8, explanation jsonb)
      ), costs AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(costs)}::jsonb) AS x(currency text, amount bigint)
      ), rates AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(conversion.applied)}::jsonb)
          AS x(currency text, rate text, factor numeric, "updatedAt" timestamptz, "updatedBy" text)
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
      ), priced AS (
        SELECT s.*, round((s.p * s.value)::numeric)::bigint - s.cost AS ev,
               fx.rate AS fx_rate, fx.factor AS fx_factor, fx."updatedAt" AS fx_updated_at, fx."updatedBy" AS fx_updated_by
        FROM scored s LEFT JOIN rates fx ON fx.currency = s.currency
      ), converted AS (
        -- round(amount × factor) as convertMinor computes it (src/currency/money.ts). Without a currency there is
        -- no contract, no model value and no cost row: every amount is 0, in any currency.
        SELECT pr.*,
               CASE WHEN fx_factor IS NOT NULL THEN round(value * fx_factor)::bigint WHEN currency IS NULL THEN 0 END AS value_rep,
               CASE WHEN fx_factor IS NOT NULL THEN round(cost * fx_factor)::bigint WHEN currency IS NULL THEN 0 END AS cost_rep,
               CASE WHEN fx_factor IS NOT NULL THEN round(ev * fx_factor)::bigint WHEN currency IS NULL THEN 0 END AS ev_rep
        FROM priced pr
      )
      INSERT INTO recovery_scores (customer_id, as_of, state, state_since, segment, reason_code, team_id, currency, measure,
        p_recovery, value_if_recovered, cost, expected_value, explanation,
        reporting_currency, exchange_rate, value_if_recovered_reporting, cost_reporting, expected_value_reporting)
      SELECT customer_id, ${asOf}::timestamptz, state, entered_at, segment, reason_code, team_id, currency, ${options.measure},
             p, value, cost, ev,
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
                                          'note', CASE WHEN cost_missing THEN 'no cost configured for this currency: 0 charged' END),
               'reporting', jsonb_build_object(
                 'currency', ${reporting}::text, 'from', currency, 'rate', fx_rate, 'rateUpdatedAt', fx_updated_at, 'rateUpdatedBy', fx_updated_by,
                 'original', jsonb_build_object('currency', currency, 'expectedValue', ev, 'valueIfRecovered', value, 'cost', cost),
                 'expectedValue', ev_rep, 'valueIfRecovered', value_rep, 'cost', cost_rep,
                 'note', CASE WHEN currency IS NULL THEN 'no currency: every amount is 0'
                              WHEN fx_factor IS NULL THEN 'no exchange rate ' || currency || ' → ' || ${reporting}::text || ': not converted, listed after every converted score' END)
             ),
             ${reporting}::text, fx_rate::numeric, value_rep, cost_rep, ev_rep
      FROM converted`.execute(trx);

    const { rows: byState } = await sql<{ state: string; customers: number; expected_value: number; positive: number; unconverted: number }>`
      SELECT state, count(*)::int AS customers, coalesce(sum(expected_value_reporting), 0)::float8 AS expected_value,
             count(*) FILTER (WHERE expected_value > 0)::int AS positive, count(*) FILTER (WHERE expected_value_reporting IS NULL)::int AS unconverted
      FROM recovery_scores GROUP BY state ORDER BY state`.execute(trx);
    const unconverted = await trx
      .selectFrom('recovery_scores')
      .select(['currency', (eb) => eb.fn.countAll<number>().as('customers')])
      .where('expected_value_reporting', 'is', null)
      .groupBy('currency')
      .orderBy('currency')
      .execute();
    for (const u of unconverted) {
      warnings.push(
        `no exchange rate ${u.currency} → ${reporting}: ${Number(u.customers)} customers scored in ${u.currency} are not converted (no value in ${reporting}, listed last); set one with \`winback currency set-rate ${u.currency} <rate>\` and score again`,
      );
    }
    const currencies = new Set((await trx.selectFrom('recovery_scores').select('currency').distinct().execute()).map((r) => r.currency));
    return {
      asOf,
      scored: byState.reduce((s, r) => s + Number(r.customers), 0),
      measure: options.measure,
      reportingCurrency: reporting,
      rates: conversion.applied.filter((r) => currencies.has(r.currency)).map(({ currency, rate, updatedAt, updatedBy }) => ({ currency, rate, updatedAt, updatedBy })),
      unconverted: unconverted.map((u) => ({ currency: u.currency!, customers: Number(u.customers) })),
      byState: byState.map((r) => ({ state: r.state, customers: Number(r.customers), expectedValue: Number(r.expected_value), unconverted: Number(r.unconverted) })),
      positive: byState.reduce((s, r) => s + Number(r.positive), 0),
      orderModel,
      contractModel,
      reasons: { contracts: reasons.contracts, changed: reasons.changed },
      segmentsComputed,
      warnings,
    };
  });
  // Reasons mapped on the way rewrote contract reasons and losses too (usually already mapped by the refresh: no second ANALYZE).
  await refreshStatistics(database.db, ['recovery_scores', 'customer_list_keys', ...(result.reasons.changed > 0 ? REASON_MAPPING_WRITES : [])]);
  return result;
}

// ---- The prioritised list ------------------------------------------------------------------------

/**
 * Sort keys and their columns. Money is ranked in the reporting currency; those columns are NULL for a customer
 * whose currency has no rate, and such scores come after every converted one in both directions.
 */
const SORTS = {
  expected_value: { column: 'expected_value_reporting', nullable: true },
  value: { column: 'value_if_recovered_reporting', nullable: true },
  p_recovery: { column: 'p_recovery', nullable: false },
  lost_since: { column: 'state_since', nullable: false },
} as const;

/**
 * How a recovery score came about, as the scoring statement above writes it (recovery_scores.explanation): the
 * formula, the state and reason, P(recovery) with its prior and learned outcomes, the value if recovered by the
 * method that priced it, the cost, and the conversion into the reporting currency.
 */
export interface RecoveryExplanation {
  formula: string;
  /** Timestamps are ISO text: the explanation is stored as jsonb. */
  state: { state: 'lost' | 'sleeping'; since: string };
  segment: SegmentName | null;
  reason: {
    code: string | null;
    source: string;
    mappedCode: string | null;
    verifiedCode: string | null;
    text: string | null;
    ruleId: number | null;
    rulePattern: string | null;
  };
  pRecovery: PRecovery;
  valueIfRecovered: { value: number; currency: string | null } & (
    | { method: 'contract'; monthlyValue: number; plan: string | null; termMonths: number; marginRatio: number; expectedTerms: number; sbg: unknown }
    | { method: 'orders'; expectedSpend: number; marginRatio: number; discountedTransactions: number; model: unknown }
    | { method: 'none'; note: string }
  );
  cost: { measure: string; amount: number; currency: string | null; note: string | null };
  reporting: {
    currency: string;
    from: string | null;
    rate: string | null;
    rateUpdatedAt: string | null;
    rateUpdatedBy: string | null;
    original: { currency: string | null; expectedValue: number; valueIfRecovered: number; cost: number };
    expectedValue: number | null;
    valueIfRecovered: number | null;
    cost: number | null;
    note: string | null;
  };
}

/** The stored explanation, typed: recovery_scores.explanation is written by the scoring statement above alone. */
export const recoveryExplanation = (stored: Record<string, unknown>): RecoveryExplanation => stored as unknown as RecoveryExplanation;

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
  /** The customer's currency: valueIfRecovered, cost and expectedValue are minor units of it. */
  currency: string | null;
  pRecovery: number;
  valueIfRecovered: number;
  cost: number;
  expectedValue: number;
  /** The same amounts in the reporting currency at `exchangeRate` (exact decimal); null when there was no rate. */
  reportingCurrency: string;
  exchangeRate: string | null;
  valueIfRecoveredReporting: number | null;
  costReporting: number | null;
  expectedValueReporting: number | null;
  explanation: RecoveryExplanation;
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

type CursorKey = string | number | null;
function encodeCursor(key: CursorKey, id: number): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}
function decodeCursor(cursor: string): [CursorKey, number] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && (v[0] === null || typeof v[0] === 'number' || typeof v[0] === 'string') && Number.isSafeInteger(v[1])) return [v[0], v[1] as number];
  } catch {
    /* fall through */
  }
  throw new AnalyseError('invalid_options', 'invalid cursor in `after`: pass the `next` value of the previous page');
}

interface ScoreRow {
  customer_id: number;
  state: 'sleeping' | 'lost';
  state_since: Date;
  segment: SegmentName | null;
  reason_code: string | null;
  team_id: number | null;
  currency: string | null;
  p_recovery: number;
  value_if_recovered: number;
  cost: number;
  expected_value: number;
  reporting_currency: string;
  exchange_rate: string | null;
  value_if_recovered_reporting: number | null;
  cost_reporting: number | null;
  expected_value_reporting: number | null;
  explanation: Record<string, unknown>;
  as_of: Date;
  sort_key: string | number | null;
}

/**
 * The prioritised recovery list: filters, sort (expected value in the reporting currency, desc, by default),
 * offset or keyset paging. A nullable sort column is read in two parts — the converted scores in index order,
 * then the unconverted ones by customer id — so each part walks its index and unconverted scores stay last in
 * either direction.
 */
export async function listRecovery(database: Database, input: RecoveryListQueryInput = {}): Promise<RecoveryList> {
  const q = parseOptions(recoveryListQuerySchema, input, 'recovery list query');
  const db = database.db;
  let teamId: number | null = null;
  if (q.team !== undefined) {
    const team = await db.selectFrom('teams').select('id').where('code', '=', q.team).executeTakeFirst();
    if (!team) throw new AnalyseError('unknown_team', `no team with code "${q.team}"`);
    teamId = Number(team.id);
  }
  const { column, nullable } = SORTS[q.sort];
  const isTime = column === 'state_since';
  const desc = q.order === 'desc';
  const col = sql.ref(column);
  const keyExpr = isTime ? sql<string>`to_char(state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : sql<string | number | null>`${col}`;

  let base = db
    .selectFrom('recovery_scores')
    .select(['customer_id', 'state', 'state_since', 'segment', 'reason_code', 'team_id', 'currency', 'p_recovery', 'value_if_recovered', 'cost', 'expected_value'])
    .select(['reporting_currency', sql<string | null>`exchange_rate::text`.as('exchange_rate'), 'value_if_recovered_reporting', 'cost_reporting', 'expected_value_reporting'])
    .select(['explanation', 'as_of', keyExpr.as('sort_key')]);
  if (q.state) base = base.where('state', '=', q.state);
  if (q.segment) base = base.where('segment', '=', q.segment);
  if (q.reason) {
    // The code and its descendants, from the (small) catalogue: an IN list the indexes can use.
    const codes = (await db.selectFrom('reasons').select('code').execute()).map((r) => r.code).filter((code) => code === q.reason || code.startsWith(`${q.reason}.`));
    if (codes.length === 0) throw new AnalyseError('unknown_reason', `no reason code "${q.reason}" in the catalogue`);
    base = base.where('reason_code', 'in', codes);
  }
  if (teamId !== null) base = base.where('team_id', '=', teamId);
  if (q.minValue !== undefined) base = base.where('expected_value_reporting', '>=', q.minValue);

  const [afterKey, afterId] = q.after ? decodeCursor(q.after) : [undefined, undefined];
  const offset = q.after ? 0 : (q.page - 1) * q.limit;
  const wanted = offset + q.limit + 1;
  const idOrder = desc ? 'asc' : 'desc';

  // The values (non-NULL) part, in the order of its index; the NULLS clause only has to match the index.
  let values = nullable ? base.where(column, 'is not', null) : base;
  if (afterKey !== undefined && afterKey !== null) {
    const value = isTime ? sql`${String(afterKey)}::timestamptz` : sql`${Number(afterKey)}`;
    // desc: (col, −id) after (key, −id0) ⇔ col < key OR (col = key AND id > id0); bound col ≤ key for the index.
    values = desc
      ? values.where(sql<boolean>`${col} <= ${value} AND (${col} < ${value} OR customer_id > ${afterId})`)
      : values.where(sql<boolean>`${col} >= ${value} AND (${col} > ${value} OR customer_id < ${afterId})`);
  }
  const valueOrder = nullable ? (desc ? sql`${col} DESC NULLS LAST` : sql`${col} ASC NULLS FIRST`) : desc ? sql`${col} DESC` : sql`${col} ASC`;
  const valuesPart = values.orderBy(valueOrder).orderBy('customer_id', idOrder);
  // The NULL part, by customer id: only for a nullable column, and not with a minimum value, which no unconverted
  // score passes (left to the planner, it may walk the whole table in id order looking for one that does).
  let nullsPart = null;
  if (nullable && q.minValue === undefined) {
    let nulls = base.where(column, 'is', null);
    if (afterKey === null) nulls = nulls.where('customer_id', desc ? '>' : '<', afterId!);
    nullsPart = nulls.orderBy('customer_id', idOrder);
  }
  // A cursor in the NULL part has left the values behind.
  const withValues = afterKey !== null;

  let rows: ScoreRow[];
  if (!nullsPart) {
    rows = withValues ? ((await valuesPart.limit(q.limit + 1).offset(offset).execute()) as ScoreRow[]) : [];
  } else if (!withValues) {
    rows = (await nullsPart.limit(q.limit + 1).offset(offset).execute()) as ScoreRow[];
  } else {
    // Each part stops after the rows the page can need; the outer sort sees at most twice that.
    const { rows: found } = await sql<ScoreRow>`
      SELECT * FROM ((${valuesPart.limit(wanted)}) UNION ALL (${nullsPart.limit(wanted)})) u
      ORDER BY u.sort_key IS NULL, ${desc ? sql`u.sort_key DESC` : sql`u.sort_key ASC`}, u.customer_id ${desc ? sql`ASC` : sql`DESC`}
      LIMIT ${q.limit + 1} OFFSET ${offset}`.execute(db);
    rows = found;
  }
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
  const num = (v: number | string | null) => (v === null ? null : Number(v));
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
        pRecovery: Number(r.p_recovery),
        valueIfRecovered: Number(r.value_if_recovered),
        cost: Number(r.cost),
        expectedValue: Number(r.expected_value),
        reportingCurrency: r.reporting_currency,
        exchangeRate: r.exchange_rate,
        valueIfRecoveredReporting: num(r.value_if_recovered_reporting),
        costReporting: num(r.cost_reporting),
        expectedValueReporting: num(r.expected_value_reporting),
        explanation: recoveryExplanation(r.explanation),
      };
    }),
    sort: q.sort,
    order: q.order,
    page: q.after ? null : q.page,
    limit: q.limit,
    next: more && last ? encodeCursor(last.sort_key === null ? null : isTime ? String(last.sort_key) : Number(last.sort_key), Number(last.customer_id)) : null,
    asOf: page[0]?.as_of ?? null,
  };
}

/** One line of the main factors of a score, for lists: P, value and its basis, cost, conversion. */
export function topFactors(item: Pick<RecoveryListItem, 'explanation' | 'currency'>): string {
  const e = item.explanation;
  const money = (v: number) => formatMinor(v, item.currency);
  const parts: string[] = [];
  if (e.pRecovery) {
    const pr = e.pRecovery.prior;
    parts.push(
      `P ${(e.pRecovery.value * 100).toFixed(1)}% (prior ${pr.segment ?? 'any'}/${pr.reasonCode ?? 'any'} Beta(${pr.alpha}, ${pr.beta}), ${e.pRecovery.outcomes.wins}/${e.pRecovery.outcomes.attempts} won)`,
    );
  }
  const v = e.valueIfRecovered;
  if (v) {
    switch (v.method) {
      case 'contract':
        parts.push(`value ${money(v.value)} = ${money(v.monthlyValue)}/month × ${v.expectedTerms.toFixed(2)} terms × margin ${v.marginRatio.toFixed(2)}`);
        break;
      case 'orders':
        parts.push(`value ${money(v.value)} = ${v.discountedTransactions.toFixed(2)} orders × ${money(v.expectedSpend)} × margin ${v.marginRatio.toFixed(2)}`);
        break;
      case 'none':
        parts.push('no model value');
        break;
    }
  }
  if (e.cost) parts.push(`cost ${money(e.cost.amount)} (${e.cost.measure})`);
  const r = e.reporting;
  if (r && r.from !== null && r.from !== r.currency) {
    parts.push(
      r.rate === null || r.expectedValue === null
        ? `not converted: no exchange rate ${r.from} → ${r.currency}`
        : `EV ${money(r.original.expectedValue)} ${r.from} × ${r.rate} = ${formatMinor(r.expectedValue, r.currency)} ${r.currency}`,
    );
  }
  return parts.join('; ');
}
