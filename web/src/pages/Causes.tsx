import { useMemo, useState, type FormEvent } from 'react';
import { api, withQuery } from '../api';
import { useActing } from '../acting';
import { paretoChartOption } from '../charts/pareto';
import { Chart } from '../components/Chart';
import { Async, Badge, Card, Empty, ErrorBox, PageHeader, StateBadge } from '../components/ui';
import { day, money, num, pct, toMajor } from '../format';
import { useAction, useApi } from '../hooks';
import { Link, useQueryState, useTitle } from '../router';
import type { LossState } from '../../../src/causes/schemas';
import type { Feedback, Item, Pareto, Team, Trends } from '../types';
import { EmployeeSelect, ReasonSelect, TeamSelect } from './common';

/** One label per state the reports filter by (the compiler checks them against the server's). */
const LOSS_STATE_LABEL: Record<LossState, string> = { lost: 'lost only', sleeping: 'sleeping only' };
// Keyed by the server's statuses (src/causes), so the compiler finds one added there and missing here.
const STATUS_LABEL: Record<Item['status'], string> = { open: 'open', in_progress: 'in progress', fixed: 'fixed', wont_fix: "won't fix" };
const STATUS_TONE: Record<Item['status'], string> = { open: 'bad', in_progress: 'warn', fixed: 'good', wont_fix: '' };

