/**
 * Reason trends: per month or quarter and reason, the customers lost and the revenue that left with them — in
 * long format (one row per period, reason and currency, zeros included), ready for a chart.
 */
import type { Database } from '../db/engine.js';
import { resolveLossFilter } from './filters.js';
import { lossScope, type LossScope } from './pareto.js';
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
}

export interface TrendsReport extends LossScope {
  by: TrendPeriod;
  periods: string[];
  reasons: { code: string; label: string }[];
  currencies: (string | null)[];
  rows: TrendPoint[];
}

export async function reasonTrends(database: Database, input: TrendsQueryInput = {}): Promise<TrendsReport> {
  const q = parseInput(trendsQuerySchema, input, 'trends query');
  const db = database.db;
  const labels = await reasonCatalogue(db);
  const resolved = await resolveLossFilter(db, labels, q, q.by);
  const rows = (await trendRows(db, { ...resolved.filter, by: q.by })).map(
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
    }),
  );
  const reasons = [...new Set(rows.map((r) => r.reason))].sort().map((code) => ({ code, label: labels.get(code) ?? code }));
  return {
    ...lossScope(resolved.filter, resolved, q.reason),
    by: q.by,
    periods: [...new Set(rows.map((r) => r.period))],
    reasons,
    currencies: [...new Set(rows.map((r) => r.currency))],
    rows,
  };
}
