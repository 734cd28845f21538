import { useMemo, useState } from 'react';
import { api, withQuery } from '../api';
import { Chart } from '../components/Chart';
import { Badge, Card, Empty, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { dateTime, label, money, pct } from '../format';
import { useAction, useApi } from '../hooks';
import { Link, useTitle } from '../router';
import type { CycleProgress, CycleTargets } from '../types';
import { CycleProgressView } from './Overview';

export default function CycleDetail({ params }: { params: string[] }) {
  const id = Number(params[0]);
  const { data, error, reload } = useApi<CycleProgress>(`/api/v1/cycles/${id}`);
  useTitle(data?.name ?? 'Rescue cycle');
  const start = useAction(async () => {
    await api.post(`/api/v1/cycles/${id}/start`, {});
    reload();
  });
  const close = useAction(async () => {
    if (!confirm('Close this cycle? No more calls will be dealt from it.')) return;
    await api.post(`/api/v1/cycles/${id}/close`, {});
    reload();
  });
  const option = useMemo(() => {
    if (!data) return null;
    const entries = Object.entries(data.byStatus);
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 120, right: 30, top: 10, bottom: 30 },
      xAxis: { type: 'value', name: 'Customers', minInterval: 1 },
      yAxis: { type: 'category', data: entries.map(([k]) => label(k)) },
      series: [{ name: 'Targets (customers)', type: 'bar', data: entries.map(([, v]) => v) }],
    };
  }, [data]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading what="Reading the cycle" />;
  return (
    <>
      <PageHeader title={data.name}>
        {data.status === 'draft' ? (
          <button className="primary" type="button" onClick={() => void start.run()} disabled={start.running}>
            Start: select targets and draw the holdout
          </button>
        ) : null}
        {data.status === 'active' ? (
          <>
            <Link to={`/calls?cycle=${id}`}>
              <button className="primary" type="button">
                Open the call workspace
              </button>
            </Link>
            <button type="button" onClick={() => void close.run()} disabled={close.running}>
              Close the cycle
            </button>
          </>
        ) : null}
      </PageHeader>
      {start.error ? <ErrorBox error={start.error} /> : null}
      {close.error ? <ErrorBox error={close.error} /> : null}
      <Card title="Progress">
        <CycleProgressView progress={data} />
      </Card>
      {data.targets > 0 ? <TargetList cycleId={id} byStatus={data.byStatus} /> : null}
      {option && data.targets > 0 ? (
        <Card title="Targets by status">
          <Chart option={option} label="Targets of the cycle by status, in customers" height={Math.max(140, Object.keys(data.byStatus).length * 36 + 50)} />
        </Card>
      ) : null}
    </>
  );
}

const PAGE = 25;
const STATUS_TONE: Record<string, string> = { holdout: 'sleep', done: 'good', claimed: 'warn', callback: 'warn', unreachable: 'bad', blocked: 'dnc' };

/** The cycle's targets in rank order, filtered by queue status: who is being called, by whom, with what result. */
function TargetList({ cycleId, byStatus }: { cycleId: number; byStatus: Record<string, number> }) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const { data, error, loading } = useApi<CycleTargets>(withQuery(`/api/v1/cycles/${cycleId}/targets`, { status, limit: PAGE, offset }));
  return (
    <Card
      title="Targets"
      testId="cycle-targets"
      actions={
        <select
          value={status}
          aria-label="Queue status"
          onChange={(e) => {
            setStatus(e.target.value);
            setOffset(0);
          }}
        >
          <option value="">every status</option>
          {Object.entries(byStatus).map(([s, n]) => (
            <option key={s} value={s}>
              {label(s)} ({n})
            </option>
          ))}
        </select>
      }
    >
      {error ? (
        <ErrorBox error={error} />
      ) : !data ? (
        <Loading what="Reading the targets" />
      ) : data.targets.length === 0 ? (
        <Empty>No target has this status.</Empty>
      ) : (
        <div className={`table-wrap ${loading ? 'loading-overlay' : ''}`}>
          <table>
            <thead>
              <tr>
                <th className="num">Rank</th>
                <th>Customer</th>
                <th>Status</th>
                <th>Segment · reason</th>
                <th className="num">P(recovery)</th>
                <th className="num">Expected value</th>
                <th>Assigned to</th>
                <th>Claimed by</th>
                <th className="num">Attempts</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {data.targets.map((t) => (
                <tr key={t.customerId}>
                  <td className="num">{t.rank}</td>
                  <td>
                    <Link to={`/customers/${t.customerId}`}>{t.name ?? t.externalId}</Link>
                    <div className="muted small">
                      {t.company ? `${t.company} · ` : ''}
                      {t.externalId}
                    </div>
                  </td>
                  <td className="nowrap">
                    <Badge tone={STATUS_TONE[t.status] ?? ''}>{label(t.status)}</Badge>
                    {t.status === 'open' || t.status === 'callback' ? <div className="muted small">due {dateTime(t.dueAt)}</div> : null}
                  </td>
                  <td className="small">
                    {label(t.segment)} · {t.reasonCode ?? '—'}
                  </td>
                  <td className="num">{pct(t.pRecovery, 0)}</td>
                  <td className="num nowrap">{money(t.expectedValue, t.currency)}</td>
                  <td>{t.assignedTo?.name ?? '—'}</td>
                  <td>{t.claimedBy?.name ?? '—'}</td>
                  <td className="num">{t.attempts}</td>
                  <td>{t.outcome ? label(t.outcome) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} limit={PAGE} total={data.total} count={data.targets.length} onChange={setOffset} />
        </div>
      )}
    </Card>
  );
}
