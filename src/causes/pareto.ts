/**
 * The reason Pareto: departure reasons ranked by the revenue that left with the customers they drove away, with
 * each reason's share and the cumulative share ("these three reasons cost 80 %"), at a chosen level of the
 * reason hierarchy, and the unresolved root-cause items that concern each reason.
 *
 * Revenue is the value recorded on the transition when the customer left (src/identify: annualised contract
 * value, or the trailing-12-month order revenue of a customer who fell asleep). There is one ranking per currency
 * in that currency, and one over all currencies in the reporting currency (src/currency: each currency's sums
 * converted at the current rates, then added; a currency without a rate is left out and named).
 */
import { loadConversion, type Conversion } from '../currency/index.js';
import type { Database } from '../db/engine.js';
import { resolveLossFilter } from './filters.js';
import { itemsForReason, unresolvedItems, type ItemRef, type RootCauseItem } from './items.js';
import { reportingRates, toReporting, type ReportingRates } from './reporting.js';
import { lossAggregates, reasonCatalogue, type LossAggregate } from './repository.js';
import { paretoQuerySchema, parseInput, type LossState, type ParetoQueryInput } from './schemas.js';

export interface ParetoRow {
  code: string;
  label: string;
  /** Distinct customers lost or asleep for this reason (in this currency). */
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  /** Revenue lost (lost + sleeping), minor units of the section's currency. */
  revenue: number;
  lostRevenue: number;
  sleepingRevenue: number;
  /** revenue ÷ the section's revenue. */
  share: number | null;
  /** Share of this reason and every reason ranked above it. */
  cumulativeShare: number | null;
  /** customers ÷ the section's customers. */
  customerShare: number | null;
  /** Unresolved (open, in progress) root-cause items linked to this reason, a parent or a child of it. */
  openItems: ItemRef[];
}

export interface ParetoSection {
  /** The currency of the section's amounts; null for losses recorded without a value. */
  currency: string | null;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  revenue: number;
  lostRevenue: number;
  sleepingRevenue: number;
  rows: ParetoRow[];
}

/**
 * The ranking over all currencies, amounts in the reporting currency. Customer counts are distinct over the
 * converted currencies (when a currency is unconverted, they are the sums of the per-currency counts).
 */
export interface ReportingRanking extends Omit<ParetoSection, 'currency'>, ReportingRates {}

export interface LossScope {
  from: string;
  to: string;
  level: number | null;
  state: LossState | null;
  team: { code: string; name: string } | null;
  employee: { code: string; name: string } | null;
  reason: string | null;
}

