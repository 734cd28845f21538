/**
 * Reason trends: per month or quarter and reason, the customers lost and the revenue that left with them — in
 * long format (one row per period, reason and currency, zeros included), ready for a chart.
 */
import { loadConversion } from '../currency/index.js';
import type { Database } from '../db/engine.js';
import { resolveLossFilter } from './filters.js';
import { lossScope, type LossScope } from './pareto.js';
import { reportingRates, toReporting, type ReportingRates } from './reporting.js';
import { reasonCatalogue, trendRows } from './repository.js';
import { parseInput, trendsQuerySchema, type TrendPeriod, type TrendsQueryInput } from './schemas.js';

export interface TrendPoint {
  /** '2025-03' or '2025-Q1' (UTC). */
  period: string;
  /** First day of the period. */
  start: string;
  reason: string;
  label: string;
  currency: string | null;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  /** Revenue lost, minor units of `currency`. */
  revenue: number;
  /** The same in the reporting currency (null: `currency` has no rate), so rows of all currencies add up. */
  reportingRevenue: number | null;
}

export interface TrendsReport extends LossScope {
  by: TrendPeriod;
  periods: string[];
  reasons: { code: string; label: string }[];
  currencies: (string | null)[];
  /** The currency of `reportingRevenue` and the rates it was converted at. */
  reporting: ReportingRates;
  rows: TrendPoint[];
}

export async function reasonTrends(database: Database, input: TrendsQueryInput = {}): Promise<TrendsReport> {
  const q = parseInput(trendsQuerySchema, input, 'trends query');
  const db = database.db;
  const labels = await reasonCatalogue(db);
  const resolved = await resolveLossFilter(db, labels, q, q.by);
  const [trend, conversion] = await Promise.all([trendRows(db, { ...resolved.filter, by: q.by }), loadConversion(db)]);
  const rows = trend.map(
    (r): TrendPoint => ({
      period: r.period,
      start: r.start.toISOString().slice(0, 10),
      reason: r.code,
      label: labels.get(r.code) ?? r.code,
      currency: r.currency,
      customers: r.customers,
      lostCustomers: r.lostCustomers,
      sleepingCustomers: r.sleepingCustomers,
      revenue: r.value,
      reportingRevenue: toReporting(conversion, r.value, r.currency),
    }),
  );
  const reasons = [...new Set(rows.map((r) => r.reason))].sort().map((code) => ({ code, label: labels.get(code) ?? code }));
  return {
    ...lossScope(resolved.filter, resolved, q.reason),
    by: q.by,
    periods: [...new Set(rows.map((r) => r.period))],
    reasons,
    currencies: [...new Set(rows.map((r) => r.currency))],
    reporting: reportingRates(conversion, rows.map((r) => r.currency)),
    rows,
  };
}
