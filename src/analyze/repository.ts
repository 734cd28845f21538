/**
 * The SQL of customer-base analysis.
 *
 * Per-customer summaries are one GROUP BY customer over `orders`, following exactly the definitions in
 * src/stats/summary.ts (its header is the specification; `summarizeTransactions` is the in-memory twin and
 * the tests check that both agree to the last bit):
 *   - a transaction is a purchase day: a (customer, UTC day) whose orders net to > 0, or that has no negative
 *     amount (zero-amount orders only); its amount is the day's net sum. Days netting to ≤ 0 with a refund
 *     (refund-only days, purchases fully refunded the same day) are dropped before anything else — also
 *     for the first purchase and the holdout (`HAVING` in `daysCte`, the one place the rule lives in SQL);
 *   - E = calibration end day, H = holdout end day; days ≤ H (≤ E without holdout) are read;
 *   - x = calibration days − 1, t_x = last calibration day − first day, T = E − first day (integer days here;
 *     converted to model units in TypeScript by `unitsFromDays`, the one place that conversion lives, so the
 *     doubles are identical); repeat spend = Σ amounts of days in (F, E] (m̄ = repeat spend / x).
 * Customers whose days within the window are all refund days are not in the summary (no row); `orderStats`
 * counts them (`refundOnlyCustomers`) and the dropped days (`refundDays`), as `summarizeTransactions` does.
 *
 * Models are fitted on the distinct (x, t_x, T) triples with counts, grouped in SQL (`rfTriples`), so what
 * reaches Node grows with distinct histories, not customers; per-triple scores go back as arrays and the
 * per-customer scores are computed and written by one INSERT … SELECT inside the database (`insertScores`).
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB, ModelName, PurchaseModelName, TimeUnitName } from '../db/schema.js';
import { MS_PER_DAY, unitsFromDays, type TimeUnit } from '../stats/index.js';

type Db = Kysely<DB> | Transaction<DB>;

/** The window of a summary, in UTC day numbers (days since 1970-01-01). */
export interface SummaryWindow {
  /** E: last calibration day (included). */
  calibrationEndDay: number;
  /** H: last holdout day (included), or null without a holdout. */
  holdoutEndDay: number | null;
}

