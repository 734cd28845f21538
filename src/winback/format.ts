/**
 * Text forms of step 4 for the CLI (the API returns the objects as JSON): cycles and their progress, a claimed
 * call, the call workspace an agent reads before dialling, the offer catalogue.
 */
import { major } from '../currency/money.js';
import { table } from '../identify/service.js';
import type { RecordedCall } from './calls.js';
import type { CycleProgress, StartCycleResult, listCycles } from './cycles.js';
import type { Offer, OfferProposal } from './offers.js';
import type { ClaimedCall } from './queue.js';
import { describeTerms } from './terms.js';
import type { CycleTargetPage } from './targets.js';
import type { CallWorkspace } from './workspace.js';

const money = (minor: number | null, currency: string | null) => (minor === null ? '—' : `${currency ?? ''} ${major(minor, currency)}`.trim());
const day = (d: Date | string | null) => (d === null ? '—' : new Date(d).toISOString().slice(0, 10));
const minute = (d: Date | string) => new Date(d).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

export function formatCycleList(cycles: Awaited<ReturnType<typeof listCycles>>): string {
  if (cycles.length === 0) return 'no rescue cycles yet (winback cycle create …)';
  return table(
    ['id', 'name', 'status', 'period', 'started'],
    cycles.map((c) => [String(c.id), c.name, c.status, `${day(c.periodStart)} – ${day(c.periodEnd)}`, day(c.startedAt)]),
  );
}

export function formatStart(r: StartCycleResult): string {
  const executives = r.assignedToExecutives.map((e) => `employee ${e.employeeId}: ${e.targets}`).join(', ');
  return [
    `cycle ${r.cycleId} started: ${r.targets} targets, ${r.holdout} held out as the control group (seed ${r.seed}, never contacted in this cycle)`,
    `executives: ${executives || 'none'}; team queue: ${r.queue}`,
  ].join('\n');
}

export function formatProgress(p: CycleProgress): string {
  const outcomes = Object.entries(p.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet';
  const statuses = Object.entries(p.byStatus).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `cycle ${p.id} ${p.name} (${p.status}), ${day(p.periodStart)} – ${day(p.periodEnd)}`,
    `targets ${p.targets}, holdout ${p.holdout} (${(p.holdoutShare * 100).toFixed(0)}%, seed ${p.holdoutSeed ?? '—'})`,
    `contacted ${p.contacted}, won back ${p.wonBack}; outcomes: ${outcomes}`,
    `targets by status: ${statuses || '—'}`,
    `offer budget ${money(p.offerBudget, p.currency)}, committed ${money(p.budgetCommitted, p.currency)}, left ${money(p.offerBudget - p.budgetCommitted, p.currency)}`,
  ].join('\n');
}

export function formatClaim(c: ClaimedCall | null): string {
  if (!c) return 'nothing to call now: every due target is taken, held out, or outside its contact rules';
  const lines = [`call customer ${c.customerId} (rank ${c.rank}${c.assignedToMe ? ', assigned to you' : ''}, attempt ${c.attempts + 1}); claim held until ${minute(c.claimExpiresAt)}`];
  for (const s of c.skipped) lines.push(`  passed over customer ${s.customerId}: ${s.message}`);
  return lines.join('\n');
}

export function formatOffers(offers: readonly Offer[]): string {
  return table(
    ['id', 'code', 'kind', 'terms', 'segments', 'reasons', 'uplift', 'active'],
    offers.map((o) => [String(o.id), o.code, o.kind, describeTerms(o.terms, money), o.eligibleSegments?.join(',') ?? 'any', o.eligibleReasons?.join(',') ?? 'any', o.uplift.toFixed(2), o.active ? 'yes' : 'no']),
  );
}

function formatProposals(proposals: readonly OfferProposal[]): string {
  return table(
    ['offer', 'terms', 'cost', 'P(recovery)', 'adds', 'why not'],
    proposals.map((p) => [
      p.offer.code,
      describeTerms(p.offer.terms, money),
      money(p.cost, p.currency),
      p.pWithOffer.toFixed(2),
      p.addedValue === null ? '' : money(p.addedValue, p.currency),
      p.because ?? '',
    ]),
  );
}

