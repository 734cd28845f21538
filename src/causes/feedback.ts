/**
 * Frontline feedback: for one team or one employee, the customers they served who left in the period — when,
 * what it cost, why (the mapped reason, the verified one) and what the customer said in their own words (the
 * cancellation text, and the latest recovery call's explanation with whether the customer confirmed the reason).
 * A summary on top compares the team's reasons with the company's, so a team lead sees where the team differs.
 *
 * "Served by" is the customer's current assignment (customers.team_id / employee_id).
 */
import { loadConversion } from '../currency/index.js';
import type { Database } from '../db/engine.js';
import { resolveLossFilter } from './filters.js';
import { lossScope, type LossScope } from './pareto.js';
import { reportingRates, toReporting, type ReportingRates } from './reporting.js';
import { feedbackLosses, lossAggregates, reasonCatalogue, type LossAggregate, type ReasonSource } from './repository.js';
import { feedbackQuerySchema, parseInput, type FeedbackQueryInput, type LossState } from './schemas.js';

export interface CodeLabel {
  code: string;
  label: string;
}

export interface FeedbackCustomer {
  customerId: number;
  externalId: string;
  name: string | null;
  company: string | null;
  servedBy: { code: string; name: string } | null;
  state: LossState;
  lostAt: string;
  currency: string | null;
  /** Minor units of `currency`. */
  revenueLost: number;
  reason: CodeLabel & {
    source: ReasonSource;
    /** The reason rolled up to the report's level (the full code when no level was asked for). */
    group: CodeLabel;
    /** How the contract's text became the mapped reason: given in the import, by a rule, or no rule matched. */
    mapping: 'import' | 'rule' | 'none' | null;
    mapped: CodeLabel | null;
    verified: CodeLabel | null;
  };
  /** The customer's own words. */
  words: {
    /** The text of the contract cancellation. */
    cancellation: string | null;
    call: {
      at: string;
      by: { code: string; name: string };
      explanation: string | null;
      diagnosed: CodeLabel | null;
      /** Whether the customer confirmed the diagnosed reason (null: not asked). */
      confirmed: boolean | null;
      outcome: string;
    } | null;
  };
}

export interface TopReason extends CodeLabel {
  customers: number;
  /** customers ÷ the team's customers. */
  share: number | null;
  companyCustomers: number;
  /** The reason's share of the company's customers. */
  companyShare: number | null;
}

