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
 * - In the reporting currency (`total` of each row): each currency's figures converted at the current exchange
 *   rates (src/currency) and summed; the rates used are part of the report. A currency without a rate is left
 *   out of the totals and named in `unconverted` — never added as if it were the reporting currency. Stored
 *   figures stay per currency, so a changed rate changes the totals of the next report, the per-currency
 *   figures never.
 */
import { z } from 'zod';
import { formatMinor } from '../currency/money.js';
import { currencyCodeSchema } from '../currency/schemas.js';
import { loadConversion, describeRate } from '../currency/service.js';
import type { Database } from '../db/engine.js';
import { IdentifyError } from './errors.js';
import { activeDeltas, contractBase, CUSTOMER_GROUPS, earliestLoss, lossRows, monthlyOrderRevenue } from './repository.js';
import { lossReportOptionsSchema, type LossPeriod } from './schemas.js';
import { table } from './service.js';

/**
 * Options of the loss report — `winback report losses` and GET /api/v1/reports/losses: the period options plus
 * `currency`, which restricts the money to the customers paying in that currency (counts and churn rates still
 * cover every customer).
 */
export const lossReportQuerySchema = lossReportOptionsSchema.safeExtend({ currency: currencyCodeSchema.optional() });
export type LossReportQueryInput = z.input<typeof lossReportQuerySchema>;

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

/** The figures of the currencies with a rate, converted into the reporting currency and summed. */
export type ReportingLoss = CurrencyLoss;

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
  /** Per currency, in that currency. */
  money: CurrencyLoss[];
  /** In the reporting currency: the currencies with a rate (all but `unconverted`), converted and summed. */
  total: ReportingLoss;
}

export interface LossReport {
  by: LossPeriod;
  groupBy: string | null;
  from: string;
  to: string;
  knownAt: string;
  /** The `currency` option: money only of customers paying in it; null = every currency. */
  currency: string | null;
  currencies: string[];
  reportingCurrency: string;
  /** The rates the totals were converted at (current when the report ran), for the currencies in the report. */
  rates: { currency: string; rate: string; updatedAt: Date; updatedBy: string }[];
  /** Currencies in the report without a rate: left out of the totals. */
  unconverted: string[];
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

export async function lossReport(database: Database, input: LossReportQueryInput = {}): Promise<LossReport> {
  const parsed = lossReportQuerySchema.safeParse(input);
  if (!parsed.success) {
    throw new IdentifyError('invalid_options', parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '), parsed.error.issues);
  }
  const o = parsed.data;
  const db = database.db;
  const knownAt = o.knownAt ?? new Date();
  // Without `knownAt` the report counts every recorded transition, which the summaries hold (src/db/summaries.ts).
  const everythingKnown = o.knownAt === undefined;
  const to = o.to ?? new Date();
  const first = o.from ?? (await earliestLoss(db, knownAt)) ?? to;
  const from = periodStart(first, o.by);
  const step = o.by === 'month' ? 1 : 3;
  const starts: Date[] = [];
  for (let s = from; s <= to; s = addMonths(s, step)) starts.push(s);

  const groupBy = o.groupBy;
  const [losses, deltas, conversion] = await Promise.all([
    lossRows(db, { by: o.by, groupBy, from, to, knownAt, everythingKnown }),
    groupBy === undefined || CUSTOMER_GROUPS.includes(groupBy) ? activeDeltas(db, { by: o.by, groupBy, knownAt, everythingKnown }) : Promise.resolve(null),
    loadConversion(db),
  ]);
  const reporting = conversion.reportingCurrency;

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
  if (o.currency !== undefined) for (const c of currencies) if (c !== o.currency) currencies.delete(c);

  const total = (money: CurrencyLoss[]): ReportingLoss => {
    const t = { lostValue: 0, sleepingValue: 0, forecastValue: 0, revenueBase: groupBy ? null : (0 as number | null) };
    for (const m of money) {
      if (!conversion.rateOf(m.currency)) continue;
      const c = (v: number) => conversion.convert(v, m.currency)!;
      t.lostValue += c(m.lostValue);
      t.sleepingValue += c(m.sleepingValue);
      t.forecastValue += c(m.forecastValue);
      if (t.revenueBase !== null && m.revenueBase !== null) t.revenueBase += c(m.revenueBase);
    }
    return { currency: reporting, ...t, revenueChurnRate: ratio(t.lostValue + t.sleepingValue, t.revenueBase) };
  };

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
        total: total(money),
      });
    }
  }
  const sorted = [...currencies].sort();
  return {
    by: o.by,
    groupBy: groupBy ?? null,
    from: iso(from),
    to: to.toISOString(),
    knownAt: knownAt.toISOString(),
    currency: o.currency ?? null,
    currencies: sorted,
    reportingCurrency: reporting,
    rates: sorted.flatMap((c) => {
      const r = conversion.rateOf(c);
      return r ? [{ currency: r.currency, rate: r.rate, updatedAt: r.updatedAt, updatedBy: r.updatedBy }] : [];
    }),
    unconverted: sorted.filter((c) => !conversion.rateOf(c)),
    rows,
  };
}