export function formatWorkspace(w: CallWorkspace): string {
  const c = w.customer;
  const lines = [`${c.name ?? '(no name)'}${c.company ? `, ${c.company}` : ''} (${c.externalId}, id ${c.id})`];
  lines.push(`  phone ${c.phone ?? '—'}, email ${c.email ?? '—'}, ${c.country ?? '—'}${c.localTime ? `, local time ${c.localTime} (${c.timezone})` : ''}`);
  lines.push(`  served by ${c.servedBy ?? '—'} (${c.team ?? 'no team'}), customer since ${day(c.acquiredAt)}`);
  if (w.state) lines.push(`  state: ${w.state.state} since ${day(w.state.since)}${w.state.latentNeed ? ' — still shows need' : ''}`);
  const d = w.departure;
  if (d) {
    lines.push(`  left: ${d.plan ?? 'contract'} ${money(d.monthlyValue, d.currency)}/month, ${day(d.startedAt)} – ${day(d.endedAt ?? d.cancelledAt)}`);
    if (d.reasonText) lines.push(`  in their words: "${d.reasonText}"`);
    if (d.mappedReason) lines.push(`  reason: ${d.mappedReason.code} (${d.mappedReason.label ?? ''})${d.mappedReason.rule ? `, matched "${d.mappedReason.rule}"` : ''}`);
    if (d.verifiedReason) lines.push(`  verified on a call: ${d.verifiedReason.code} (${d.verifiedReason.label ?? ''})`);
  }
  const r = w.relationship;
  lines.push(
    `  ${r.orders} orders${r.orders ? ` (${day(r.firstOrderAt)} – ${day(r.lastOrderAt)}; ${r.revenue.map((x) => money(x.amount, x.currency)).join(', ')})` : ''}; segment ${r.segment ?? '—'}; P(alive) ${r.pAlive?.toFixed(2) ?? '—'}; CLV ${r.clv ? money(r.clv.amount, r.clv.currency) : '—'}`,
  );
  if (w.target) {
    const t = w.target;
    lines.push(`  target rank ${t.rank} (${t.status}), P(recovery) ${t.pRecovery.toFixed(2)}, value if won back ${money(t.valueIfRecovered, t.currency)}, expected value ${money(t.expectedValue, t.currency)}, attempts ${t.attempts}`);
  }
  for (const i of w.recentInteractions.slice(0, 5)) lines.push(`  ${day(i.occurredAt)} ${i.type}${i.severity ? ` (${i.severity})` : ''}: ${i.summary ?? ''}`);
  for (const p of w.previousCalls) lines.push(`  earlier call ${day(p.occurredAt)} by ${p.employee}: ${p.outcome}${p.customerExplanation ? ` — "${p.customerExplanation}"` : ''}`);
  const p = w.preferences;
  if (p.doNotContact) lines.push(`  DO NOT CONTACT since ${day(p.doNotContactAt)} (${p.doNotContactSource ?? ''})`);
  else if (p.stated) {
    const hours = p.contactHoursStart && p.contactHoursEnd ? `, ${p.contactHoursStart}–${p.contactHoursEnd}` : '';
    lines.push(`  prefers ${p.allowedChannels?.join(', ') ?? 'any channel'}${hours}${p.preferredEmployee ? `, contact person ${p.preferredEmployee.name}` : ''}`);
  }
  lines.push(w.callNow.allowed ? '  a call is allowed now' : `  a call now is REFUSED by rule ${w.callNow.rule}: ${w.callNow.message}`);
  if (w.budget) lines.push(`  offer budget left ${money(w.budget.remaining, w.budget.currency)} of ${money(w.budget.total, w.budget.currency)}`);
  lines.push('', 'The call: apologise → listen → diagnose and verify the reason → support → offer → outcome', '', formatProposals(w.offers));
  return lines.join('\n');
}

export function formatRecordedCall(r: RecordedCall): string {
  const parts = [`call ${r.callId} recorded: ${r.outcome}`];
  if (r.stateChanged) parts.push('customer is now won back');
  if (r.offerCharged) parts.push(`${money(r.offerCharged.amount, r.offerCharged.currency)} charged to the cycle budget`);
  if (r.targetStatus) parts.push(`target ${r.targetStatus}`);
  return parts.join('; ');
}

export function formatTargets(p: CycleTargetPage): string {
  if (p.total === 0) return `cycle ${p.cycleId}: no targets match`;
  const rows = p.targets.map((t) => [
    String(t.rank),
    `${t.name ?? '(no name)'} (${t.externalId})`,
    t.holdout ? 'holdout' : t.status,
    t.segment ?? '',
    t.reasonCode ?? '',
    money(t.expectedValue, t.currency),
    t.assignedTo?.name ?? '',
    t.claimedBy?.name ?? '',
    String(t.attempts),
    t.outcome ?? '',
  ]);
  const shown = `${p.offset + 1}–${p.offset + p.targets.length} of ${p.total}`;
  return `${table(['rank', 'customer', 'status', 'segment', 'reason', 'expected value', 'assigned to', 'claimed by', 'attempts', 'outcome'], rows)}\n${shown}`;
}
