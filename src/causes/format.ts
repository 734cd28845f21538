/**
 * Text forms of the step-3 reports for the CLI (the API returns the report objects as JSON). Money is shown in
 * major units of its own currency, with the currency code; amounts of different currencies are never added.
 */
import { table } from '../identify/service.js';
import { currencyExponent } from '../ingest/values.js';
import type { FeedbackReport } from './feedback.js';
import type { RootCauseItem, RootCauseItemDetail } from './items.js';
import type { LossScope, ParetoReport } from './pareto.js';
import type { TrendsReport } from './trends.js';

const formatters = new Map<number, Intl.NumberFormat>();
/** Minor units as a major-unit amount with thousands separators ("1,234.50"). */
export function major(minor: number, currency: string | null): string {
  const digits = currency ? currencyExponent(currency) : 2;
  let f = formatters.get(digits);
  if (!f) formatters.set(digits, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(minor / 10 ** digits);
}
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

export function formatPareto(report: ParetoReport): string {
  const lines = [
    scopeLine('Departure reasons by revenue lost', report),
    `${report.customers} customers: ${report.lostCustomers} lost, ${report.sleepingCustomers} fell asleep`,
  ];
  if (report.sections.length === 0) return [...lines, '', 'no losses in this period'].join('\n');
  for (const s of report.sections) {
    lines.push('', `${s.currency ?? 'no value recorded'}: ${s.customers} customers, revenue lost ${money(s.revenue, s.currency)}`);
    lines.push(
      table(
        ['#', 'reason', 'label', 'lost', 'sleeping', 'revenue', 'share', 'cumulative', 'open items'],
        s.rows.map((r, i) => [
          String(i + 1),
          r.code,
          r.label,
          String(r.lostCustomers),
          String(r.sleepingCustomers),
          major(r.revenue, s.currency),
          pct(r.share),
          pct(r.cumulativeShare),
          r.openItems.map((it) => `#${it.id} ${it.title} (${it.status.replace('_', ' ')}${it.owner ? `, ${it.owner}` : ''})`).join('; '),
        ]),
      ),
    );
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
  return `${head}\n\n${table(
    ['period', 'reason', 'currency', 'customers', 'lost', 'sleeping', 'revenue'],
    rows.map((r) => [r.period, r.reason, r.currency ?? '', String(r.customers), String(r.lostCustomers), String(r.sleepingCustomers), major(r.revenue, r.currency)]),
  )}`;
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
/** Long format for charts: one line per period, reason and currency; revenue in major units. */
export function formatTrendsCsv(report: TrendsReport): string {
  const header = ['period', 'start', 'reason', 'label', 'currency', 'customers', 'lost_customers', 'sleeping_customers', 'revenue'];
  const rows = report.rows.map((r) => [
    r.period,
    r.start,
    r.reason,
    r.label,
    r.currency ?? '',
    String(r.customers),
    String(r.lostCustomers),
    String(r.sleepingCustomers),
    major(r.revenue, r.currency).replace(/,/g, ''),
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
    `${s.customers} customers left: ${s.lostCustomers} lost, ${s.sleepingCustomers} fell asleep (company: ${s.company.customers})`,
    `revenue lost: ${s.revenue.length > 0 ? s.revenue.map((r) => money(r.revenue, r.currency)).join(', ') : 'none'}`,
  ];
  if (s.topReasons.length > 0) {
    lines.push('', 'Top reasons (share of customers)');
    lines.push(
      table(
        ['reason', 'label', report.subject.kind, 'share', 'company', 'company share'],
        s.topReasons.map((r) => [r.code, r.label, String(r.customers), pct(r.share), String(r.companyCustomers), pct(r.companyShare)]),
      ),
    );
  }
  if (report.customers.length > 0) lines.push('', 'Customers, most recent first');
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