export interface ParetoReport extends LossScope {
  /** Distinct customers over all reasons and currencies. */
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  /** All currencies ranked together in the reporting currency. */
  reporting: ReportingRanking;
  /** One ranking per currency, in that currency, the currency with the most customers first. */
  sections: ParetoSection[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const ratio = (a: number, b: number) => (b > 0 ? round6(a / b) : null);

interface Counted {
  code: string;
  customers: number;
  revenue: number;
}

/** Orders reasons by revenue (then customers, then code) and adds each one's share and cumulative share. */
export function rankByRevenue<T extends Counted>(rows: readonly T[]): (T & { share: number | null; cumulativeShare: number | null; customerShare: number | null })[] {
  const sorted = [...rows].sort((a, b) => b.revenue - a.revenue || b.customers - a.customers || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const total = sorted.reduce((s, r) => s + r.revenue, 0);
  const customers = sorted.reduce((s, r) => s + r.customers, 0);
  let running = 0;
  return sorted.map((r) => {
    running += r.revenue;
    return { ...r, share: ratio(r.revenue, total), cumulativeShare: ratio(running, total), customerShare: ratio(r.customers, customers) };
  });
}

/** Builds the ranked sections from the aggregates of `lossAggregates`. */
export function paretoSections(aggregates: readonly LossAggregate[], labels: Map<string, string>, items: readonly RootCauseItem[]): ParetoSection[] {
  const totals = aggregates.filter((a) => !a.byCode && a.byCurrency);
  const sections = totals.map((t): ParetoSection => {
    const rows = aggregates
      .filter((a) => a.byCode && a.byCurrency && a.currency === t.currency)
      .map((a) => ({
        code: a.code!,
        label: labels.get(a.code!) ?? a.code!,
        customers: a.customers,
        lostCustomers: a.lostCustomers,
        sleepingCustomers: a.sleepingCustomers,
        revenue: a.lostValue + a.sleepingValue,
        lostRevenue: a.lostValue,
        sleepingRevenue: a.sleepingValue,
      }));
    return {
      currency: t.currency,
      customers: t.customers,
      lostCustomers: t.lostCustomers,
      sleepingCustomers: t.sleepingCustomers,
      revenue: t.lostValue + t.sleepingValue,
      lostRevenue: t.lostValue,
      sleepingRevenue: t.sleepingValue,
      rows: rankByRevenue(rows).map((r) => ({ ...r, openItems: itemsForReason(items, r.code) })),
    };
  });
  return sections.sort((a, b) => b.customers - a.customers || (a.currency ?? '~').localeCompare(b.currency ?? '~'));
}

interface Counts {
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
}
const counts = (a: Counts): Counts => ({ customers: a.customers, lostCustomers: a.lostCustomers, sleepingCustomers: a.sleepingCustomers });
const addCounts = (x: Counts, y: Counts): Counts => ({
  customers: x.customers + y.customers,
  lostCustomers: x.lostCustomers + y.lostCustomers,
  sleepingCustomers: x.sleepingCustomers + y.sleepingCustomers,
});
const NO_COUNTS: Counts = { customers: 0, lostCustomers: 0, sleepingCustomers: 0 };

/** Ranks all currencies together in the reporting currency (see ReportingRanking). */
export function reportingRanking(aggregates: readonly LossAggregate[], labels: Map<string, string>, items: readonly RootCauseItem[], conversion: Conversion): ReportingRanking {
  const rates = reportingRates(
    conversion,
    aggregates.filter((a) => a.byCurrency).map((a) => a.currency),
  );
  const converted = (a: LossAggregate) => a.currency === null || !rates.unconverted.includes(a.currency);
  const exact = rates.unconverted.length === 0;
  const byCode = new Map<string, Counts & { lostRevenue: number; sleepingRevenue: number }>();
  for (const a of aggregates) {
    if (!a.byCode || !a.byCurrency || !converted(a)) continue;
    const row = byCode.get(a.code!) ?? { ...NO_COUNTS, lostRevenue: 0, sleepingRevenue: 0 };
    row.lostRevenue += toReporting(conversion, a.lostValue, a.currency)!;
    row.sleepingRevenue += toReporting(conversion, a.sleepingValue, a.currency)!;
    byCode.set(a.code!, { ...row, ...(exact ? counts(aggregates.find((x) => x.byCode && !x.byCurrency && x.code === a.code)!) : addCounts(row, a)) });
  }
  const rows = [...byCode].map(([code, r]) => ({ code, label: labels.get(code) ?? code, ...r, revenue: r.lostRevenue + r.sleepingRevenue }));
  const ranked = rankByRevenue(rows).map((r) => ({ ...r, openItems: itemsForReason(items, r.code) }));
  const total = exact
    ? counts(aggregates.find((a) => !a.byCode && !a.byCurrency) ?? NO_COUNTS)
    : aggregates.filter((a) => !a.byCode && a.byCurrency && converted(a)).reduce(addCounts, NO_COUNTS);
  const lostRevenue = ranked.reduce((s, r) => s + r.lostRevenue, 0);
  const sleepingRevenue = ranked.reduce((s, r) => s + r.sleepingRevenue, 0);
  return { ...rates, ...total, revenue: lostRevenue + sleepingRevenue, lostRevenue, sleepingRevenue, rows: ranked };
}

export function lossScope(
  filter: { from: Date; to: Date; level?: number | undefined; state?: LossState | undefined },
  resolved: { team: LossScope['team']; employee: LossScope['employee'] },
  reason?: string,
): LossScope {
  return {
    from: filter.from.toISOString(),
    to: filter.to.toISOString(),
    level: filter.level ?? null,
    state: filter.state ?? null,
    team: resolved.team,
    employee: resolved.employee,
    reason: reason ?? null,
  };
}

/** Reasons ranked by the revenue they cost in the period (default: the last 12 months). */
export async function reasonPareto(database: Database, input: ParetoQueryInput = {}): Promise<ParetoReport> {
  const q = parseInput(paretoQuerySchema, input, 'Pareto query');
  const db = database.db;
  const labels = await reasonCatalogue(db);
  const resolved = await resolveLossFilter(db, labels, q);
  const [aggregates, items, conversion] = await Promise.all([lossAggregates(db, resolved.filter), unresolvedItems(database), loadConversion(db)]);
  const total = aggregates.find((a) => !a.byCode && !a.byCurrency);
  return {
    ...lossScope(resolved.filter, resolved, q.reason),
    customers: total?.customers ?? 0,
    lostCustomers: total?.lostCustomers ?? 0,
    sleepingCustomers: total?.sleepingCustomers ?? 0,
    reporting: reportingRanking(aggregates, labels, items, conversion),
    sections: paretoSections(aggregates, labels, items),
  };
}
