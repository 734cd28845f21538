/**
 * Reinartz & Kumar segments ("The mismanagement of customer loyalty", HBR 2002) and RFM scores, per customer,
 * computed in one SQL statement and stored in customer_segments (recomputing replaces the rows: idempotent).
 *
 * - Relationship length (tenure): from the first sign of the customer (acquired_at, first order or first
 *   contract start, whichever is earliest) to the as-of date while a contract is running, else to the last
 *   sign of the relationship (last order, or the end of the last contract). For order customers this is the
 *   observed purchase lifetime (first to last purchase), R&K's "lifetime duration".
 * - Profitability: margin over the relationship, minor units: Σ order margins (order lines without a margin:
 *   amount × marginRatio) + contract revenue (monthly value × months paid up to as-of) × marginRatio.
 * - long ⇔ tenure > tenure threshold; high ⇔ profit > profit threshold (strictly: with the median default, a
 *   base where half the customers bought once does not call one-time buyers "long"). Default thresholds are
 *   the medians — tenure over all customers, profit per currency (amounts in different currencies are not
 *   comparable); explicit thresholds apply to every customer (profit in minor units of the customer's currency).
 * - true_friends (long, high), butterflies (short, high), barnacles (long, low), strangers (short, low).
 * - RFM: quintiles 1–5 with ntile(5): recency (days since the last activity; recent = 5), frequency (orders +
 *   contract months paid), monetary (revenue, per currency). Ties are split by customer id (deterministic).
 */
import { sql } from 'kysely';
import type { Database } from '../db/engine.js';
import type { SegmentName } from '../db/schema.js';
import { parseOptions, segmentOptionsSchema, type SegmentOptionsInput } from './schemas.js';
import { refreshStatistics } from '../db/statistics.js';

export const DEFAULT_MARGIN_RATIO = 0.3;

export const SEGMENT_TREATMENTS: Record<SegmentName, { label: string; relationship: 'long' | 'short'; profit: 'high' | 'low'; treatment: string }> = {
  true_friends: { label: 'True friends', relationship: 'long', profit: 'high', treatment: 'Keep: communicate consistently, reward loyalty, win them back first' },
  butterflies: { label: 'Butterflies', relationship: 'short', profit: 'high', treatment: 'Enjoy while they last: milk the transactions, stop investing when they go quiet' },
  barnacles: { label: 'Barnacles', relationship: 'long', profit: 'low', treatment: 'Make profitable or let go: up- and cross-sell; recover only if the size of wallet is large' },
  strangers: { label: 'Strangers', relationship: 'short', profit: 'low', treatment: 'No investment: profit on every transaction, no recovery effort' },
};

/** The R&K cell for a customer (pure; the SQL applies the same rule). */
export function classifySegment(tenureDays: number, profit: number, thresholds: { tenureDays: number; profit: number }): SegmentName {
  const long = tenureDays > thresholds.tenureDays;
  const high = profit > thresholds.profit;
  return long ? (high ? 'true_friends' : 'barnacles') : high ? 'butterflies' : 'strangers';
}

export interface SegmentResult {
  asOf: Date;
  customers: number;
  marginRatio: { ratio: number; source: 'option' | 'observed' | 'default' };
  thresholds: { source: 'median' | 'explicit'; tenureDays: number; profitByCurrency: { currency: string | null; profit: number }[] };
  segments: { segment: SegmentName; label: string; treatment: string; customers: number; profit: number }[];
}

export async function observedMarginRatio(database: Database): Promise<number | null> {
  const { rows } = await sql<{ ratio: number | null }>`
    SELECT sum(margin)::float8 / nullif(sum(amount) FILTER (WHERE margin IS NOT NULL), 0)::float8 AS ratio FROM orders WHERE margin IS NOT NULL`.execute(database.db);
  const r = rows[0]?.ratio;
  return r === null || r === undefined || !Number.isFinite(Number(r)) ? null : Number(r);
}

