/**
 * Text forms of the customer list, profile, timeline and preferences for the CLI (the API returns the objects as
 * JSON). Money in major units with its currency; dates as UTC days.
 */
import { formatMinor } from '../currency/money.js';
import { table } from '../identify/service.js';
import type { CustomerList } from './list.js';
import type { Employee, Team } from './people.js';
import type { ContactPreferencesView, CustomerProfile } from './profile.js';
import type { Timeline, TimelineEvent } from './timeline.js';

const day = (d: Date | string | null) => (d === null ? '' : (typeof d === 'string' ? d : d.toISOString()).slice(0, 10));
const money = (minor: number | null, currency: string | null) => (minor === null ? '' : `${formatMinor(minor, currency)} ${currency ?? ''}`.trim());
const pct = (p: number | null) => (p === null ? '' : `${(p * 100).toFixed(1)}%`);

export function formatCustomerList(list: CustomerList): string {
  const rows = list.items.map((c) => [
    String(c.id),
    c.externalId,
    c.name ?? '',
    c.team ?? '',
    c.state ?? '',
    day(c.stateSince),
    c.doNotContact ? 'yes' : '',
    c.segment ?? '',
    pct(c.pAlive),
    money(c.clv, c.clvCurrency),
    money(c.expectedValue, c.expectedValueCurrency),
    c.reasonCode ?? '',
    day(c.lastOrderAt),
  ]);
  const header = ['id', 'external id', 'name', 'team', 'state', 'since', 'dnc', 'segment', 'P(alive)', 'CLV', 'recovery EV', 'reason', 'last order'];
  const customers = (n: number) => `${n} customer${n === 1 ? '' : 's'}`;
  const t = list.total;
  const total = t === null ? '' : t.basis === 'counted' ? customers(t.count) : t.basis === 'at_least' ? `more than ${customers(t.count)}` : `about ${customers(t.count)} (estimated)`;
  const where = list.page === null ? 'after the cursor' : `page ${list.page}`;
  const lines = [table(header, rows), '', `${total}${total ? '; ' : ''}${where}, sorted by ${list.sort} ${list.order}${list.next ? ` — next page: --after ${list.next}` : ''}`];
  if (list.analysis) lines.push(`P(alive) and CLV of analysis #${list.analysis.id} as of ${day(list.analysis.asOf)}; CLV ranked in ${list.reportingCurrency}`);
  return lines.join('\n');
}

export function formatPreferences(p: ContactPreferencesView): string {
  const lines: string[] = [];
  if (p.doNotContact) lines.push(`do not contact (since ${day(p.doNotContactAt)}${p.doNotContactSource ? `, ${p.doNotContactSource}` : ''})`);
  if (!p.stated) lines.push('no preferences of their own: every channel, the company policy');
  else {
    lines.push(`channels: ${p.allowedChannels?.join(', ') || 'none'}`);
    if (p.maxContacts !== null) lines.push(`at most ${p.maxContacts} contact(s) in ${p.perDays} days`);
    if (p.contactHoursStart !== null) lines.push(`contact hours ${p.contactHoursStart}–${p.contactHoursEnd}`);
    if (p.preferredEmployee) lines.push(`preferred contact person: ${p.preferredEmployee.name} (${p.preferredEmployee.code})`);
  }
  return lines.join('\n');
}