export function utcDayOf(date: Date): number {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function summaryWindow(calibrationEnd: Date, holdoutEnd?: Date | null): SummaryWindow {
  return { calibrationEndDay: utcDayOf(calibrationEnd), holdoutEndDay: holdoutEnd ? utcDayOf(holdoutEnd) : null };
}

const lastDayOf = (w: SummaryWindow) => w.holdoutEndDay ?? w.calibrationEndDay;
/** Orders before this instant fall on a day ≤ the last day read (index-friendly form of day ≤ H). */
const endInstant = (w: SummaryWindow) => new Date((lastDayOf(w) + 1) * MS_PER_DAY);

/** A (customer, UTC day) group of orders is a purchase day (rule 1 of src/stats/summary.ts). */
const PURCHASE_DAY = sql`sum(amount) > 0 OR min(amount) >= 0`;

/**
 * The purchase days read by a summary — (customer, UTC day) groups with a positive net amount or without a
 * refund — with the day's net amount, margin and currency.
 */
function daysCte(w: SummaryWindow): RawBuilder<unknown> {
  return sql`
    SELECT customer_id,
           (occurred_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS day,
           sum(amount) AS amount,
           sum(margin) AS margin,
           sum(amount) FILTER (WHERE margin IS NOT NULL) AS margin_base,
           min(currency) AS currency
    FROM orders
    WHERE occurred_at < ${endInstant(w)}::timestamptz
    GROUP BY 1, 2
    HAVING ${PURCHASE_DAY}`;
}

/**
 * The per-customer summary as one SELECT (one row per customer with a transaction day ≤ H). Columns:
 * customer_id, first_day, x, tx_days, t_days, first_spend, repeat_spend, holdout_x, holdout_spend,
 * margin_sum, margin_base, currency, days (purchase days ≤ H). x … holdout_spend are NULL for customers whose first day is after E.
 */
export function summarySelect(w: SummaryWindow): RawBuilder<unknown> {
  const E = sql`${w.calibrationEndDay}::integer`;
  const cal = sql`first_day <= ${E}`;
  return sql`
    WITH days AS (${daysCte(w)}),
    marked AS (SELECT *, min(day) OVER (PARTITION BY customer_id) AS first_day FROM days)
    SELECT customer_id,
           first_day,
           CASE WHEN ${cal} THEN count(*) FILTER (WHERE day <= ${E}) - 1 END                        AS x,
           CASE WHEN ${cal} THEN max(day) FILTER (WHERE day <= ${E}) - first_day END                AS tx_days,
           CASE WHEN ${cal} THEN ${E} - first_day END                                               AS t_days,
           sum(amount) FILTER (WHERE day = first_day)::bigint                                       AS first_spend,
           CASE WHEN ${cal} THEN coalesce(sum(amount) FILTER (WHERE day > first_day AND day <= ${E}), 0) END::bigint AS repeat_spend,
           CASE WHEN ${cal} THEN count(*) FILTER (WHERE day > ${E}) END                             AS holdout_x,
           CASE WHEN ${cal} THEN coalesce(sum(amount) FILTER (WHERE day > ${E}), 0) END::bigint     AS holdout_spend,
           coalesce(sum(margin) FILTER (WHERE day <= ${E}), 0)::bigint                              AS margin_sum,
           coalesce(sum(margin_base) FILTER (WHERE day <= ${E}), 0)::bigint                         AS margin_base,
           min(currency)                                                                            AS currency,
           count(*)                                                                                 AS days
    FROM marked
    GROUP BY customer_id, first_day`;
}

/** Where the summary queries read per-customer rows from: the live query, or a table holding its result. */
export type SummarySource = RawBuilder<unknown>;
export const fromOrders = (w: SummaryWindow): SummarySource => sql`(${summarySelect(w)}) AS s`;
export const SUMMARY_TABLE = 'analysis_customers';
export const fromSummaryTable = (): SummarySource => sql`${sql.raw(SUMMARY_TABLE)} AS s`;

/** Materialise the summary once for an analysis (dropped at the end of the transaction). */
export async function createSummaryTable(trx: Transaction<DB>, w: SummaryWindow): Promise<void> {
  await sql`CREATE TEMP TABLE ${sql.raw(SUMMARY_TABLE)} ON COMMIT DROP AS ${summarySelect(w)}`.execute(trx);
  await sql`ANALYZE ${sql.raw(SUMMARY_TABLE)}`.execute(trx);
}

/** Per-customer summaries from SQL, in the shape of `CustomerSummary` (src/stats/summary.ts), by customer id. */
export interface SqlCustomerSummaries {
  unit: TimeUnit;
  calibrationEndDay: number;
  holdoutEndDay: number | null;
  /** Customer ids, ascending; every other column is aligned with it. */
  customerId: Float64Array;
  /** CustomerStatus: 1 calibration, 2 first purchase after the calibration end. */
  status: Uint8Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  firstPurchase: Float64Array;
  firstSpend: Float64Array;
  meanRepeatSpend: Float64Array;
  holdoutX: Float64Array;
  holdoutSpend: Float64Array;
  currency: string[];
  counts: { calibrationCustomers: number; firstAfterCalibration: number; repeatCustomers: number; transactions: number };
}

interface SummaryRow {
  customer_id: number;
  first_day: number;
  x: number | null;
  tx_days: number | null;
  t_days: number | null;
  first_spend: number;
  repeat_spend: number | null;
  holdout_x: number | null;
  holdout_spend: number | null;
  currency: string;
  days: number;
}

/**
 * Every customer's summary read into Node (for exports, checks and small data; analyses use the grouped
 * queries below so that large data stays in the database).
 */
export async function customerSummaries(db: Db, w: SummaryWindow, unit: TimeUnit): Promise<SqlCustomerSummaries> {
  const { rows } = await sql<SummaryRow>`SELECT * FROM ${fromOrders(w)} ORDER BY customer_id`.execute(db);
  const n = rows.length;
  const col = () => new Float64Array(n).fill(Number.NaN);
  const out: SqlCustomerSummaries = {
    unit,
    calibrationEndDay: w.calibrationEndDay,
    holdoutEndDay: w.holdoutEndDay,
    customerId: new Float64Array(n),
    status: new Uint8Array(n),
    x: col(),
    tx: col(),
    T: col(),
    firstPurchase: col(),
    firstSpend: col(),
    meanRepeatSpend: col(),
    holdoutX: col(),
    holdoutSpend: col(),
    currency: new Array<string>(n),
    counts: { calibrationCustomers: 0, firstAfterCalibration: 0, repeatCustomers: 0, transactions: 0 },
  };
  rows.forEach((r, i) => {
    out.customerId[i] = Number(r.customer_id);
    out.firstPurchase[i] = Number(r.first_day) * MS_PER_DAY;
    out.firstSpend[i] = Number(r.first_spend);
    out.currency[i] = r.currency;
    out.counts.transactions += Number(r.days);
    if (r.x === null) {
      out.status[i] = 2;
      out.counts.firstAfterCalibration++;
      return;
    }
    const x = Number(r.x);
    out.status[i] = 1;
    out.counts.calibrationCustomers++;
    if (x > 0) out.counts.repeatCustomers++;
    out.x[i] = x;
    out.tx[i] = unitsFromDays(Number(r.tx_days), unit);
    out.T[i] = unitsFromDays(Number(r.t_days), unit);
    out.meanRepeatSpend[i] = x > 0 ? Number(r.repeat_spend) / x : Number.NaN;
    out.holdoutX[i] = Number(r.holdout_x);
    out.holdoutSpend[i] = Number(r.holdout_spend);
  });
  return out;
}

/** Distinct (x, t_x, T) with the number of customers sharing each: an `RfTriples` plus the integer days. */
export interface SqlTriples {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  customers: number;
  txDays: Int32Array;
  tDays: Int32Array;
}

/** The compressed (x, t_x, T) triples of the calibration customers, grouped in SQL. */
export async function rfTriples(db: Db, source: SummarySource, unit: TimeUnit): Promise<SqlTriples> {
  const { rows } = await sql<{ x: number; tx_days: number; t_days: number; n: number }>`
    SELECT x, tx_days, t_days, count(*) AS n
    FROM ${source}
    WHERE x IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3`.execute(db);
  const n = rows.length;
  const t: SqlTriples = {
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    weight: new Float64Array(n),
    customers: 0,
    txDays: new Int32Array(n),
    tDays: new Int32Array(n),
  };
  rows.forEach((r, i) => {
    t.x[i] = Number(r.x);
    t.txDays[i] = Number(r.tx_days);
    t.tDays[i] = Number(r.t_days);
    t.tx[i] = unitsFromDays(t.txDays[i]!, unit);
    t.T[i] = unitsFromDays(t.tDays[i]!, unit);
    t.weight[i] = Number(r.n);
    t.customers += Number(r.n);
  });
  return t;
}

/** Repeat customers' (x, Σ repeat spend) with counts, per currency: the Gamma-Gamma inputs (m̄ = spend / x). */
export interface SpendRows {
  currency: string;
  x: Float64Array;
  meanSpend: Float64Array;
  weight: Float64Array;
}

export async function spendRows(db: Db, source: SummarySource): Promise<SpendRows[]> {
  const { rows } = await sql<{ currency: string; x: number; repeat_spend: number; n: number }>`
    SELECT currency, x, repeat_spend, count(*) AS n
    FROM ${source}
    WHERE x > 0
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3`.execute(db);
  const byCurrency = new Map<string, { x: number[]; m: number[]; w: number[] }>();
  for (const r of rows) {
    let c = byCurrency.get(r.currency);
    if (!c) byCurrency.set(r.currency, (c = { x: [], m: [], w: [] }));
    c.x.push(Number(r.x));
    c.m.push(Number(r.repeat_spend) / Number(r.x));
    c.w.push(Number(r.n));
  }
  return [...byCurrency].map(([currency, c]) => ({
    currency,
    x: Float64Array.from(c.x),
    meanSpend: Float64Array.from(c.m),
    weight: Float64Array.from(c.w),
  }));
}

/** Per currency: calibration customers, repeaters, mean first-day spend and margin totals. */
export interface CurrencyStats {
  currency: string;
  customers: number;
  repeaters: number;
  meanFirstSpend: number;
  marginSum: number;
  marginBase: number;
}

export async function currencyStats(db: Db, source: SummarySource): Promise<CurrencyStats[]> {
  const { rows } = await sql<{ currency: string; customers: number; repeaters: number; mean_first: number | null; margin_sum: number; margin_base: number }>`
    SELECT currency, count(*) AS customers, count(*) FILTER (WHERE x > 0) AS repeaters,
           avg(first_spend)::float8 AS mean_first,
           sum(margin_sum)::bigint AS margin_sum, sum(margin_base)::bigint AS margin_base
    FROM ${source}
    WHERE x IS NOT NULL
    GROUP BY 1
    ORDER BY 2 DESC, 1`.execute(db);
  return rows.map((r) => ({
    currency: r.currency,
    customers: Number(r.customers),
    repeaters: Number(r.repeaters),
    meanFirstSpend: Number(r.mean_first ?? 0),
    marginSum: Number(r.margin_sum),
    marginBase: Number(r.margin_base),
  }));
}

/** Customers grouped by (triple, actual holdout transactions): per-customer validation at the cost of groups. */
export interface HoldoutGroups {
  x: Float64Array;
  txDays: Int32Array;
  tDays: Int32Array;
  holdoutX: Float64Array;
  weight: Float64Array;
}

export async function holdoutGroups(db: Db, source: SummarySource): Promise<HoldoutGroups> {
  const { rows } = await sql<{ x: number; tx_days: number; t_days: number; holdout_x: number; n: number }>`
    SELECT x, tx_days, t_days, holdout_x, count(*) AS n
    FROM ${source}
    WHERE x IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4`.execute(db);
  return {
    x: Float64Array.from(rows, (r) => Number(r.x)),
    txDays: Int32Array.from(rows, (r) => Number(r.tx_days)),
    tDays: Int32Array.from(rows, (r) => Number(r.t_days)),
    holdoutX: Float64Array.from(rows, (r) => Number(r.holdout_x)),
    weight: Float64Array.from(rows, (r) => Number(r.n)),
  };
}

/**
 * First purchases and repeat transactions per UTC day of all customers, up to the window's last day —
 * `dailyTransactionCounts` of src/stats/summary.ts (start = the earliest day) computed in SQL.
 */
export async function dailyCounts(
  db: Db,
  w: SummaryWindow,
): Promise<{ startDay: number; firstPurchases: Float64Array; repeats: Float64Array; customersBeforeStart: number }> {
  const { rows } = await sql<{ day: number; first_purchases: number; repeats: number }>`
    WITH days AS (${daysCte(w)}),
    marked AS (SELECT day, min(day) OVER (PARTITION BY customer_id) AS first_day FROM days)
    SELECT day, count(*) FILTER (WHERE day = first_day) AS first_purchases, count(*) FILTER (WHERE day > first_day) AS repeats
    FROM marked GROUP BY day ORDER BY day`.execute(db);
  const endDay = lastDayOf(w);
  const startDay = rows.length > 0 ? Number(rows[0]!.day) : endDay;
  const length = endDay - startDay + 1;
  const firstPurchases = new Float64Array(length);
  const repeats = new Float64Array(length);
  for (const r of rows) {
    firstPurchases[Number(r.day) - startDay] = Number(r.first_purchases);
    repeats[Number(r.day) - startDay] = Number(r.repeats);
  }
  return { startDay, firstPurchases, repeats, customersBeforeStart: 0 };
}

/** What the orders table holds: the data range of an analysis. */
export interface OrderStats {
  orders: number;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  /** Orders on days after the last day read (ignored by the analysis). */
  ordersAfterEnd: number;
  /** Customer-days read that are refund days (net ≤ 0 with a refund): not purchases, dropped. */
  refundDays: number;
  /** Customers with orders in the window that are all on refund days: not in the summary, not scored. */
  refundOnlyCustomers: number;
  currencies: string[];
}

export async function orderStats(db: Db, w: SummaryWindow): Promise<OrderStats> {
  const { rows } = await sql<{ orders: number; first_at: Date | null; last_at: Date | null; after_end: number; currencies: string[] | null }>`
    SELECT count(*) FILTER (WHERE occurred_at < ${endInstant(w)}::timestamptz) AS orders,
           min(occurred_at) FILTER (WHERE occurred_at < ${endInstant(w)}::timestamptz) AS first_at,
           max(occurred_at) FILTER (WHERE occurred_at < ${endInstant(w)}::timestamptz) AS last_at,
           count(*) FILTER (WHERE occurred_at >= ${endInstant(w)}::timestamptz) AS after_end,
           array_agg(DISTINCT currency::text) AS currencies
    FROM orders`.execute(db);
  // Refund days need a negative amount, so only customers with one in the window are grouped.
  const { rows: refunds } = await sql<{ refund_days: number | null; refund_only: number }>`
    WITH days AS (
      SELECT customer_id, ${PURCHASE_DAY} AS purchase
      FROM orders
      WHERE occurred_at < ${endInstant(w)}::timestamptz
        AND customer_id IN (SELECT customer_id FROM orders WHERE amount < 0 AND occurred_at < ${endInstant(w)}::timestamptz)
      GROUP BY customer_id, (occurred_at AT TIME ZONE 'UTC')::date),
    customers AS (SELECT bool_or(purchase) AS buys, count(*) FILTER (WHERE NOT purchase) AS refund_days FROM days GROUP BY customer_id)
    SELECT sum(refund_days)::bigint AS refund_days, count(*) FILTER (WHERE NOT buys) AS refund_only FROM customers`.execute(db);
  const r = rows[0]!;
  return {
    orders: Number(r.orders),
    firstOrderAt: r.first_at,
    lastOrderAt: r.last_at,
    ordersAfterEnd: Number(r.after_end),
    refundDays: Number(refunds[0]?.refund_days ?? 0),
    refundOnlyCustomers: Number(refunds[0]?.refund_only ?? 0),
    currencies: (r.currencies ?? []).filter((c): c is string => c !== null),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Writing an analysis

export interface NewAnalysisRun {
  purchaseModel: PurchaseModelName;
  unit: TimeUnitName;
  calibrationStart: Date | null;
  calibrationEnd: Date;
  holdoutEnd: Date | null;
  options: Record<string, unknown>;
}

/** Serialises analyses (one becomes current at a time). */
export async function lockAnalyses(trx: Transaction<DB>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('winback_analysis:' || current_schema()))`.execute(trx);
}

export async function insertAnalysisRun(trx: Transaction<DB>, run: NewAnalysisRun): Promise<number> {
  const row = await trx
    .insertInto('analysis_runs')
    .values({
      purchase_model: run.purchaseModel,
      time_unit: run.unit,
      calibration_start: run.calibrationStart,
      calibration_end: run.calibrationEnd,
      holdout_end: run.holdoutEnd,
      customers_scored: 0,
      options: JSON.stringify(run.options),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Records the outcome of an analysis; a scoring analysis (no holdout) becomes the current one. */
export async function finishAnalysisRun(
  trx: Transaction<DB>,
  id: number,
  values: { customersScored: number; summary: Record<string, unknown>; makeCurrent: boolean },
): Promise<void> {
  if (values.makeCurrent) {
    await trx.updateTable('analysis_runs').set({ is_current: false }).where('is_current', '=', true).execute();
  }
  await trx
    .updateTable('analysis_runs')
    .set({ customers_scored: values.customersScored, summary: JSON.stringify(values.summary), is_current: values.makeCurrent })
    .where('id', '=', id)
    .execute();
}

export interface NewModelRun {
  model: ModelName;
  status: 'fitted' | 'skipped' | 'failed';
  selected: boolean;
  currency: string | null;
  parameters: Record<string, number> | null;
  standardErrors: Record<string, number> | null;
  logLikelihood: number | null;
  converged: boolean | null;
  iterations: number | null;
  message: string | null;
  customers: number;
  distinctRows: number | null;
  details: Record<string, unknown>;
  fitMs: number | null;
}

/** JSON has no NaN or Infinity: such values (e.g. a standard error of a flat direction) are stored as null. */
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));

export async function insertModelRuns(
  trx: Transaction<DB>,
  analysisRunId: number,
  context: { unit: TimeUnitName; calibrationStart: Date | null; calibrationEnd: Date; holdoutEnd: Date | null; orders: OrderStats },
  runs: NewModelRun[],
): Promise<number[]> {
  if (runs.length === 0) return [];
  const rows = await trx
    .insertInto('model_runs')
    .values(
      runs.map((r) => ({
        analysis_run_id: analysisRunId,
        model: r.model,
        status: r.status,
        selected: r.selected,
        currency: r.currency,
        parameters: r.parameters ? json(r.parameters) : null,
        standard_errors: r.standardErrors ? json(r.standardErrors) : null,
        log_likelihood: r.logLikelihood,
        converged: r.converged,
        iterations: r.iterations,
        message: r.message,
        time_unit: context.unit,
        calibration_start: context.calibrationStart,
        calibration_end: context.calibrationEnd,
        holdout_end: context.holdoutEnd,
        customers: r.customers,
        distinct_rows: r.distinctRows,
        first_order_at: context.orders.firstOrderAt,
        last_order_at: context.orders.lastOrderAt,
        orders: context.orders.orders,
        details: json(r.details),
        fit_ms: r.fitMs,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Scores per distinct (x, t_x days, T days) history, aligned arrays. */
export interface TripleScores {
  x: Float64Array;
  txDays: Int32Array;
  tDays: Int32Array;
  pAlive: Float64Array;
  expected90: Float64Array;
  expected365: Float64Array;
  /** Discounted expected transactions over the CLV horizon. */
  discountedTransactions: Float64Array;
}

/** Per currency: the spend model run and, when it can be used, its parameters; else a fallback mean. */
export interface SpendModelByCurrency {
  currency: string;
  modelRunId: number | null;
  /** Gamma-Gamma parameters when fitted with q > 1; null → the customer's own m̄ or `fallbackMean`. */
  params: { p: number; q: number; gamma: number } | null;
  fallbackMean: number;
}

/**
 * Writes one score row per calibration customer: joins the materialised summary with the per-triple scores
 * (unnest of arrays, one statement on both engines) and computes spend and CLV in SQL:
 *   expected spend = (γ + max(Σ repeat spend, 0)) · p / (p·x + q − 1)     (Gamma-Gamma; m̄·x = Σ repeat spend)
 *                    or, without a usable spend model, m̄ (x > 0, m̄ > 0) or the currency's fallback mean;
 *   margin ratio   = the option, else the customer's observed Σ margin / Σ amount (orders with a margin),
 *                    else the observed ratio of all customers (`globalMargin`);
 *   CLV            = round(margin ratio · expected spend · discounted expected transactions).
 */
export async function insertScores(
  trx: Transaction<DB>,
  args: {
    analysisRunId: number;
    modelRunId: number;
    triples: TripleScores;
    spend: SpendModelByCurrency[];
    marginRatio: number | null;
    globalMargin: number;
  },
): Promise<number> {
  const t = args.triples;
  const s = args.spend;
  const arr = (a: ArrayLike<number>) => Array.from(a);
  const result = await sql`
    INSERT INTO customer_scores (
      analysis_run_id, customer_id, model_run_id, spend_model_run_id, frequency, recency_days, age_days,
      p_alive, expected_transactions_90d, expected_transactions_365d, expected_spend, margin_ratio, clv, currency)
    SELECT ${args.analysisRunId}::bigint, c.customer_id, ${args.modelRunId}::bigint, g.model_run_id,
           c.x, c.tx_days, c.t_days, t.p_alive, t.e90, t.e365, sp.expected_spend, mr.margin_ratio,
           round(mr.margin_ratio * sp.expected_spend * t.det)::bigint, c.currency
    FROM ${sql.raw(SUMMARY_TABLE)} c
    JOIN unnest(${arr(t.x)}::integer[], ${arr(t.txDays)}::integer[], ${arr(t.tDays)}::integer[], ${arr(t.pAlive)}::float8[],
                ${arr(t.expected90)}::float8[], ${arr(t.expected365)}::float8[], ${arr(t.discountedTransactions)}::float8[])
         AS t(x, tx_days, t_days, p_alive, e90, e365, det)
      ON t.x = c.x AND t.tx_days = c.tx_days AND t.t_days = c.t_days
    LEFT JOIN unnest(${s.map((g) => g.currency)}::text[], ${s.map((g) => g.modelRunId)}::bigint[],
                     ${s.map((g) => g.params?.p ?? null)}::float8[], ${s.map((g) => g.params?.q ?? null)}::float8[],
                     ${s.map((g) => g.params?.gamma ?? null)}::float8[], ${s.map((g) => g.fallbackMean)}::float8[])
         AS g(currency, model_run_id, p, q, gamma, fallback)
      ON g.currency = c.currency
    CROSS JOIN LATERAL (
      SELECT CASE WHEN g.p IS NOT NULL THEN (g.gamma + greatest(c.repeat_spend, 0)) * g.p / (g.p * c.x + g.q - 1)
                  WHEN c.x > 0 AND c.repeat_spend > 0 THEN c.repeat_spend::float8 / c.x
                  ELSE greatest(coalesce(g.fallback, 0), 0) END AS expected_spend) sp
    CROSS JOIN LATERAL (
      SELECT coalesce(${args.marginRatio}::float8,
                      CASE WHEN c.margin_base > 0 THEN c.margin_sum::float8 / c.margin_base END,
                      ${args.globalMargin}::float8) AS margin_ratio) mr
    WHERE c.x IS NOT NULL`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------------------------------------------------
// Reading scores

export interface CustomerScore {
  customerId: number;
  analysisRunId: number;
  asOf: Date;
  pAlive: number;
  expectedTransactions90d: number;
  expectedTransactions365d: number;
  expectedSpend: number;
  clv: number;
  currency: string;
  frequency: number;
  recencyDays: number;
  ageDays: number;
  computedAt: Date;
}

/** The current scores (of the current analysis), of the given customers or of all. */
export async function latestScores(db: Db, customerIds?: readonly number[]): Promise<CustomerScore[]> {
  let q = db.selectFrom('current_customer_scores').selectAll();
  if (customerIds) {
    if (customerIds.length === 0) return [];
    q = q.where(sql<boolean>`customer_id = ANY(${[...customerIds]}::bigint[])`);
  }
  const rows = await q.orderBy('customer_id').execute();
  return rows.map((r) => ({
    customerId: r.customer_id,
    analysisRunId: r.analysis_run_id,
    asOf: r.as_of,
    pAlive: r.p_alive,
    expectedTransactions90d: r.expected_transactions_90d,
    expectedTransactions365d: r.expected_transactions_365d,
    expectedSpend: r.expected_spend,
    clv: r.clv,
    currency: r.currency,
    frequency: r.frequency,
    recencyDays: r.recency_days,
    ageDays: r.age_days,
    computedAt: r.computed_at,
  }));
}

export interface PAlivePoint {
  analysisRunId: number;
  /** Calibration end of the analysis: the day the P(alive) refers to. */
  asOf: Date;
  pAlive: number;
  purchaseModel: PurchaseModelName;
  /** Validation analyses (with a holdout) are included, flagged. */
  validation: boolean;
  computedAt: Date;
}

/** Every P(alive) the analyses gave one customer, oldest calibration end first. */
export async function pAliveHistory(db: Db, customerId: number): Promise<PAlivePoint[]> {
  const rows = await db
    .selectFrom('customer_scores as s')
    .innerJoin('analysis_runs as a', 'a.id', 's.analysis_run_id')
    .select(['s.analysis_run_id', 'a.calibration_end', 's.p_alive', 'a.purchase_model', 'a.holdout_end', 's.computed_at'])
    .where('s.customer_id', '=', customerId)
    .orderBy('a.calibration_end')
    .orderBy('s.analysis_run_id')
    .execute();
  return rows.map((r) => ({
    analysisRunId: r.analysis_run_id,
    asOf: r.calibration_end,
    pAlive: r.p_alive,
    purchaseModel: r.purchase_model,
    validation: r.holdout_end !== null,
    computedAt: r.computed_at,
  }));
}

/** Head counts of a materialised or live summary. */
export interface SummaryCounts {
  calibrationCustomers: number;
  repeatCustomers: number;
  /** Customers whose first purchase falls in the holdout period (not scored). */
  firstAfterCalibration: number;
  /** Calibration transactions (x + 1 per customer) and holdout transactions of calibration customers. */
  calibrationTransactions: number;
  holdoutTransactions: number;
}

export async function summaryCounts(db: Db, source: SummarySource): Promise<SummaryCounts> {
  const { rows } = await sql<{ cal: number; rep: number; after: number; ctx: number | null; htx: number | null }>`
    SELECT count(*) FILTER (WHERE x IS NOT NULL) AS cal, count(*) FILTER (WHERE x > 0) AS rep,
           count(*) FILTER (WHERE x IS NULL) AS after, sum(x + 1)::bigint AS ctx, sum(holdout_x)::bigint AS htx
    FROM ${source}`.execute(db);
  const r = rows[0]!;
  return {
    calibrationCustomers: Number(r.cal),
    repeatCustomers: Number(r.rep),
    firstAfterCalibration: Number(r.after),
    calibrationTransactions: Number(r.ctx ?? 0),
    holdoutTransactions: Number(r.htx ?? 0),
  };
}

/** Per currency of one analysis: customers scored, mean P(alive), total CLV (minor units). */
export interface ScoreTotals {
  currency: string;
  customers: number;
  meanPAlive: number;
  totalClv: number;
  expectedTransactions365d: number;
}

export async function scoreTotals(db: Db, analysisRunId: number): Promise<ScoreTotals[]> {
  const { rows } = await sql<{ currency: string; customers: number; mean_p: number; clv: number; e365: number }>`
    SELECT currency, count(*) AS customers, avg(p_alive) AS mean_p, sum(clv)::bigint AS clv,
           sum(expected_transactions_365d) AS e365
    FROM customer_scores WHERE analysis_run_id = ${analysisRunId}::bigint
    GROUP BY currency ORDER BY 2 DESC, 1`.execute(db);
  return rows.map((r) => ({
    currency: r.currency.trim(),
    customers: Number(r.customers),
    meanPAlive: Number(r.mean_p),
    totalClv: Number(r.clv),
    expectedTransactions365d: Number(r.e365),
  }));
}
