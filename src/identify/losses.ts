/**
 * Loss accounting: per month or quarter, the customers newly lost / newly sleeping (transitions by effective_at,
 * the date it happened), the revenue that left with them and the churn rates.
 *
 * - Value lost (per currency, never summed across currencies): for contract customers the annualised value of
 *   the contracts that ended (monthly value × 12); for order customers the revenue of the 12 months up to their
 *   last purchase; plus, where the customer was scored, the model's forecast value (CLV) that goes with them.
 *   Both are snapshotted on the transition when it is recorded, so a period's figures never change afterwards;
 *   `knownAt` restricts the report to transitions recorded by then ("what did we know on 1 April").
 * - Customer churn rate = customers newly lost in the period ÷ customers in an active state (active, at_risk,
 *   won_back) at the period start, from the transition history. Per group for team, channel and country (the
 *   customer's attribute when the transition was recorded); reason and plan describe only the leavers, so they
 *   have no rate.
 * - Revenue churn rate (ungrouped rows) = value lost (lost + sleeping) in the period ÷ the revenue base at the
 *   period start: the annualised value of the contracts running then plus the order revenue of the 12 calendar
 *   months before it, per currency.
 */
import type { Database } from '../db/engine.js';
import { IdentifyError } from './errors.js';
import { activeDeltas, contractBase, CUSTOMER_GROUPS, earliestLoss, lossRows, monthlyOrderRevenue } from './repository.js';
import { lossReportOptionsSchema, type LossReportOptionsInput, type LossPeriod } from './schemas.js';
import { table } from './service.js';

export interface CurrencyLoss {
  currency: string;
  /** Value that left with lost customers (annualised contract value / trailing-12-month revenue), minor units. */
  lostValue: number;
  /** Value that left with customers who fell asleep. */
  sleepingValue: number;
  /** The models' forecast value (CLV) of those customers, where scored. */
  forecastValue: number;
  /** Revenue base at the period start (ungrouped rows), minor units; null when not computed. */
  revenueBase: number | null;
  /** (lostValue + sleepingValue) ÷ revenueBase. */
  revenueChurnRate: number | null;
}

export interface LossPeriodRow {
  period: string;
  start: string;
  end: string;
  group: string | null;
  lostCustomers: number;
  sleepingCustomers: number;
  activeAtStart: number | null;
  /** lostCustomers ÷ activeAtStart. */
  customerChurnRate: number | null;
  /** Same, counting lost and sleeping customers. */
  churnRateWithSleeping: number | null;
  money: CurrencyLoss[];
}