export function formatProfile(p: CustomerProfile): string {
  const c = p.customer;
  const lines = [
    `${c.name ?? '(no name)'} (${c.externalId}, id ${c.id})${c.company ? ` — ${c.company}` : ''}${c.country ? `, ${c.country}` : ''}`,
    [c.email, c.phone].filter(Boolean).join(', '),
    `served by ${p.team ? `team ${p.team.code} (${p.team.name})` : 'no team'}${p.employee ? `, ${p.employee.name} (${p.employee.code})` : ''}`,
    '',
    p.lifecycle ? `State: ${p.lifecycle.state} since ${day(p.lifecycle.since)}${p.lifecycle.latentNeed ? ' — shows latent need' : ''}` : 'State: not computed',
  ];
  for (const t of p.stateHistory.slice(0, 10)) {
    lines.push(`  ${day(t.effectiveAt)}  ${t.fromState ?? '(new)'} → ${t.toState}  ${String(t.reason.rule ?? '')}${t.valueLost !== null ? `  lost ${money(t.valueLost, t.currency)}` : ''}`);
  }
  lines.push('', 'Contact preferences:', ...formatPreferences(p.preferences).split('\n').map((l) => `  ${l}`));
  const s = p.scores;
  lines.push('', 'Scores:');
  if (s.analysis) lines.push(`  ${s.analysis.explanation}`);
  else lines.push('  not scored by the current analysis');
  if (s.segment) {
    lines.push(
      `  segment ${s.segment.label}: ${s.segment.tenureDays} days, profit ${money(s.segment.profit, s.segment.currency)} — ${s.segment.treatment}`,
      `  RFM ${s.segment.rfm.r}-${s.segment.rfm.f}-${s.segment.rfm.m} (recency ${s.segment.rfm.recencyDays} days, ${s.segment.rfm.frequency} purchases, ${money(s.segment.rfm.monetary, s.segment.currency)})`,
    );
  }
  if (s.recovery) {
    lines.push(
      `  worth winning back: EV ${money(s.recovery.expectedValueReporting, s.recovery.reportingCurrency) || money(s.recovery.expectedValue, s.recovery.currency)} (${s.recovery.reasonCode ?? 'no reason'})`,
      `    ${s.recovery.factors}`,
    );
  }
  if (p.pAliveHistory.length > 1) lines.push(`  P(alive) over analyses: ${p.pAliveHistory.map((h) => `${day(h.asOf)} ${pct(h.pAlive)}${h.validation ? ' (validation)' : ''}`).join(', ')}`);
  lines.push('', `Contracts: ${p.contracts.length}`);
  for (const k of p.contracts) {
    lines.push(
      `  ${k.externalId} ${k.plan ?? ''} ${day(k.startedAt)}–${day(k.endsAt ?? k.cancelledAt)} ${money(k.monthlyValue, k.currency)}/month` +
        (k.cancelledAt ? `, cancelled ${day(k.cancelledAt)}${k.reason ? `: ${k.reason.code}${k.reason.verifiedCode ? ' (verified)' : ''}` : ''}${k.cancellationReason ? ` "${k.cancellationReason}"` : ''}` : ''),
    );
  }
  lines.push(
    '',
    `Orders: ${p.orders.count}${p.orders.count ? ` (${day(p.orders.firstAt)} … ${day(p.orders.lastAt)}): ${p.orders.byCurrency.map((r) => money(r.revenue, r.currency)).join(', ')}` : ''}`,
    `Interactions: ${p.interactions.count}; contacts logged: ${p.contacts.length}${p.contacts.length === 20 ? '+' : ''}; recovery calls: ${p.recoveryCalls.length}`,
  );
  for (const k of p.recoveryCalls.slice(0, 5)) lines.push(`  call ${day(k.occurredAt)} by ${k.employee ?? '?'}: ${k.outcome}${k.customerExplanation ? ` — "${k.customerExplanation}"` : ''}`);
  return lines.filter((l, i) => !(l === '' && lines[i - 1] === '')).join('\n');
}

function describeEvent(e: TimelineEvent): string {
  switch (e.type) {
    case 'order':
      return `order ${money(e.amount, e.currency)}${e.externalId ? ` (${e.externalId})` : ''}`;
    case 'contract_started':
      return `contract ${e.externalId} started${e.plan ? ` (${e.plan})` : ''}, ${money(e.monthlyValue, e.currency)}/month`;
    case 'contract_cancelled':
      return `contract ${e.externalId} cancelled${e.reasonCode ? `: ${e.reasonCode}` : ''}${e.cancellationReason ? ` "${e.cancellationReason}"` : ''}`;
    case 'interaction':
      return `${e.interactionType.replace('_', ' ')}${e.severity ? ` (${e.severity})` : ''}${e.summary ? `: ${e.summary}` : ''}`;
    case 'contact':
      return `${e.action} by ${e.channel}${e.allowed ? '' : ` refused (${e.rule})`}${e.employee ? ` — ${e.employee}` : ''}`;
    case 'recovery_call':
      return `recovery call: ${e.outcome}${e.employee ? ` — ${e.employee}` : ''}${e.customerExplanation ? ` "${e.customerExplanation}"` : ''}`;
    case 'state_change':
      return `${e.fromState ?? '(new)'} → ${e.toState}${e.rule ? ` (${e.rule})` : ''}`;
  }
}

export function formatTimeline(t: Timeline): string {
  const lines = t.events.map((e) => `${e.at.toISOString().slice(0, 16).replace('T', ' ')}  ${describeEvent(e)}`);
  if (t.next) lines.push(`… older: --before ${t.next}`);
  return lines.join('\n') || 'no events';
}

export function formatPeople(teams: Team[], employees: Employee[]): string {
  return [
    table(['team', 'name', 'employees'], teams.map((t) => [t.code, t.name, String(t.employees)])),
    '',
    table(['code', 'name', 'role', 'team'], employees.map((e) => [e.code, e.name, e.role, e.team ?? ''])),
  ].join('\n');
}
