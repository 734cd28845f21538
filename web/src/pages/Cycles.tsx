import { Async, Card, Empty, PageHeader, StateBadge } from '../components/ui';
import { day } from '../format';
import { useApi } from '../hooks';
import { Link, useTitle } from '../router';
import type { CycleSummary } from '../types';

export default function Cycles() {
  useTitle('Rescue cycles');
  const { data, error, loading } = useApi<{ cycles: CycleSummary[] }>('/api/v1/cycles');
  return (
    <>
      <PageHeader title="Rescue cycles">
        <Link to="/recovery">Plan a new cycle from a filter of the recovery list →</Link>
      </PageHeader>
      <Card>
        <Async data={data} error={error} loading={loading} what="Reading the cycles">
          {({ cycles }) =>
            cycles.length === 0 ? (
              <Empty>
                No rescue cycle yet. A cycle takes its targets from the <Link to="/recovery">recovery list</Link>: filter it, then “Start a rescue cycle from this filter”.
              </Empty>
            ) : (
              <table data-testid="cycles">
                <thead>
                  <tr>
                    <th>Cycle</th>
                    <th>Status</th>
                    <th>Period</th>
                    <th>Started</th>
                  </tr>
                </thead>
                <tbody>
                  {cycles.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <Link to={`/cycles/${c.id}`}>{c.name}</Link>
                      </td>
                      <td>
                        <StateBadge state={c.status === 'active' ? 'active' : c.status === 'closed' ? 'won_back' : 'at_risk'} /> {c.status}
                      </td>
                      <td>
                        {day(c.periodStart)} – {day(c.periodEnd)}
                      </td>
                      <td>{day(c.startedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Card>
    </>
  );
}