// ---- Formatting: one line per period (and group). Money in major units with each currency's decimals.
// The table shows the totals in the reporting currency (with `currency`: that currency's own figures); CSV
// carries the totals, every currency's own figures and the rate each was converted at.

const pct = (r: number | null) => (r === null ? '' : `${(r * 100).toFixed(2)}%`);

function flat(report: LossReport, forCsv: boolean): { header: string[]; rows: string[][] } {
  const rate = (r: number | null) => (forCsv ? (r === null ? '' : String(r)) : pct(r));
  const totals = forCsv || report.currency === null;
  const perCurrency = forCsv || report.currency !== null ? report.currencies : [];
  const R = report.reportingCurrency;
  const header = ['period', ...(report.groupBy ? [report.groupBy] : []), 'lost', 'sleeping', 'active_at_start', 'churn_rate'];
  if (totals) header.push(`total_lost_value_${R}`, `total_sleeping_value_${R}`, `total_forecast_${R}`, ...(report.groupBy ? [] : ['total_revenue_churn']));
  for (const c of perCurrency) {
    header.push(`lost_value_${c}`, `sleeping_value_${c}`, `forecast_${c}`, ...(report.groupBy ? [] : [`revenue_churn_${c}`]));
    if (forCsv) header.push(`rate_${c}_${R}`);
  }
  const rows = report.rows.map((r) => {
    const cells = [r.period, ...(report.groupBy ? [r.group ?? ''] : []), String(r.lostCustomers), String(r.sleepingCustomers), r.activeAtStart === null ? '' : String(r.activeAtStart)];
    cells.push(rate(r.customerChurnRate));
    if (totals) {
      cells.push(formatMinor(r.total.lostValue, R), formatMinor(r.total.sleepingValue, R), formatMinor(r.total.forecastValue, R));
      if (!report.groupBy) cells.push(rate(r.total.revenueChurnRate));
    }
    for (const c of perCurrency) {
      const m = r.money.find((x) => x.currency === c);
      cells.push(m ? formatMinor(m.lostValue, c) : '', m ? formatMinor(m.sleepingValue, c) : '', m ? formatMinor(m.forecastValue, c) : '');
      if (!report.groupBy) cells.push(rate(m?.revenueChurnRate ?? null));
      if (forCsv) cells.push(c === R ? '1' : (report.rates.find((x) => x.currency === c)?.rate ?? ''));
    }
    return cells;
  });
  return { header, rows };
}

/** What the money columns are in: the reporting currency and the rates used, or the one currency shown. */
export function lossMoneyNote(report: LossReport): string {
  const R = report.reportingCurrency;
  if (report.currency !== null) {
    const r = report.rates.find((x) => x.currency === report.currency);
    const at = report.currency === R ? 'the reporting currency' : r ? describeRate(r, R) : `no rate to ${R}`;
    return `money of customers paying in ${report.currency}, in ${report.currency} (${at}); customer counts and churn rates: every customer`;
  }
  const rates = report.rates.filter((r) => r.currency !== R);
  return [
    `money in ${R} (reporting currency)${rates.length ? `, converted at the current rates: ${rates.map((r) => describeRate(r, R)).join(', ')}` : ''}`,
    ...(report.unconverted.length
      ? [`not converted, left out of the totals (no rate): ${report.unconverted.join(', ')} — see --currency ${report.unconverted[0]} or set a rate with winback currency set-rate`]
      : []),
  ].join('\n');
}

export function formatLossTable(report: LossReport): string {
  const { header, rows } = flat(report, false);
  return `${lossMoneyNote(report)}\n${table(header, rows)}`;
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
export function formatLossCsv(report: LossReport): string {
  const { header, rows } = flat(report, true);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
