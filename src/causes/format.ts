/**
 * Text forms of the step-3 reports for the CLI (the API returns the report objects as JSON). Money is shown in
 * major units with the currency code; amounts of different currencies are added only once converted into the
 * reporting currency, with the rates stated.
 */
import { describeRate, formatMinor, major } from '../currency/index.js';
import { table } from '../identify/service.js';
import type { FeedbackReport } from './feedback.js';
import type { RootCauseItem, RootCauseItemDetail } from './items.js';
import type { LossScope, ParetoReport, ParetoRow } from './pareto.js';
import type { ReportingRates } from './reporting.js';
import type { TrendsReport } from './trends.js';

const customers = (n: number) => `${n} customer${n === 1 ? '' : 's'}`;
const money = (minor: number, currency: string | null) => `${currency ?? '(no currency)'} ${major(minor, currency)}`;
const pct = (r: number | null) => (r === null ? '' : `${(r * 100).toFixed(1)}%`);
const day = (iso: string) => iso.slice(0, 10);

function scopeLine(title: string, s: Pick<LossScope, 'from' | 'to' | 'level' | 'state'> & Partial<Pick<LossScope, 'team' | 'employee' | 'reason'>>): string {
  const parts = [
    s.level !== null ? `reasons at level ${s.level}` : null,
    s.state ? `${s.state} only` : null,
    s.team ? `team ${s.team.code} (${s.team.name})` : null,
    s.employee ? `employee ${s.employee.code} (${s.employee.name})` : null,
    s.reason ? `reason ${s.reason}` : null,
  ].filter((p) => p !== null);
  return `${title}, ${day(s.from)} to ${day(s.to)} (excluded)${parts.length > 0 ? `; ${parts.join(', ')}` : ''}`;
}

/** "converted at 1 GBP = 1.17 EUR" and the currencies left out; empty when nothing needed converting. */
function conversionNote(r: ReportingRates): string[] {
  const rates = r.rates.filter((x) => x.currency !== r.currency);
  return [
    ...(rates.length > 0 ? [`converted into ${r.currency} at the current rates: ${rates.map((x) => describeRate(x, r.currency)).join(', ')}`] : []),
    ...(r.unconverted.length > 0 ? [`not converted, left out (no rate): ${r.unconverted.join(', ')} — set a rate with winback currency set-rate`] : []),
  ];
}

function paretoTable(rows: readonly ParetoRow[], currency: string | null): string {
  return table(
    ['#', 'reason', 'label', 'lost', 'sleeping', 'revenue', 'share', 'cumulative', 'open items'],
    rows.map((r, i) => [
      String(i + 1),
      r.code,
      r.label,
      String(r.lostCustomers),
      String(r.sleepingCustomers),
      major(r.revenue, currency),
      pct(r.share),
      pct(r.cumulativeShare),
      r.openItems.map((it) => `#${it.id} ${it.title} (${it.status.replace('_', ' ')}${it.owner ? `, ${it.owner}` : ''})`).join('; '),
    ]),
  );
}

/** The ranking over all currencies (in the reporting currency); the per-currency rankings when there are several. */
export function formatPareto(report: ParetoReport): string {
  const lines = [
    scopeLine('Departure reasons by revenue lost', report),
    `${customers(report.customers)}: ${report.lostCustomers} lost, ${report.sleepingCustomers} fell asleep`,
  ];
  if (report.sections.length === 0) return [...lines, '', 'no losses in this period'].join('\n');
  const r = report.reporting;
  lines.push('', `All currencies in ${r.currency}: ${customers(r.customers)}, revenue lost ${money(r.revenue, r.currency)}`, ...conversionNote(r), paretoTable(r.rows, r.currency));
  const single = report.sections.length === 1 && report.sections[0]!.currency === r.currency;
  if (!single) {
    lines.push('', 'Per currency, in that currency');
    for (const s of report.sections) {
      lines.push('', `${s.currency ?? 'no value recorded'}: ${customers(s.customers)}, revenue lost ${money(s.revenue, s.currency)}`, paretoTable(s.rows, s.currency));
    }
  }
  const unstated = report.sections.some((s) => s.rows.some((r) => r.code === 'unknown' && r.sleepingCustomers > 0));
  if (unstated && report.state !== 'lost') {
    lines.push(
      '',
      'Customers who fell asleep left without a word: their reason is unknown until a recovery call confirms one.',
      '--state lost ranks the reasons customers gave when they cancelled.',
    );
  }
  return lines.join('\n');
}

