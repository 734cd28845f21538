import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { CONTACT_CHANNELS } from '../../../src/contact/vocabulary';
import { api, type ApiError } from '../api';
import { Chart } from '../components/Chart';
import { Async, Badge, Card, Empty, ErrorBox, Loading, PageHeader, StateBadge } from '../components/ui';
import { dateTime, day, label, money, num, pct } from '../format';
import { useAction, useApi } from '../hooks';
import { Link, useTitle } from '../router';
import type { Preferences, Profile, Timeline as TimelinePage, TimelineEvent } from '../types';
import { EmployeeSelect } from './common';

function describe(e: TimelineEvent): { kind: string; text: string } {
  const s = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  switch (e.type) {
    case 'order':
      return { kind: 'order', text: `Order ${s(e.externalId)} ${money(e.amount, e.currency, true)}` };
    case 'contract_started':
      return { kind: 'contract', text: `Contract ${e.externalId} started: ${s(e.plan)} ${money(e.monthlyValue, e.currency, true)} a month` };
    case 'contract_cancelled':
      return { kind: 'contract', text: `Contract ${e.externalId} cancelled${e.cancellationReason ? `: “${e.cancellationReason}”` : ''}${e.reasonCode ? ` → ${e.reasonCode}` : ''}` };
    case 'interaction':
      return { kind: 'interaction', text: `${label(e.interactionType)}${e.channel ? ` by ${e.channel}` : ''}${e.severity ? ` (${e.severity})` : ''}${e.summary ? `: ${e.summary}` : ''}` };
    case 'contact':
      return { kind: 'call', text: `${e.allowed ? 'Contact' : 'Contact refused'} by ${e.channel}${e.employee ? ` (${e.employee})` : ''}${e.rule ? ` — rule ${e.rule}` : ''}${e.detail ? `: ${e.detail}` : ''}` };
    case 'recovery_call':
      return {
        kind: 'call',
        text: `Recovery call by ${e.employee || 'an agent'}: ${label(e.outcome)}${e.diagnosedReason ? `; reason ${e.diagnosedReason}${e.reasonConfirmed ? ' (confirmed)' : ''}` : ''}${e.offer ? `; offer ${e.offer} ${s(e.offerResponse)}` : ''}${e.customerExplanation ? ` — “${e.customerExplanation}”` : ''}`,
      };
    case 'state_change':
      return { kind: 'state', text: `State ${e.fromState || '—'} → ${e.toState}${e.rule ? ` (${e.rule})` : ''}${e.valueLost ? `, ${money(e.valueLost, e.currency)} a year left` : ''}` };
    default:
      return { kind: 'other', text: (e as { type: string }).type };
  }
}

function Timeline({ id, version }: { id: number; version: number }) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const load = (before: string | null) => {
    setLoading(true);
    api
      .get<TimelinePage>(`/api/v1/customers/${id}/timeline`, { limit: 30, before })
      .then((t) => {
        setEvents((old) => (before ? [...old, ...t.events] : t.events));
        setNext(t.next);
        setLoading(false);
      })
      .catch((e: ApiError) => {
        setError(e);
        setLoading(false);
      });
  };
  useEffect(() => load(null), [id, version]); // eslint-disable-line react-hooks/exhaustive-deps
  if (error) return <ErrorBox error={error} />;
  if (loading && events.length === 0) return <Loading what="Reading the history" />;
  if (events.length === 0) return <Empty>Nothing has happened with this customer yet.</Empty>;
  return (
    <>
      <ul className="timeline" data-testid="timeline">
        {events.map((e) => {
          const d = describe(e);
          return (
            <li key={`${e.type}-${e.id}`} className={`kind-${d.kind}`}>
              <div className="muted small">{dateTime(e.at)}</div>
              <div>{d.text}</div>
            </li>
          );
        })}
      </ul>
      {next ? (
        <button type="button" onClick={() => load(next)} disabled={loading}>
          {loading ? 'Loading…' : 'Older events'}
        </button>
      ) : null}
    </>
  );
}