function ParetoAndTrends({ level, state, from, to }: { level: string; state: string; from: string; to: string }) {
  const query = { level, state, from, to };
  const pareto = useApi<Pareto>(withQuery('/api/v1/causes/pareto', query));
  const trends = useApi<Trends>(withQuery('/api/v1/causes/trends', { ...query, by: 'month' }));
  const trendOption = useMemo(() => {
    const t = trends.data;
    if (!t) return null;
    const cur = t.reporting.currency;
    const byReason = new Map<string, number[]>();
    for (const r of t.rows) {
      const series = byReason.get(r.reason) ?? new Array<number>(t.periods.length).fill(0);
      series[t.periods.indexOf(r.period)]! += r.reportingRevenue ?? 0;
      byReason.set(r.reason, series);
    }
    const label = new Map(t.reasons.map((r) => [r.code, r.label]));
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 64, right: 20, top: 64, bottom: 30 },
      xAxis: { type: 'category', data: t.periods },
      yAxis: { type: 'value', name: `Revenue lost (${cur})`, axisLabel: { formatter: (v: number) => `${num(v / 1000)}k` } },
      series: [...byReason.entries()]
        .filter(([, s]) => s.some((v) => v > 0))
        .map(([code, s]) => ({ name: label.get(code) ?? code, type: 'bar', stack: 'r', data: s.map((v) => Math.round(toMajor(v, cur))) })),
    };
  }, [trends.data]);
  const paretoOption = useMemo(() => (pareto.data ? paretoChartOption(pareto.data, 12) : null), [pareto.data]);
  return (
    <>
      <div className="grid2">
        <Card title="Reasons by revenue lost (Pareto)" testId="causes-pareto">
          <Async data={pareto.data} error={pareto.error} loading={pareto.loading} what="Ranking the reasons">
            {(p) => (p.reporting.rows.length === 0 ? <Empty>No losses in this period.</Empty> : <Chart option={paretoOption!} label={`Reasons ranked by revenue lost in ${p.reporting.currency}, with the cumulative share in percent`} height={320} />)}
          </Async>
        </Card>
        <Card title="Revenue lost per month and reason" testId="causes-trends">
          <Async data={trends.data} error={trends.error} loading={trends.loading} what="Computing the trends">
            {(t) => (t.rows.length === 0 ? <Empty>No losses in this period.</Empty> : <Chart option={trendOption!} label={`Revenue lost per month by reason, stacked, in ${t.reporting.currency}`} height={320} />)}
          </Async>
        </Card>
      </div>
      <Card title="The ranking">
        <Async data={pareto.data} error={pareto.error} loading={pareto.loading}>
          {(p) => (
            <div className="table-wrap">
              <p className="muted small">
                {day(p.from)} – {day(p.to)} · all currencies in {p.reporting.currency} at the current rates
                {p.reporting.unconverted.length ? `; left out (no rate): ${p.reporting.unconverted.join(', ')}` : ''}
              </p>
              <table>
                <thead>
                  <tr>
                    <th>Reason</th>
                    <th className="num">Customers</th>
                    <th className="num">Lost</th>
                    <th className="num">Asleep</th>
                    <th className="num">Revenue lost ({p.reporting.currency})</th>
                    <th className="num">Share</th>
                    <th className="num">Cumulative</th>
                    <th>Open root-cause items</th>
                  </tr>
                </thead>
                <tbody>
                  {p.reporting.rows.map((r) => (
                    <tr key={r.code}>
                      <td>
                        {r.label} <span className="muted small">{r.code}</span>
                      </td>
                      <td className="num">{num(r.customers)}</td>
                      <td className="num">{num(r.lostCustomers)}</td>
                      <td className="num">{num(r.sleepingCustomers)}</td>
                      <td className="num">{money(r.revenue, p.reporting.currency)}</td>
                      <td className="num">{pct(r.share)}</td>
                      <td className="num">{pct(r.cumulativeShare)}</td>
                      <td>{r.openItems.map((i) => <div key={i.id}>{i.title} <span className="muted small">({i.status.replace('_', ' ')})</span></div>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Async>
      </Card>
    </>
  );
}

function RootCauseItems() {
  const { employee } = useActing();
  const items = useApi<{ items: Item[] }>('/api/v1/causes/items');
  const [form, setForm] = useState({ title: '', owner: '', reason: '', description: '' });
  const create = useAction(async () => {
    await api.post('/api/v1/causes/items', {
      title: form.title,
      description: form.description || null,
      owner: form.owner || null,
      reasons: form.reason ? [form.reason] : [],
      ...(employee ? { by: employee.code } : {}),
    });
    setForm({ title: '', owner: '', reason: '', description: '' });
    items.reload();
  });
  const change = useAction(async (id: number, status: string) => {
    await api.patch(`/api/v1/causes/items/${id}`, { status, ...(employee ? { by: employee.code } : {}) });
    items.reload();
  });
  const remove = useAction(async (id: number) => {
    if (!confirm('Delete this root-cause item recorded by mistake (with its links and history)?')) return;
    await api.del(`/api/v1/causes/items/${id}`);
    items.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  return (
    <Card title="Root-cause items" testId="root-cause-items">
      <form className="filters" onSubmit={submit}>
        <label>
          Problem behind departures
          <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} placeholder="Callbacks are not scheduled" required size={36} aria-label="Title" />
        </label>
        <EmployeeSelect value={form.owner} onChange={(owner) => setForm({ ...form, owner })} label="Owner" none="nobody yet" />
        <ReasonSelect value={form.reason} onChange={(reason) => setForm({ ...form, reason })} label="Concerns reason" any="no reason yet" />
        <label>
          Description
          <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} size={30} />
        </label>
        <button className="primary" type="submit" disabled={create.running}>
          Add item
        </button>
      </form>
      {create.error ? <ErrorBox error={create.error} title="The item was not recorded" /> : null}
      {change.error ? <ErrorBox error={change.error} /> : null}
      {remove.error ? <ErrorBox error={remove.error} /> : null}
      <Async data={items.data} error={items.error} loading={items.loading}>
        {({ items: list }) =>
          list.length === 0 ? (
            <Empty>No root-cause item yet: record the problems behind the top reasons and give each an owner.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Item</th>
                  <th>Reasons</th>
                  <th>Owner</th>
                  <th className="num">Customers</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((i) => (
                  <tr key={i.id}>
                    <td>
                      <strong>{i.title}</strong>
                      {i.description ? <div className="muted small">{i.description}</div> : null}
                    </td>
                    <td>{i.reasons.join(', ') || '—'}</td>
                    <td>{i.owner?.name ?? '—'}</td>
                    <td className="num">{num(i.customerCount)}</td>
                    <td>
                      <Badge tone={STATUS_TONE[i.status]}>{i.status.replace('_', ' ')}</Badge>
                      <div className="muted small">since {day(i.statusChangedAt)}</div>
                    </td>
                    <td>
                      <select aria-label={`Status of ${i.title}`} value={i.status} onChange={(e) => void change.run(i.id, e.target.value)}>
                        {Object.entries(STATUS_LABEL).map(([s, l]) => (
                          <option key={s} value={s}>
                            {l}
                          </option>
                        ))}
                      </select>{' '}
                      <button type="button" className="danger" onClick={() => void remove.run(i.id)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
      <p className="muted small">Status changes are recorded with who made them ({employee ? employee.name : 'choose “acting as” at the top'}).</p>
    </Card>
  );
}

function FrontlineFeedback() {
  const teams = useApi<{ teams: Team[] }>('/api/v1/teams');
  const [team, setTeam] = useState('');
  const chosen = team || teams.data?.teams[0]?.code || '';
  const feedback = useApi<Feedback>(chosen ? `/api/v1/causes/feedback?team=${encodeURIComponent(chosen)}&limit=50` : null);
  return (
    <Card title="Frontline feedback per team" actions={<TeamSelect value={chosen} onChange={setTeam} />} testId="feedback">
      <Async data={feedback.data} error={feedback.error} loading={feedback.loading || teams.loading} what="Reading the team's lost customers">
        {(f) => {
          const cur = f.summary.reportingRevenue.currency;
          return (
            <>
              <p>
                <strong>{f.subject.name}</strong>: {num(f.summary.customers)} customers left in the last 12 months ({num(f.summary.lostCustomers)} lost, {num(f.summary.sleepingCustomers)} asleep),{' '}
                {money(f.summary.reportingRevenue.revenue, cur)} of yearly revenue.
              </p>
              <table>
                <thead>
                  <tr>
                    <th>Top reasons</th>
                    <th className="num">Team</th>
                    <th className="num">Team share</th>
                    <th className="num">Company share</th>
                  </tr>
                </thead>
                <tbody>
                  {f.summary.topReasons.map((r) => (
                    <tr key={r.code}>
                      <td>{r.label}</td>
                      <td className="num">{num(r.customers)}</td>
                      <td className="num">
                        <strong>{pct(r.share)}</strong>
                      </td>
                      <td className="num">{pct(r.companyShare)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>
                Who left, in their own words
                {f.page.total > f.customers.length && <span className="muted small"> — the latest {num(f.customers.length)} of {num(f.page.total)}</span>}
              </h3>
              {f.customers.length === 0 ? (
                <Empty>Nobody this team serves left in the period.</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Customer</th>
                      <th>Served by</th>
                      <th>When</th>
                      <th className="num">Revenue lost</th>
                      <th>Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {f.customers.map((c) => (
                      <tr key={c.customerId}>
                        <td>
                          <Link to={`/customers/${c.customerId}`}>{c.name ?? c.externalId}</Link>
                          <div className="muted small">{c.company}</div>
                        </td>
                        <td>{c.servedBy?.name ?? '—'}</td>
                        <td>
                          <StateBadge state={c.state} /> {day(c.lostAt)}
                        </td>
                        <td className="num">{money(c.revenueLost, c.currency)}</td>
                        <td>
                          {c.reason.label} <span className="muted small">({c.reason.source})</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </Async>
    </Card>
  );
}

export default function Causes() {
  useTitle('Reasons & causes');
  const [q, setQ] = useQueryState();
  const level = q.get('level') ?? '1';
  const state = q.get('state') ?? '';
  const from = q.get('from') ?? '';
  const to = q.get('to') ?? '';
  return (
    <>
      <PageHeader title="Reasons and causes" />
      <div className="filters">
        <label>
          Reasons
          <select value={level} onChange={(e) => setQ({ level: e.target.value })} aria-label="Reason level">
            <option value="1">grouped (price, service, …)</option>
            <option value="">in detail</option>
          </select>
        </label>
        <label>
          Who
          <select value={state} onChange={(e) => setQ({ state: e.target.value })} aria-label="Lost or sleeping">
            <option value="">lost and sleeping</option>
            {Object.entries(LOSS_STATE_LABEL).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={from} onChange={(e) => setQ({ from: e.target.value })} />
        </label>
        <label>
          To (excluded)
          <input type="date" value={to} onChange={(e) => setQ({ to: e.target.value })} />
        </label>
        <span className="muted small">Default: the last 12 months.</span>
      </div>
      <ParetoAndTrends level={level} state={state} from={from} to={to} />
      <RootCauseItems />
      <FrontlineFeedback />
    </>
  );
}