/** The trend rows with a loss (the JSON and CSV forms keep the zeros, for charts). */
export function formatTrendsTable(report: TrendsReport): string {
  const rows = report.rows.filter((r) => r.customers > 0);
  const head = scopeLine(`Departure reasons per ${report.by}`, report);
  if (rows.length === 0) return `${head}\n\nno losses in this period`;
  const R = report.reporting.currency;
  return [
    head,
    '',
    ...conversionNote(report.reporting),
    table(
      ['period', 'reason', 'currency', 'customers', 'lost', 'sleeping', 'revenue', `in ${R}`],
      rows.map((r) => [
        r.period,
        r.reason,
        r.currency ?? '',
        String(r.customers),
        String(r.lostCustomers),
        String(r.sleepingCustomers),
        major(r.revenue, r.currency),
        r.reportingRevenue === null ? '' : major(r.reportingRevenue, R),
      ]),
    ),
  ].join('\n');
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
/**
 * Long format for charts: one line per period, reason and currency; revenue in major units of the line's
 * currency, and in the reporting currency (empty: no rate) so that lines of several currencies add up.
 */
export function formatTrendsCsv(report: TrendsReport): string {
  const R = report.reporting.currency;
  const header = ['period', 'start', 'reason', 'label', 'currency', 'customers', 'lost_customers', 'sleeping_customers', 'revenue', `revenue_${R}`];
  const rows = report.rows.map((r) => [
    r.period,
    r.start,
    r.reason,
    r.label,
    r.currency ?? '',
    String(r.customers),
    String(r.lostCustomers),
    String(r.sleepingCustomers),
    formatMinor(r.revenue, r.currency),
    r.reportingRevenue === null ? '' : formatMinor(r.reportingRevenue, R),
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

const quote = (s: string) => `"${s.replace(/\s+/g, ' ').trim()}"`;

export function formatFeedback(report: FeedbackReport): string {
  const s = report.summary;
  const who = `${report.subject.kind} ${report.subject.code} (${report.subject.name})`;
  const lines = [
    scopeLine(`Customers lost — ${who}`, report),
    '',
    `${customers(s.customers)} left: ${s.lostCustomers} lost, ${s.sleepingCustomers} fell asleep (company: ${s.company.customers})`,
    `revenue lost: ${s.revenue.length > 0 ? s.revenue.map((r) => money(r.revenue, r.currency)).join(', ') : 'none'}`,
  ];
  const converted = s.reportingRevenue;
  if (s.revenue.length > 1 || (s.revenue[0] && s.revenue[0].currency !== converted.currency)) {
    lines.push(`  in total ${money(converted.revenue, converted.currency)}; ${conversionNote(converted).join('; ')}`);
  }
  if (s.topReasons.length > 0) {
    lines.push('', 'Top reasons (share of customers)');
    lines.push(
      table(
        ['reason', 'label', report.subject.kind, 'share', 'company', 'company share'],
        s.topReasons.map((r) => [r.code, r.label, String(r.customers), pct(r.share), String(r.companyCustomers), pct(r.companyShare)]),
      ),
    );
  }
  const { total, offset } = report.page;
  if (report.customers.length > 0) {
    const range = total > report.customers.length ? ` (${offset + 1}–${offset + report.customers.length} of ${total}; --offset and --limit page through them)` : '';
    lines.push('', `Customers, most recent first${range}`);
  }
  for (const c of report.customers) {
    const name = c.name ?? c.company ?? c.externalId;
    lines.push('');
    lines.push(`${day(c.lostAt)}  ${name} (${c.externalId})  ${c.state}  ${money(c.revenueLost, c.currency)}${c.servedBy ? `  served by ${c.servedBy.name} (${c.servedBy.code})` : ''}`);
    const r = c.reason;
    const mapped =
      r.mapping === 'import' ? 'as given in the import' : r.mapping === 'rule' ? 'mapped from the cancellation text' : c.words.cancellation ? 'no rule recognised the text' : 'no reason given';
    const detail =
      r.source === 'verified'
        ? `verified by a recovery call${r.mapped && r.mapped.code !== r.code ? `; before: ${r.mapped.code}, ${mapped}` : ''}`
        : r.source === 'call'
          ? `confirmed in a recovery call${r.mapped ? `; before: ${r.mapped.code}, ${mapped}` : ''}`
          : r.source === 'mapped'
            ? `${mapped}, not verified`
            : r.source === 'import'
              ? 'as recorded when the customer left'
              : 'no reason given';
    lines.push(`    reason: ${r.code} — ${r.label} (${detail})`);
    if (c.words.cancellation) lines.push(`    cancellation: ${quote(c.words.cancellation)}`);
    const call = c.words.call;
    if (call) {
      const diagnosis = call.diagnosed
        ? `; diagnosed ${call.diagnosed.code}, ${call.confirmed === true ? 'confirmed by the customer' : call.confirmed === false ? 'not confirmed by the customer' : 'not asked to confirm'}`
        : '';
      lines.push(`    recovery call ${day(call.at)} by ${call.by.name}: ${call.explanation ? quote(call.explanation) : '(no explanation recorded)'}${diagnosis}; outcome ${call.outcome.replace(/_/g, ' ')}`);
    }
  }
  if (report.customers.length === 0) lines.push('', 'no customers left in this period');
  return lines.join('\n');
}

const status = (s: string) => s.replace('_', ' ');

export function formatItemList(items: readonly RootCauseItem[]): string {
  if (items.length === 0) return 'no root-cause items';
  return table(
    ['#', 'status', 'title', 'owner', 'reasons', 'customers', 'updated'],
    items.map((i) => [String(i.id), status(i.status), i.title, i.owner?.code ?? '', i.reasons.join(', '), String(i.customerCount), day(i.updatedAt.toISOString())]),
  );
}

export function formatItem(item: RootCauseItemDetail): string {
  const lines = [
    `#${item.id} ${item.title} — ${status(item.status)} since ${day(item.statusChangedAt.toISOString())}`,
    `  owner: ${item.owner ? `${item.owner.name} (${item.owner.code})` : 'nobody'}${item.createdBy ? `; recorded by ${item.createdBy.name} (${item.createdBy.code})` : ''} on ${day(item.createdAt.toISOString())}`,
  ];
  if (item.description) lines.push(`  ${item.description}`);
  lines.push(`  reasons: ${item.reasons.length > 0 ? item.reasons.join(', ') : 'none'}`);
  lines.push(`  customers: ${item.customers.length > 0 ? item.customers.map((c) => `${c.externalId}${c.state ? ` (${c.state})` : ''}`).join(', ') : 'none'}`);
  lines.push('  history:');
  for (const h of item.history) {
    lines.push(
      `    ${h.changedAt.toISOString().slice(0, 16).replace('T', ' ')}  ${h.fromStatus ? `${status(h.fromStatus)} → ` : 'created '}${status(h.toStatus)}${h.changedBy ? ` by ${h.changedBy.code}` : ''}${h.note ? `: ${h.note}` : ''}`,
    );
  }
  return lines.join('\n');
}