export interface FeedbackReport extends Omit<LossScope, 'team' | 'employee' | 'reason'> {
  subject: { kind: 'team' | 'employee'; code: string; name: string };
  summary: {
    customers: number;
    lostCustomers: number;
    sleepingCustomers: number;
    /** Per currency: revenue lost (lost + sleeping), minor units. */
    revenue: { currency: string | null; revenue: number; lostRevenue: number; sleepingRevenue: number }[];
    /** The same, converted into the reporting currency and added (currencies without a rate left out, named). */
    reportingRevenue: ReportingRates & { revenue: number; lostRevenue: number; sleepingRevenue: number };
    company: { customers: number; lostCustomers: number; sleepingCustomers: number };
    topReasons: TopReason[];
  };
  /** A page of the customers who left (losses, most recent first): `total` in all. */
  customers: FeedbackCustomer[];
  page: { total: number; limit: number; offset: number };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const ratio = (a: number, b: number) => (b > 0 ? round6(a / b) : null);

export async function frontlineFeedback(database: Database, input: FeedbackQueryInput): Promise<FeedbackReport> {
  const q = parseInput(feedbackQuerySchema, input, 'feedback query');
  const db = database.db;
  const labels = await reasonCatalogue(db);
  const resolved = await resolveLossFilter(db, labels, q);
  const { teamId: _team, employeeId: _employee, ...companyFilter } = resolved.filter;
  const [losses, mine, company, conversion] = await Promise.all([
    feedbackLosses(db, resolved.filter, { limit: q.limit, offset: q.offset }),
    lossAggregates(db, resolved.filter),
    lossAggregates(db, companyFilter),
    loadConversion(db),
  ]);
  const label = (code: string): CodeLabel => ({ code, label: labels.get(code) ?? code });
  const total = (a: LossAggregate[]) => a.find((x) => !x.byCode && !x.byCurrency);
  const mineTotal = total(mine);
  const companyTotal = total(company);
  const perReason = (a: LossAggregate[]) => new Map(a.filter((x) => x.byCode && !x.byCurrency).map((x) => [x.code!, x.customers]));
  const companyByReason = perReason(company);
  const topReasons = [...perReason(mine)]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, q.top)
    .map(([code, customers]): TopReason => {
      const companyCustomers = companyByReason.get(code) ?? 0;
      return {
        ...label(code),
        customers,
        share: ratio(customers, mineTotal?.customers ?? 0),
        companyCustomers,
        companyShare: ratio(companyCustomers, companyTotal?.customers ?? 0),
      };
    });
  const subject = resolved.team ? { kind: 'team' as const, ...resolved.team } : { kind: 'employee' as const, ...resolved.employee! };
  const { team: _t, employee: _e, reason: _r, ...scope } = lossScope(resolved.filter, resolved);
  const revenue = mine
    .filter((x) => !x.byCode && x.byCurrency)
    .map((x) => ({ currency: x.currency, revenue: x.lostValue + x.sleepingValue, lostRevenue: x.lostValue, sleepingRevenue: x.sleepingValue }))
    .sort((a, b) => (a.currency ?? '~').localeCompare(b.currency ?? '~'));
  const rates = reportingRates(conversion, revenue.map((r) => r.currency));
  const reportingRevenue = { ...rates, revenue: 0, lostRevenue: 0, sleepingRevenue: 0 };
  for (const r of revenue) {
    if (r.currency !== null && rates.unconverted.includes(r.currency)) continue;
    reportingRevenue.lostRevenue += toReporting(conversion, r.lostRevenue, r.currency)!;
    reportingRevenue.sleepingRevenue += toReporting(conversion, r.sleepingRevenue, r.currency)!;
  }
  reportingRevenue.revenue = reportingRevenue.lostRevenue + reportingRevenue.sleepingRevenue;
  return {
    ...scope,
    subject,
    summary: {
      customers: mineTotal?.customers ?? 0,
      lostCustomers: mineTotal?.lostCustomers ?? 0,
      sleepingCustomers: mineTotal?.sleepingCustomers ?? 0,
      revenue,
      reportingRevenue,
      company: { customers: companyTotal?.customers ?? 0, lostCustomers: companyTotal?.lostCustomers ?? 0, sleepingCustomers: companyTotal?.sleepingCustomers ?? 0 },
      topReasons,
    },
    customers: losses.map((l) => ({
      customerId: l.customerId,
      externalId: l.externalId,
      name: l.name,
      company: l.company,
      servedBy: l.servedBy,
      state: l.state,
      lostAt: l.lostAt.toISOString(),
      currency: l.currency,
      revenueLost: l.valueLost,
      reason: {
        ...label(l.code),
        source: l.source,
        group: label(l.groupCode),
        mapping: l.mapping,
        mapped: l.mappedCode === null ? null : label(l.mappedCode),
        verified: l.verifiedCode === null ? null : label(l.verifiedCode),
      },
      words: {
        cancellation: l.originalText,
        call: l.call
          ? {
              at: l.call.occurredAt.toISOString(),
              by: l.call.by,
              explanation: l.call.explanation,
              diagnosed: l.call.diagnosedReason === null ? null : label(l.call.diagnosedReason),
              confirmed: l.call.reasonConfirmed,
              outcome: l.call.outcome,
            }
          : null,
      },
    })),
    page: { total: mineTotal?.losses ?? 0, limit: q.limit, offset: q.offset },
  };
}
