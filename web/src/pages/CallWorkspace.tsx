import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ContactRefusal } from '../../../src/contact/rules';
import { OFFER_RESPONSES, OUTCOMES } from '../../../src/winback/vocabulary';
import { api, type ApiError } from '../api';
import { useActing } from '../acting';
import { Async, Badge, Card, Empty, ErrorBox, Loading, PageHeader, StateBadge } from '../components/ui';
import { dateTime, day, label, money, offerTerms, pct } from '../format';
import { useAction, useApi } from '../hooks';
import { Link, useQueryState, useTitle } from '../router';
import { ReasonSelect } from './common';
import type { Claim, CycleSummary, Workspace } from '../types';

const STEPS = ['Apologise', 'Listen', 'Diagnose & verify', 'Support', 'Offer', 'Outcome'] as const;

/** The contact rules by the name the API gives them (details.rule), for people. */
export const CONTACT_RULE_LABEL: Record<string, string> = {
  do_not_contact: 'Do not contact',
  channel_not_allowed: 'Channel not allowed',
  frequency: 'Contact frequency',
  quiet_hours: 'Calling hours',
  preferred_person: 'Preferred contact person',
} satisfies Record<ContactRefusal['type'], string>;

/** A contact rule that forbids the call: its name for people, its code, and what the API said. */
function RuleRefusal({ title, rule, message, testId, children }: { title: string; rule: string | null; message: string | null; testId: string; children?: ReactNode }) {
  return (
    <div className="error-box refusal" role="alert" data-testid={testId} data-rule={rule ?? undefined}>
      <strong>{title}</strong>
      <p>
        Contact rule: <span className="rule-name">{rule ? (CONTACT_RULE_LABEL[rule] ?? rule) : 'unknown'}</span> {rule ? <code>{rule}</code> : null}
      </p>
      {message ? <p>{message}</p> : null}
      {children}
    </div>
  );
}

/** A refusal from the API: the rule, its message, and where the refused call's target went (the claim is given back). */
const refusalOf = (e: ApiError | undefined) => {
  if (!e || e.domain !== 'contact' || e.code !== 'refused') return null;
  const details = (e.details ?? {}) as { rule?: unknown; target?: { status?: unknown; dueAt?: unknown } };
  const target = details.target && typeof details.target.status === 'string' ? { status: details.target.status, dueAt: typeof details.target.dueAt === 'string' ? details.target.dueAt : null } : null;
  return { rule: typeof details.rule === 'string' ? details.rule : null, message: e.message, target };
};

const typing = (e: KeyboardEvent) => {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
};

