import { useMemo } from 'react';
import { api } from '../api';
import { Chart } from '../components/Chart';
import { Card, ErrorBox, Loading, PageHeader } from '../components/ui';
import { label } from '../format';
import { useAction, useApi } from '../hooks';
import { Link, useTitle } from '../router';
import { CycleProgressView, type CycleProgress } from './Overview';

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
      {option && data.targets > 0 ? (
        <Card title="Targets by status">
          <Chart option={option} label="Targets of the cycle by status, in customers" height={Math.max(140, Object.keys(data.byStatus).length * 36 + 50)} />
        </Card>
      ) : null}
    </>
  );
}