export interface LossReport {
  by: LossPeriod;
  groupBy: string | null;
  from: string;
  to: string;
  knownAt: string;
  currencies: string[];
  rows: LossPeriodRow[];
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

function periodStart(d: Date, by: LossPeriod): Date {
  const m = by === 'month' ? d.getUTCMonth() : d.getUTCMonth() - (d.getUTCMonth() % 3);
  return new Date(Date.UTC(d.getUTCFullYear(), m, 1));
}
const addMonths = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
function periodLabel(d: Date, by: LossPeriod): string {
  return by === 'month' ? d.toISOString().slice(0, 7) : `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}
const ratio = (a: number, b: number | null) => (b === null || b <= 0 ? null : Math.round((a / b) * 1e6) / 1e6);

export async function lossReport(database: Database, input: LossReportOptionsInput = {}): Promise<LossReport> {
  const parsed = lossReportOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new IdentifyError('invalid_options', parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '), parsed.error.issues);
  }
  const o = parsed.data;
  const db = database.db;
  const knownAt = o.knownAt ?? new Date();
  const to = o.to ?? new Date();
  const first = o.from ?? (await earliestLoss(db, knownAt)) ?? to;
  const from = periodStart(first, o.by);
  const step = o.by === 'month' ? 1 : 3;
  const starts: Date[] = [];
  for (let s = from; s <= to; s = addMonths(s, step)) starts.push(s);

  const groupBy = o.groupBy;
  const [losses, deltas] = await Promise.all([
    lossRows(db, { by: o.by, groupBy, from, to, knownAt }),
    groupBy === undefined || CUSTOMER_GROUPS.includes(groupBy) ? activeDeltas(db, { by: o.by, groupBy, knownAt }) : Promise.resolve(null),
  ]);

  // Revenue base per period start and currency (ungrouped report only).
  const base = new Map<string, number>();
  if (!groupBy) {
    const [contracts, monthly] = await Promise.all([contractBase(db, starts), monthlyOrderRevenue(db, to)]);
    for (const c of contracts) base.set(`${c.start.getTime()}|${c.currency}`, c.value);
    for (const s of starts) {
      const lo = addMonths(s, -12).getTime();
      for (const m of monthly) {
        const t = m.month.getTime();
        if (t >= lo && t < s.getTime()) {
          const key = `${s.getTime()}|${m.currency}`;
          base.set(key, (base.get(key) ?? 0) + m.amount);
        }
      }
    }
  }

  const activeAt = (start: Date, group: string | null): number | null => {
    if (!deltas) return null;
    let n = 0;
    for (const d of deltas) if (d.bucket < start && d.group === group) n += d.delta;
    return n;
  };

  const currencies = new Set<string>();
  for (const l of losses) if (l.currency) currencies.add(l.currency);
  if (!groupBy) for (const key of base.keys()) currencies.add(key.split('|')[1]!);

  const rows: LossPeriodRow[] = [];
  for (const start of starts) {
    const end = addMonths(start, step);
    const inPeriod = losses.filter((l) => l.period.getTime() === start.getTime());
    const groups = groupBy ? [...new Set(inPeriod.map((l) => l.group))].sort() : [null];
    for (const group of groups) {
      const mine = inPeriod.filter((l) => l.group === group);
      const lostCustomers = mine.filter((l) => l.toState === 'lost').reduce((s, l) => s + l.customers, 0);
      const sleepingCustomers = mine.filter((l) => l.toState === 'sleeping').reduce((s, l) => s + l.customers, 0);
      const activeAtStart = activeAt(start, group);
      const money: CurrencyLoss[] = [];
      for (const currency of [...currencies].sort()) {
        const c = mine.filter((l) => l.currency === currency);
        const lostValue = c.filter((l) => l.toState === 'lost').reduce((s, l) => s + l.valueLost, 0);
        const sleepingValue = c.filter((l) => l.toState === 'sleeping').reduce((s, l) => s + l.valueLost, 0);
        const forecastValue = c.reduce((s, l) => s + l.forecastValue, 0);
        const revenueBase = groupBy ? null : (base.get(`${start.getTime()}|${currency}`) ?? 0);
        if (groupBy && c.length === 0) continue;
        money.push({ currency, lostValue, sleepingValue, forecastValue, revenueBase, revenueChurnRate: ratio(lostValue + sleepingValue, revenueBase) });
      }
      rows.push({
        period: periodLabel(start, o.by),
        start: iso(start),
        end: iso(end),
        group,
        lostCustomers,
        sleepingCustomers,
        activeAtStart,
        customerChurnRate: activeAtStart === null ? null : ratio(lostCustomers, activeAtStart),
        churnRateWithSleeping: activeAtStart === null ? null : ratio(lostCustomers + sleepingCustomers, activeAtStart),
        money,
      });
    }
  }
  return { by: o.by, groupBy: groupBy ?? null, from: iso(from), to: to.toISOString(), knownAt: knownAt.toISOString(), currencies: [...currencies].sort(), rows };
}

// ---- Formatting: one line per period (and group); money in one column set per currency, never summed across.

const money = (minor: number) => (minor / 100).toFixed(2);
const pct = (r: number | null) => (r === null ? '' : `${(r * 100).toFixed(2)}%`);

function flat(report: LossReport, forCsv: boolean): { header: string[]; rows: string[][] } {
  const header = ['period', ...(report.groupBy ? [report.groupBy] : []), 'lost', 'sleeping', 'active_at_start', 'churn_rate'];
  for (const c of report.currencies) header.push(`lost_value_${c}`, `sleeping_value_${c}`, `forecast_${c}`, ...(report.groupBy ? [] : [`revenue_churn_${c}`]));
  const rows = report.rows.map((r) => {
    const cells = [r.period, ...(report.groupBy ? [r.group ?? ''] : []), String(r.lostCustomers), String(r.sleepingCustomers), r.activeAtStart === null ? '' : String(r.activeAtStart)];
    cells.push(forCsv ? (r.customerChurnRate === null ? '' : String(r.customerChurnRate)) : pct(r.customerChurnRate));
    for (const c of report.currencies) {
      const m = r.money.find((x) => x.currency === c);
      cells.push(m ? money(m.lostValue) : '', m ? money(m.sleepingValue) : '', m ? money(m.forecastValue) : '');
      if (!report.groupBy) cells.push(forCsv ? (m?.revenueChurnRate == null ? '' : String(m.revenueChurnRate)) : pct(m?.revenueChurnRate ?? null));
    }
    return cells;
  });
  return { header, rows };
}

/** Money columns are in major units of each currency (2 decimals). */
export function formatLossTable(report: LossReport): string {
  const { header, rows } = flat(report, false);
  return table(header, rows);
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
export function formatLossCsv(report: LossReport): string {
  const { header, rows } = flat(report, true);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