function Story({ w }: { w: Workspace }) {
  const c = w.customer;
  return (
    <Card title="The customer's story" testId="story">
      <h2 style={{ fontSize: 18 }}>
        {c.name ?? c.externalId} <StateBadge state={w.state?.state} />
      </h2>
      <p className="muted small">
        {c.company ? `${c.company} · ` : ''}
        {c.externalId} · <Link to={`/customers/${c.id}`}>profile</Link>
      </p>
      <dl className="facts">
        <dt>Phone</dt>
        <dd>
          <strong>{c.phone ?? '—'}</strong>
        </dd>
        <dt>Their time</dt>
        <dd>{c.localTime ?? '—'}</dd>
        <dt>Served by</dt>
        <dd>
          {c.servedBy ?? '—'} {c.team ? `(${c.team})` : ''}
        </dd>
        <dt>Relationship</dt>
        <dd>
          {w.relationship.orders} orders {day(w.relationship.firstOrderAt)} … {day(w.relationship.lastOrderAt)}; {w.relationship.revenue.map((r) => money(r.amount, r.currency)).join(', ')}
          {w.relationship.segment ? ` · ${label(w.relationship.segment)}` : ''}
          {w.relationship.clv ? ` · CLV ${money(w.relationship.clv.amount, w.relationship.clv.currency)}` : ''}
        </dd>
        {w.departure ? (
          <>
            <dt>Left</dt>
            <dd>
              {w.departure.plan} {money(w.departure.monthlyValue, w.departure.currency)}/month, cancelled {day(w.departure.cancelledAt)}
              {w.departure.reasonText ? <div>“{w.departure.reasonText}”</div> : null}
              <div className="muted small">
                reason {w.departure.verifiedReason ? `${w.departure.verifiedReason.code} (verified)` : w.departure.mappedReason ? `${w.departure.mappedReason.code} (mapped, to verify)` : 'unknown'}
              </div>
            </dd>
          </>
        ) : (
          <>
            <dt>Left</dt>
            <dd>stopped buying{w.state ? ` (${w.state.state} since ${day(w.state.since)})` : ''}; no reason given</dd>
          </>
        )}
        {w.target ? (
          <>
            <dt>Worth</dt>
            <dd>
              rank {w.target.rank}, P(recovery) {pct(w.target.pRecovery, 0)} × {money(w.target.valueIfRecovered, w.target.currency)} → {money(w.target.expectedValue, w.target.currency)}; attempt {w.target.attempts + 1}
            </dd>
          </>
        ) : null}
        {w.preferences.stated ? (
          <>
            <dt>Preferences</dt>
            <dd>
              {w.preferences.doNotContact ? <Badge tone="dnc">DO NOT CONTACT</Badge> : null} channels {w.preferences.allowedChannels?.join(', ') ?? 'any'}
              {w.preferences.contactHoursStart && w.preferences.contactHoursEnd ? `, ${w.preferences.contactHoursStart}–${w.preferences.contactHoursEnd}` : ''}
              {w.preferences.preferredEmployee ? `, contact person ${w.preferences.preferredEmployee.name}` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      {w.previousCalls.length ? (
        <>
          <h3>Earlier calls</h3>
          {w.previousCalls.map((p) => (
            <div key={p.id} className="small">
              {dateTime(p.occurredAt)} {p.employee}: <strong>{label(p.outcome)}</strong> {p.customerExplanation ? `“${p.customerExplanation}”` : ''} {p.nextStep ? `→ ${p.nextStep}` : ''}
            </div>
          ))}
        </>
      ) : null}
      {w.recentInteractions.length ? (
        <>
          <h3>Recent interactions</h3>
          {w.recentInteractions.slice(0, 5).map((i, k) => (
            <div key={k} className="small">
              {day(i.occurredAt)} {label(i.type)}
              {i.severity ? ` (${i.severity})` : ''}: {i.summary}
            </div>
          ))}
        </>
      ) : null}
    </Card>
  );
}

function GuidedCall({ w, cycleId, employeeId, onRecorded, onRefused }: { w: Workspace; cycleId: number; employeeId: number; onRecorded: (outcome: string) => void; onRefused: () => void }) {
  const [step, setStep] = useState(0);
  const [rec, setRec] = useState({
    apologyMade: false,
    customerExplanation: '',
    diagnosedReason: w.departure?.verifiedReason?.code ?? w.departure?.mappedReason?.code ?? '',
    reasonConfirmed: '' as '' | 'yes' | 'no',
    supportExtended: '',
    offerId: '' as string,
    offerResponse: 'accepted',
    outcome: 'won_back' as string,
    nextStep: '',
    callbackAt: '',
    notes: '',
  });
  const panel = useRef<HTMLDivElement>(null);
  const eligible = w.offers.filter((o) => o.eligible);
  const record = useAction(async () => {
    const conversation = rec.outcome !== 'unreachable';
    await api.post('/api/v1/calls', {
      customerId: w.customer.id,
      cycleId,
      employeeId,
      channel: 'phone',
      apologyMade: rec.apologyMade,
      ...(conversation && rec.customerExplanation ? { customerExplanation: rec.customerExplanation } : {}),
      ...(conversation && rec.diagnosedReason ? { diagnosedReason: rec.diagnosedReason, reasonConfirmed: rec.reasonConfirmed === 'yes' } : {}),
      ...(conversation && rec.supportExtended ? { supportExtended: rec.supportExtended } : {}),
      ...(conversation && rec.offerId ? { offer: { offerId: Number(rec.offerId), response: rec.offerResponse } } : {}),
      outcome: rec.outcome,
      ...(rec.nextStep ? { nextStep: rec.nextStep } : {}),
      ...(rec.callbackAt ? { callbackAt: new Date(rec.callbackAt).toISOString() } : {}),
      ...(rec.notes ? { notes: rec.notes } : {}),
    }).catch((e: unknown) => {
      // A contact rule refused the call: the customer's facts changed since the workspace opened; show them as they are now.
      if (refusalOf(e as ApiError)) onRefused();
      throw e;
    });
    onRecorded(rec.outcome);
  });
  const refused = refusalOf(record.error);
  // Keyboard: Alt+1…6 or Alt+←/→ move between steps, Ctrl+Enter records the call.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key >= '1' && e.key <= '6') {
        e.preventDefault();
        setStep(Number(e.key) - 1);
      } else if (e.altKey && e.key === 'ArrowRight') setStep((s) => Math.min(STEPS.length - 1, s + 1));
      else if (e.altKey && e.key === 'ArrowLeft') setStep((s) => Math.max(0, s - 1));
      else if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        void record.run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [record]);
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('input, textarea, select')?.focus();
  }, [step]);
  const done = [rec.apologyMade, !!rec.customerExplanation, !!rec.diagnosedReason && rec.reasonConfirmed !== '', !!rec.supportExtended, !!rec.offerId, false];
  const set = (changes: Partial<typeof rec>) => setRec({ ...rec, ...changes });
  const next = () => setStep((s) => Math.min(STEPS.length - 1, s + 1));
  return (
    <Card title="Guided call" testId="guided-call" actions={<span className="muted small"><span className="kbd">Alt</span>+<span className="kbd">1</span>…<span className="kbd">6</span> steps · <span className="kbd">Ctrl</span>+<span className="kbd">Enter</span> record</span>}>
      {!w.callNow.allowed ? <RuleRefusal title="Calling now is not allowed" rule={w.callNow.rule} message={w.callNow.message} testId="call-refused" /> : null}
      <div className="steps" role="tablist">
        {STEPS.map((s, i) => (
          <button key={s} type="button" role="tab" aria-selected={i === step} className={i === step ? 'on' : done[i] ? 'done' : ''} onClick={() => setStep(i)}>
            {i + 1}. {s}
            {done[i] ? ' ✓' : ''}
          </button>
        ))}
      </div>
      <div ref={panel} onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLElement).tagName === 'INPUT' && (e.preventDefault(), next())}>
        {step === 0 ? (
          <div>
            <p>Start by apologising for what went wrong — whatever it was. Say it in your own words.</p>
            <label className="row" style={{ gap: 6 }}>
              <input type="checkbox" checked={rec.apologyMade} onChange={(e) => set({ apologyMade: e.target.checked })} aria-label="Apology made" /> I apologised
            </label>
          </div>
        ) : null}
        {step === 1 ? (
          <label className="field">
            Listen: why did they leave, in their words?
            <textarea value={rec.customerExplanation} onChange={(e) => set({ customerExplanation: e.target.value })} aria-label="Customer's explanation" />
          </label>
        ) : null}
        {step === 2 ? (
          <div className="filters">
            <ReasonSelect value={rec.diagnosedReason} onChange={(v) => set({ diagnosedReason: v })} label="Diagnosed reason" any="not diagnosed" />
            <label>
              Did the customer confirm it?
              <select value={rec.reasonConfirmed} onChange={(e) => set({ reasonConfirmed: e.target.value as '' | 'yes' | 'no' })} aria-label="Reason confirmed">
                <option value="">—</option>
                <option value="yes">yes, confirmed</option>
                <option value="no">no</option>
              </select>
            </label>
          </div>
        ) : null}
        {step === 3 ? (
          <label className="field">
            Support: what did you do about the problem?
            <textarea value={rec.supportExtended} onChange={(e) => set({ supportExtended: e.target.value })} aria-label="Support extended" />
          </label>
        ) : null}
        {step === 4 ? (
          <div>
            <p className="muted small">
              Eligible offers, best added value first
              {w.budget ? `; budget left ${money(w.budget.remaining, w.budget.currency)} of ${money(w.budget.total, w.budget.currency)}` : ''}.
            </p>
            {eligible.length === 0 ? <Empty>No offer is eligible for this customer within the budget.</Empty> : null}
            <ul className="offer-list" data-testid="offers-ranked">
              {w.offers.map((o) => (
                <li key={o.offer.id} className={rec.offerId === String(o.offer.id) ? 'chosen' : undefined} style={o.eligible ? undefined : { opacity: 0.5 }}>
                  <input
                    type="radio"
                    name="offer"
                    disabled={!o.eligible}
                    checked={rec.offerId === String(o.offer.id)}
                    onChange={() => set({ offerId: String(o.offer.id) })}
                    aria-label={o.offer.name}
                  />
                  <div>
                    <strong>{o.offer.name}</strong> <span className="muted small">{offerTerms(o.offer.terms)}</span>
                    <div className="small">
                      {o.eligible
                        ? `P(recovery) → ${pct(o.pWithOffer, 0)}; cost ${money(o.cost, o.currency)}; adds ${money(o.addedValue, o.currency)}`
                        : `not eligible: ${o.because}`}
                    </div>
                  </div>
                </li>
              ))}
            </ul>
            {rec.offerId ? (
              <div className="row" style={{ marginTop: 8 }}>
                <label className="field">
                  Their answer
                  <select value={rec.offerResponse} onChange={(e) => set({ offerResponse: e.target.value })} aria-label="Offer response">
                    {OFFER_RESPONSES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="button" className="link-button" onClick={() => set({ offerId: '' })}>
                  make no offer
                </button>
              </div>
            ) : null}
          </div>
        ) : null}
        {step === 5 ? (
          <div className="filters">
            <label>
              Outcome
              <select value={rec.outcome} onChange={(e) => set({ outcome: e.target.value })} aria-label="Outcome">
                {OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {label(o)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Next step
              <input value={rec.nextStep} onChange={(e) => set({ nextStep: e.target.value })} aria-label="Next step" size={30} />
            </label>
            <label>
              Call back
              <input type="datetime-local" value={rec.callbackAt} onChange={(e) => set({ callbackAt: e.target.value })} aria-label="Call back at" />
            </label>
            <label>
              Notes
              <input value={rec.notes} onChange={(e) => set({ notes: e.target.value })} aria-label="Notes" size={30} />
            </label>
          </div>
        ) : null}
      </div>
      <div className="row" style={{ marginTop: 14 }}>
        {step < STEPS.length - 1 ? (
          <button type="button" onClick={next}>
            Next step →
          </button>
        ) : null}
        <span className="spacer" />
        <button className="primary" type="button" onClick={() => void record.run()} disabled={record.running}>
          {record.running ? 'Recording…' : 'Record the call'}
        </button>
      </div>
      {refused ? (
        <RuleRefusal title="The call was not recorded: a contact rule refused it" rule={refused.rule} message={refused.message} testId="record-refused">
          <p className="muted small" data-testid="refused-target">
            The refusal is in the customer's contact log.{' '}
            {refused.target?.status === 'blocked'
              ? 'The customer has left this cycle\'s queue and your claim is released: take the next call (n).'
              : refused.target
                ? `The call went back to the queue${refused.target.dueAt ? `, due again ${dateTime(refused.target.dueAt)}` : ''}, and your claim is released: take the next call (n).`
                : 'Take the next call (n).'}
          </p>
        </RuleRefusal>
      ) : record.error ? (
        <ErrorBox error={record.error} title="The call was not recorded" />
      ) : null}
    </Card>
  );
}

export default function CallWorkspace() {
  useTitle('Call workspace');
  const { employee } = useActing();
  const [q, setQ] = useQueryState();
  const cycles = useApi<{ cycles: CycleSummary[] }>('/api/v1/cycles');
  const active = cycles.data?.cycles.filter((c) => c.status === 'active') ?? [];
  const cycleId = Number(q.get('cycle') ?? active[0]?.id ?? 0);
  const customerId = Number(q.get('customer') ?? 0);
  const [notice, setNotice] = useState<string | null>(null);
  const workspace = useApi<Workspace>(employee && cycleId && customerId ? `/api/v1/cycles/${cycleId}/workspace/${customerId}?employeeId=${employee.id}` : null);
  const claim = useAction(async () => {
    if (!employee || !cycleId) return;
    setNotice(null);
    const c = await api.post<Claim | null>(`/api/v1/cycles/${cycleId}/next-call`, { employeeId: employee.id });
    if (!c) {
      setQ({ customer: null });
      setNotice('Nothing is due now: every target is called, claimed, waiting for a retry, or may not be contacted at this hour.');
      return;
    }
    if (c.skipped.length) setNotice(`Passed over ${c.skipped.length} customer(s) a contact rule forbids calling now (${[...new Set(c.skipped.map((s) => s.rule))].join(', ')}).`);
    setQ({ cycle: String(cycleId), customer: String(c.customerId) });
  });
  const release = useAction(async () => {
    if (!employee) return;
    await api.del(`/api/v1/cycles/${cycleId}/claims/${customerId}?employeeId=${employee.id}`);
    setQ({ customer: null });
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!typing(e) && !e.altKey && !e.ctrlKey && !e.metaKey && e.key === 'n') {
        e.preventDefault();
        void claim.run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [claim]);
  return (
    <>
      <PageHeader title="Call workspace">
        {active.length > 1 ? (
          <select value={String(cycleId)} onChange={(e) => setQ({ cycle: e.target.value, customer: null })} aria-label="Cycle">
            {active.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        ) : null}
        {customerId && workspace.data?.target?.status === 'claimed' ? (
          <button type="button" onClick={() => void release.run()} disabled={release.running}>
            Give the call back
          </button>
        ) : null}
        <button className="primary" type="button" onClick={() => void claim.run()} disabled={!employee || !cycleId || claim.running} title="Keyboard: n">
          Next call <span className="kbd">n</span>
        </button>
      </PageHeader>
      {!employee ? <div className="warning">Choose who you are in “Acting as” at the top: calls are claimed and recorded for that employee.</div> : null}
      {cycles.error ? <ErrorBox error={cycles.error} /> : null}
      {cycles.data && active.length === 0 ? (
        <Empty>
          No active rescue cycle. Start one from the <Link to="/recovery">recovery list</Link>.
        </Empty>
      ) : null}
      {claim.error ? <ErrorBox error={claim.error} /> : null}
      {release.error ? <ErrorBox error={release.error} /> : null}
      {notice ? <div className="notice" data-testid="call-notice">{notice}</div> : null}
      {!customerId && employee && cycleId ? <Empty>Press “Next call” (or n) to claim the most valuable call that is due.</Empty> : null}
      {customerId && employee ? (
        workspace.loading && !workspace.data ? (
          <Loading what="Opening the customer's story" />
        ) : (
          <Async data={workspace.data} error={workspace.error} loading={workspace.loading}>
            {(w) => (
              <div className="grid2" key={w.customer.id}>
                <Story w={w} />
                <GuidedCall
                  w={w}
                  cycleId={cycleId}
                  employeeId={employee.id}
                  onRecorded={(outcome) => {
                    setNotice(`Recorded: ${label(outcome)} for ${w.customer.name ?? w.customer.externalId}. Press n for the next call.`);
                    setQ({ customer: null });
                  }}
                  onRefused={workspace.reload}
                />
              </div>
            )}
          </Async>
        )
      ) : null}
    </>
  );
}