function PreferencesForm({ id, prefs, onSaved }: { id: number; prefs: Preferences; onSaved: () => void }) {
  const [form, setForm] = useState({
    channels: prefs.allowedChannels ?? [...CONTACT_CHANNELS],
    maxContacts: prefs.maxContacts?.toString() ?? '',
    perDays: prefs.perDays?.toString() ?? '',
    start: prefs.contactHoursStart?.slice(0, 5) ?? '',
    end: prefs.contactHoursEnd?.slice(0, 5) ?? '',
    preferred: prefs.preferredEmployee?.code ?? '',
    doNotContact: prefs.doNotContact,
  });
  const save = useAction(async () => {
    await api.put(`/api/v1/customers/${id}/preferences`, {
      allowedChannels: form.channels,
      maxContacts: form.maxContacts === '' ? null : Number(form.maxContacts),
      perDays: form.perDays === '' ? null : Number(form.perDays),
      contactHoursStart: form.start || null,
      contactHoursEnd: form.end || null,
      preferredEmployee: form.preferred || null,
      doNotContact: form.doNotContact,
      ...(form.doNotContact && !prefs.doNotContact ? { doNotContactSource: 'web page' } : {}),
    });
    onSaved();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run();
  };
  return (
    <form onSubmit={submit} data-testid="preferences">
      <div className="field" style={{ marginBottom: 8 }}>
        Channels allowed
        <div className="row">
          {CONTACT_CHANNELS.map((c) => (
            <label key={c} className="row" style={{ gap: 4, color: 'var(--ink)' }}>
              <input
                type="checkbox"
                checked={form.channels.includes(c)}
                onChange={(e) => setForm({ ...form, channels: e.target.checked ? [...form.channels, c] : form.channels.filter((x) => x !== c) })}
              />
              {c}
            </label>
          ))}
        </div>
      </div>
      <div className="filters">
        <label>
          At most (contacts)
          <input type="number" min={0} value={form.maxContacts} onChange={(e) => setForm({ ...form, maxContacts: e.target.value })} style={{ width: 70 }} />
        </label>
        <label>
          per (days)
          <input type="number" min={1} value={form.perDays} onChange={(e) => setForm({ ...form, perDays: e.target.value })} style={{ width: 70 }} />
        </label>
        <label>
          Hours from
          <input type="time" value={form.start} onChange={(e) => setForm({ ...form, start: e.target.value })} />
        </label>
        <label>
          to
          <input type="time" value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} />
        </label>
        <EmployeeSelect value={form.preferred} onChange={(preferred) => setForm({ ...form, preferred })} label="Preferred contact" none="nobody in particular" />
      </div>
      <label className="row" style={{ gap: 6, fontWeight: 600, color: form.doNotContact ? 'var(--bad)' : undefined }}>
        <input type="checkbox" checked={form.doNotContact} onChange={(e) => setForm({ ...form, doNotContact: e.target.checked })} aria-label="Do not contact" /> Do not contact this customer
      </label>
      <div className="row" style={{ marginTop: 8 }}>
        <button className="primary" type="submit" disabled={save.running}>
          Save preferences
        </button>
        {prefs.updatedAt ? <span className="muted small">last changed {dateTime(prefs.updatedAt)}</span> : <span className="muted small">none stated: the company's contact policy applies</span>}
      </div>
      {save.error ? <ErrorBox error={save.error} title="Not saved" /> : null}
    </form>
  );
}

export default function CustomerProfile({ params }: { params: string[] }) {
  const id = Number(params[0]);
  const [version, setVersion] = useState(0);
  const { data, error, loading, reload } = useApi<Profile>(`/api/v1/customers/${id}?v=${version}`);
  useTitle(data?.customer.name ?? 'Customer');
  const history = useMemo(() => {
    if (!data || data.pAliveHistory.length === 0) return null;
    const h = data.pAliveHistory.filter((p) => !p.validation);
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${num(v, 1)} %` },
      grid: { left: 56, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: h.map((p) => day(p.asOf)) },
      yAxis: { type: 'value', name: 'P(alive) (%)', min: 0, max: 100 },
      series: [{ name: 'P(alive)', type: 'line', data: h.map((p) => +(p.pAlive * 100).toFixed(1)), symbolSize: 8 }],
    };
  }, [data]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return loading ? <Loading what="Opening the customer" /> : null;
  const c = data.customer;
  const p = data.preferences;
  const s = data.scores;
  const refresh = () => {
    setVersion((v) => v + 1);
    reload();
  };
  return (
    <>
      <PageHeader title={c.name ?? c.externalId}>
        <StateBadge state={data.lifecycle?.state} />
        {data.lifecycle?.latentNeed ? <Badge tone="warn">latent need</Badge> : null}
        <Link to="/customers">← Customers</Link>
      </PageHeader>
      {p.doNotContact ? (
        <div className="dnc-banner" role="alert" data-testid="dnc-banner">
          DO NOT CONTACT — asked {day(p.doNotContactAt)}
          {p.doNotContactSource ? ` (${p.doNotContactSource})` : ''}. No call, letter or e-mail.
        </div>
      ) : null}
      <div className="grid2">
        <Card title="Facts">
          <dl className="facts">
            <dt>Customer id</dt>
            <dd>{c.externalId}</dd>
            <dt>Company</dt>
            <dd>{c.company ?? '—'}</dd>
            <dt>Contact</dt>
            <dd>
              {c.email ?? '—'} {c.phone ? ` · ${c.phone}` : ''}
            </dd>
            <dt>Country, zone</dt>
            <dd>
              {c.country ?? '—'} {c.timezone ? ` · ${c.timezone}` : ''}
            </dd>
            <dt>Served by</dt>
            <dd>
              {data.employee?.name ?? '—'} {data.team ? `(${data.team.name})` : ''}
            </dd>
            <dt>Customer since</dt>
            <dd>
              {day(c.acquiredAt)} {c.acquisitionChannel ? `via ${c.acquisitionChannel}` : ''}
            </dd>
            <dt>State</dt>
            <dd>
              <StateBadge state={data.lifecycle?.state} /> since {day(data.lifecycle?.since)}
            </dd>
            <dt>Orders</dt>
            <dd>
              {num(data.orders.count)} ({day(data.orders.firstAt)} … {day(data.orders.lastAt)}){' '}
              {data.orders.byCurrency.map((o) => `${money(o.revenue, o.currency)} revenue`).join(', ')}
            </dd>
            <dt>Contracts</dt>
            <dd>
              {data.contracts.length === 0
                ? 'none'
                : data.contracts.map((k) => (
                    <div key={k.id}>
                      {k.plan ?? k.externalId} {money(k.monthlyValue, k.currency)}/month from {day(k.startedAt)}
                      {k.cancelledAt ? `, cancelled ${day(k.cancelledAt)}${k.reason ? ` — ${k.reason.label ?? k.reason.code}${k.reason.verifiedCode ? ' (verified)' : ''}` : ''}` : ''}
                    </div>
                  ))}
            </dd>
          </dl>
        </Card>
        <Card title="Scores, explained" testId="scores">
          {s.analysis ? (
            <>
              <div className="stats">
                <div className="stat">
                  <div className="stat-label">P(alive)</div>
                  <div className="stat-value">{pct(s.analysis.pAlive, 0)}</div>
                </div>
                <div className="stat">
                  <div className="stat-label">CLV (24 months)</div>
                  <div className="stat-value">{money(s.analysis.clv, s.analysis.currency)}</div>
                  {s.analysis.clvReporting !== null && s.analysis.currency !== s.analysis.reportingCurrency ? <div className="stat-hint">{money(s.analysis.clvReporting, s.analysis.reportingCurrency)}</div> : null}
                </div>
                {s.recovery ? (
                  <div className="stat">
                    <div className="stat-label">Recovery value</div>
                    <div className="stat-value">{money(s.recovery.expectedValue, s.recovery.currency)}</div>
                    <div className="stat-hint">P(recovery) {pct(s.recovery.pRecovery, 0)}</div>
                  </div>
                ) : null}
              </div>
              <p className="small">{s.analysis.explanation}</p>
            </>
          ) : (
            <Empty>Not scored: the customer has no orders in the current analysis.</Empty>
          )}
          {s.segment ? (
            <p className="small">
              <strong>{s.segment.label}</strong> ({SEGMENT_NOTE}): {s.segment.treatment}. Tenure {num(s.segment.tenureDays)} days, profit {money(s.segment.profit, s.segment.currency)}; RFM {s.segment.rfm.r}-{s.segment.rfm.f}-{s.segment.rfm.m}.
            </p>
          ) : null}
          {s.recovery ? <p className="small">Worth winning back: {s.recovery.factors}</p> : null}
          {history ? <Chart option={history} label="P(alive) of this customer at each analysis, in percent" height={180} /> : null}
        </Card>
      </div>
      <div className="grid2">
        <Card title="Contact preferences">
          <PreferencesForm key={version} id={id} prefs={p} onSaved={refresh} />
        </Card>
        <Card title="Recovery calls">
          {data.recoveryCalls.length === 0 ? (
            <Empty>No recovery call yet.</Empty>
          ) : (
            <table data-testid="recovery-calls">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Agent</th>
                  <th>Outcome</th>
                  <th>Reason</th>
                  <th>Offer</th>
                </tr>
              </thead>
              <tbody>
                {data.recoveryCalls.map((r) => (
                  <tr key={r.id}>
                    <td>{dateTime(r.occurredAt)}</td>
                    <td>{r.employee ?? '—'}</td>
                    <td>
                      <strong>{label(r.outcome)}</strong>
                      {r.customerExplanation ? <div className="muted small">“{r.customerExplanation}”</div> : null}
                    </td>
                    <td>
                      {r.diagnosedReason ?? '—'}
                      {r.reasonConfirmed ? ' ✓' : ''}
                    </td>
                    <td>{r.offer ? `${r.offer} (${r.offerResponse})` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <div className="grid2">
        <Card title="Timeline">
          <Timeline id={id} version={version} />
        </Card>
        <Card title="State history">
          {data.stateHistory.length === 0 ? (
            <Empty>No state recorded yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>From</th>
                  <th>To</th>
                  <th>When</th>
                  <th>Reason</th>
                  <th className="num">Value left</th>
                </tr>
              </thead>
              <tbody>
                {data.stateHistory.map((h) => (
                  <tr key={h.id}>
                    <td>
                      <StateBadge state={h.fromState} />
                    </td>
                    <td>
                      <StateBadge state={h.toState} />
                    </td>
                    <td>{day(h.effectiveAt)}</td>
                    <td className="small">{h.reasonCode ?? String(h.reason?.rule ?? '—')}</td>
                    <td className="num">{h.valueLost ? money(h.valueLost, h.currency) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}

const SEGMENT_NOTE = 'Reinartz & Kumar';