export async function computeSegments(database: Database, input: SegmentOptionsInput = {}): Promise<SegmentResult> {
  const options = parseOptions(segmentOptionsSchema, input, 'segment options');
  const asOf = options.asOf ?? new Date();
  const observed = options.marginRatio === undefined ? await observedMarginRatio(database) : null;
  const marginRatio =
    options.marginRatio !== undefined
      ? { ratio: options.marginRatio, source: 'option' as const }
      : observed !== null
        ? { ratio: observed, source: 'observed' as const }
        : { ratio: DEFAULT_MARGIN_RATIO, source: 'default' as const };
  const explicit = options.tenureThresholdDays !== undefined || options.profitThreshold !== undefined;
  const tenureExplicit = options.tenureThresholdDays ?? null;
  const profitExplicit = options.profitThreshold ?? null;

  await database.db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE customer_segments IN EXCLUSIVE MODE`.execute(trx);
    await sql`DELETE FROM customer_segments`.execute(trx);
    await sql`
      WITH o AS (
        SELECT customer_id, min(occurred_at) AS first_at, max(occurred_at) AS last_at, count(*) AS n,
               sum(amount) AS revenue, sum(coalesce(margin::float8, amount * ${marginRatio.ratio}::float8)) AS profit,
               min(currency) AS currency
        FROM orders WHERE occurred_at <= ${asOf}::timestamptz GROUP BY customer_id
      ), kc AS (
        SELECT customer_id, started_at, monthly_value, currency,
               least(coalesce(ends_at, cancelled_at, ${asOf}::timestamptz), ${asOf}::timestamptz) AS end_at,
               (coalesce(ends_at, cancelled_at, 'infinity'::timestamptz) > ${asOf}::timestamptz) AS running
        FROM contracts WHERE started_at <= ${asOf}::timestamptz
      ), k AS (
        SELECT customer_id, min(started_at) AS first_at, max(end_at) AS last_at, bool_or(running) AS running,
               sum(greatest(0, extract(epoch FROM end_at - started_at)) / (30.4375 * 86400)) AS months,
               sum(greatest(0, extract(epoch FROM end_at - started_at)) / (30.4375 * 86400) * monthly_value) AS revenue,
               min(currency) AS currency
        FROM kc GROUP BY customer_id
      ), base AS (
        SELECT c.id AS customer_id, coalesce(c.currency, k.currency, o.currency) AS currency,
               least(c.acquired_at, o.first_at, k.first_at) AS start_at,
               least(CASE WHEN k.running THEN ${asOf}::timestamptz ELSE greatest(o.last_at, k.last_at) END, ${asOf}::timestamptz) AS end_at,
               round(coalesce(o.profit, 0) + coalesce(k.revenue, 0) * ${marginRatio.ratio}::float8)::bigint AS profit,
               (coalesce(o.n, 0) + floor(coalesce(k.months, 0)))::int AS frequency,
               round(coalesce(o.revenue, 0) + coalesce(k.revenue, 0))::bigint AS monetary
        FROM customers c
        LEFT JOIN o ON o.customer_id = c.id
        LEFT JOIN k ON k.customer_id = c.id
        WHERE o.customer_id IS NOT NULL OR k.customer_id IS NOT NULL
      ), measured AS (
        SELECT customer_id, currency, profit, frequency, monetary,
               greatest(0, floor(extract(epoch FROM end_at - least(start_at, end_at)) / 86400))::int AS tenure_days,
               greatest(0, floor(extract(epoch FROM ${asOf}::timestamptz - end_at) / 86400))::int AS recency_days
        FROM base
      ), tenure_median AS (
        SELECT coalesce(${tenureExplicit}::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY tenure_days)) AS threshold FROM measured
      ), profit_median AS (
        SELECT currency, coalesce(${profitExplicit}::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY profit)) AS threshold
        FROM measured GROUP BY currency
      ), classified AS (
        SELECT m.*, t.threshold AS tenure_threshold, p.threshold AS profit_threshold,
               m.tenure_days > t.threshold AS long_relationship, m.profit > p.threshold AS high_profit
        FROM measured m CROSS JOIN tenure_median t
        JOIN profit_median p ON p.currency IS NOT DISTINCT FROM m.currency
      )
      INSERT INTO customer_segments (customer_id, as_of, tenure_days, profit, currency, tenure_threshold_days, profit_threshold,
        threshold_source, long_relationship, high_profit, segment, recency_days, frequency, monetary, r_score, f_score, m_score)
      SELECT customer_id, ${asOf}::timestamptz, tenure_days, profit, currency, tenure_threshold, profit_threshold,
             ${explicit ? 'explicit' : 'median'}, long_relationship, high_profit,
             CASE WHEN long_relationship AND high_profit THEN 'true_friends' WHEN high_profit THEN 'butterflies'
                  WHEN long_relationship THEN 'barnacles' ELSE 'strangers' END,
             recency_days, frequency, monetary,
             ntile(5) OVER (ORDER BY recency_days DESC, customer_id),
             ntile(5) OVER (ORDER BY frequency, customer_id),
             ntile(5) OVER (PARTITION BY currency ORDER BY monetary, customer_id)
      FROM classified`.execute(trx);
  });
  await refreshStatistics(database.db, ['customer_segments']);
  return segmentSummary(database, asOf, marginRatio, explicit);
}

async function segmentSummary(database: Database, asOf: Date, marginRatio: SegmentResult['marginRatio'], explicit: boolean): Promise<SegmentResult> {
  const seg = await sql<{ segment: SegmentName; customers: number; profit: number }>`
    SELECT segment, count(*)::int AS customers, coalesce(sum(profit), 0)::float8 AS profit FROM customer_segments GROUP BY segment`.execute(database.db);
  const thr = await sql<{ currency: string | null; tenure: number; profit: number }>`
    SELECT currency, max(tenure_threshold_days) AS tenure, max(profit_threshold) AS profit FROM customer_segments GROUP BY currency ORDER BY currency`.execute(
    database.db,
  );
  const segments = (Object.keys(SEGMENT_TREATMENTS) as SegmentName[]).map((segment) => {
    const row = seg.rows.find((r) => r.segment === segment);
    return { segment, label: SEGMENT_TREATMENTS[segment].label, treatment: SEGMENT_TREATMENTS[segment].treatment, customers: Number(row?.customers ?? 0), profit: Number(row?.profit ?? 0) };
  });
  return {
    asOf,
    customers: segments.reduce((s, r) => s + r.customers, 0),
    marginRatio,
    thresholds: {
      source: explicit ? 'explicit' : 'median',
      tenureDays: Number(thr.rows[0]?.tenure ?? 0),
      profitByCurrency: thr.rows.map((r) => ({ currency: r.currency, profit: Number(r.profit) })),
    },
    segments,
  };
}
