import { useMemo } from 'react';
import { LIFECYCLE_STATES } from '../../../src/identify/vocabulary';
import { paretoChartOption } from '../charts/pareto';
import { Chart } from '../components/Chart';
import { Async, Card, Empty, ErrorBox, Loading, PageHeader, Stat, StateBadge } from '../components/ui';
import { dateTime, day, label, money, moneyMajor, num, pct, toMajor } from '../format';
import { useApi } from '../hooks';
import { Link, useTitle } from '../router';
import type { AnalysisRun, CycleProgress, CycleSummary, LossReport, Pareto, StateCount } from '../types';

const MONTHS_SHOWN = 24;

function monthsAgoStart(n: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n + 1, 1)).toISOString().slice(0, 10);
}

function StateCounts() {
  const { data, error, loading } = useApi<{ counts: StateCount[] }>('/api/v1/states/counts');
  return (
    <Async data={data} error={error} loading={loading} what="Counting customers by state">
      {({ counts }) => {
        const of = (s: string) => counts.find((c) => c.state === s);
        const total = counts.reduce((a, c) => a + c.customers, 0);
        if (total === 0) return <Empty>No customers yet. Import your data on the <Link to="/data">Data</Link> page or run <code>winback demo</code>.</Empty>;
        return (
          <div className="stats" data-testid="state-counts">
            <Stat label="Customers" value={num(total)} hint={`${num(counts.reduce((a, c) => a + c.doNotContact, 0))} do not contact`} testId="stat-customers" />
            {LIFECYCLE_STATES.map((s) => (
              <Stat
                key={s}
                label={label(s)}
                value={num(of(s)?.customers ?? 0)}
                hint={`${pct((of(s)?.customers ?? 0) / total)} of all${of(s)?.latentNeed ? ` · ${num(of(s)!.latentNeed)} with latent need` : ''}`}
                tone={s === 'lost' ? 'bad' : s === 'won_back' || s === 'active' ? 'good' : 'warn'}
                testId={`stat-${s}`}
              />
            ))}
          </div>
        );
      }}
    </Async>
  );
}

function Losses() {
  const from = monthsAgoStart(MONTHS_SHOWN);
  const { data, error, loading } = useApi<LossReport>(`/api/v1/reports/losses?by=month&from=${from}`);
  const charts = useMemo(() => {
    if (!data || data.rows.length === 0) return null;
    const cur = data.reportingCurrency;
    const periods = data.rows.map((r) => r.period);
    const lossOption = {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 70, top: 64, bottom: 30 },
      xAxis: { type: 'category', data: periods },
      yAxis: [
        { type: 'value', name: 'Customers', minInterval: 1 },
        { type: 'value', name: `Revenue left (${cur})`, axisLabel: { formatter: (v: number) => `${num(v / 1000)}k` } },
      ],
      series: [
        { name: 'Lost (customers)', type: 'bar', stack: 'c', data: data.rows.map((r) => r.lostCustomers) },
        { name: 'Fell asleep (customers)', type: 'bar', stack: 'c', data: data.rows.map((r) => r.sleepingCustomers) },
        {
          name: `Revenue left (${cur}, 12-month base)`,
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          data: data.rows.map((r) => (r.total ? Math.round(toMajor(r.total.lostValue + r.total.sleepingValue, cur)) : null)),
          tooltip: { valueFormatter: (v: number) => moneyMajor(v, cur) },
        },
      ],
    };
    const churnOption = {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${num(v, 2)} %` },
      legend: { top: 0 },
      grid: { left: 56, right: 20, top: 64, bottom: 30 },
      xAxis: { type: 'category', data: periods },
      yAxis: { type: 'value', name: 'Churn rate (% per month)', axisLabel: { formatter: '{value} %' } },
      series: [
        { name: 'Customers lost', type: 'line', data: data.rows.map((r) => +((r.customerChurnRate ?? 0) * 100).toFixed(3)) },
        { name: 'Customers lost or asleep', type: 'line', data: data.rows.map((r) => +((r.churnRateWithSleeping ?? 0) * 100).toFixed(3)) },
        { name: `Revenue (${cur})`, type: 'line', data: data.rows.map((r) => (r.total ? +((r.total.revenueChurnRate ?? 0) * 100).toFixed(3) : null)) },
      ],
    };
    return { lossOption, churnOption };
  }, [data]);

  if (error) return <ErrorBox error={error} />;
  if (!data) return loading ? <Loading what="Counting losses" /> : null;
  const cur = data.reportingCurrency;
  const last12 = data.rows.slice(-12);
  const lost12 = last12.reduce((a, r) => a + r.lostCustomers, 0);
  const asleep12 = last12.reduce((a, r) => a + r.sleepingCustomers, 0);
  const value12 = last12.reduce((a, r) => a + (r.total ? r.total.lostValue + r.total.sleepingValue : 0), 0);
  // The last complete month: the current one is still running.
  const complete = data.rows.length > 1 ? data.rows[data.rows.length - 2]! : data.rows[0];
  return (
    <>
      <div className="stats" data-testid="loss-stats">
        <Stat label="Lost, last 12 months" value={num(lost12)} tone="bad" testId="stat-lost-12m" />
        <Stat label="Fell asleep, last 12 months" value={num(asleep12)} tone="warn" />
        <Stat label={`Revenue left, last 12 months (${cur})`} value={money(value12, cur)} hint="yearly revenue of the customers at the time they left" tone="bad" testId="stat-revenue-left" />
        {complete ? (
          <Stat
            label={`Churn ${complete.period}`}
            value={pct(complete.customerChurnRate, 2)}
            hint={`customers; ${pct(complete.churnRateWithSleeping, 2)} with sleeping; revenue ${complete.total ? pct(complete.total.revenueChurnRate, 2) : '—'}`}
            testId="stat-churn"
          />
        ) : null}
      </div>
      {data.unconverted.length > 0 ? (
        <div className="warning">Not in the {cur} totals (no exchange rate): {data.unconverted.join(', ')}. See <code>winback currency</code>.</div>
      ) : null}
      {charts ? (
        <div className="grid2">
          <Card title={`Lost and sleeping customers per month, revenue left (${cur})`}>
            <Chart option={charts.lossOption} label={`Customers lost and fallen asleep per month (bars, customers) and the revenue that left with them (line, ${cur})`} />
          </Card>
          <Card title="Churn rate per month (by customers and by revenue)">
            <Chart option={charts.churnOption} label={`Monthly churn rate in percent: by customers, with sleeping customers, and by revenue in ${cur}`} />
          </Card>
        </div>
      ) : (
        <Empty>No customer has been lost or fallen asleep yet.</Empty>
      )}
    </>
  );
}

function ParetoCard() {
  const { data, error, loading } = useApi<Pareto>('/api/v1/causes/pareto?level=1');
  const option = useMemo(() => (data ? paretoChartOption(data, 10) : null), [data]);
  return (
    <Card title="Why they leave: reasons by revenue lost (last 12 months)" actions={<Link to="/causes">Reasons & causes →</Link>} testId="pareto">
      <Async data={data} error={error} loading={loading} what="Ranking the reasons">
        {(p) =>
          p.reporting.rows.length === 0 ? (
            <Empty>No losses in the last 12 months.</Empty>
          ) : (
            <>
              <Chart option={option!} label={`Departure reasons ranked by revenue lost in ${p.reporting.currency} (bars) with the cumulative share (line, percent)`} />
              <p className="muted small">
                {num(p.customers)} customers ({num(p.lostCustomers)} lost, {num(p.sleepingCustomers)} asleep) took {money(p.reporting.revenue, p.reporting.currency)} of yearly revenue.
                Sleeping customers have said nothing, so their reason is unknown until a recovery call confirms one.
              </p>
            </>
          )
        }
      </Async>
    </Card>
  );
}

export function CycleProgressView({ progress }: { progress: CycleProgress }) {
  const p = progress;
  const called = p.targets - p.holdout;
  return (
    <div data-testid="cycle-progress">
      <div className="stats">
        <Stat label="Targets" value={num(p.targets)} hint={`${num(p.holdout)} in the holdout (${pct(p.holdoutShare, 0)})`} />
        <Stat label="Contacted" value={num(p.contacted)} hint={called > 0 ? `${pct(p.contacted / called, 0)} of the ${num(called)} to call` : undefined} />
        <Stat label="Won back" value={num(p.wonBack)} tone="good" hint={p.contacted > 0 ? `${pct(p.wonBack / p.contacted, 0)} of those contacted` : undefined} testId="stat-won-back" />
        <Stat
          label={`Offer budget used (${p.currency})`}
          value={money(p.budgetCommitted, p.currency)}
          hint={`of ${money(p.offerBudget, p.currency)} · ${money(p.offerBudget - p.budgetCommitted, p.currency)} left`}
          tone={p.budgetCommitted > p.offerBudget * 0.9 ? 'warn' : undefined}
        />
      </div>
      <p className="muted small">
        {day(p.periodStart)} – {day(p.periodEnd)} · status <strong>{p.status}</strong>
        {Object.keys(p.byOutcome).length > 0 ? ` · outcomes: ${Object.entries(p.byOutcome).map(([k, v]) => `${label(k)} ${v}`).join(', ')}` : ''}
      </p>
    </div>
  );
}

function CurrentCycle() {
  const list = useApi<{ cycles: CycleSummary[] }>('/api/v1/cycles');
  const current = list.data?.cycles.find((c) => c.status === 'active') ?? list.data?.cycles[0];
  const progress = useApi<CycleProgress>(current ? `/api/v1/cycles/${current.id}` : null);
  return (
    <Card title={current ? `Rescue cycle: ${current.name}` : 'Rescue cycle'} actions={<Link to={current ? `/cycles/${current.id}` : '/cycles'}>Rescue cycles →</Link>} testId="current-cycle">
      {list.error ? (
        <ErrorBox error={list.error} />
      ) : !list.data ? (
        <Loading />
      ) : !current ? (
        <Empty>
          No rescue cycle yet. Start one from a filter of the <Link to="/recovery">recovery list</Link>.
        </Empty>
      ) : (
        <Async data={progress.data} error={progress.error} loading={progress.loading}>
          {(p) => <CycleProgressView progress={p} />}
        </Async>
      )}
    </Card>
  );
}

function LatestAnalysis() {
  const { data, error, loading } = useApi<{ analyses: AnalysisRun[] }>('/api/v1/analyses?limit=1&kind=scoring');
  return (
    <Card title="Latest analysis" actions={<Link to="/data">Data & analysis →</Link>} testId="latest-analysis">
      <Async data={data} error={error} loading={loading}>
        {({ analyses }) => {
          const a = analyses[0];
          if (!a) return <Empty>No analysis yet. Run one on the <Link to="/data">Data</Link> page.</Empty>;
          const d = a.summary.data;
          const purchase = a.models.find((m) => m.selected);
          return (
            <dl className="facts">
              <dt>When</dt>
              <dd>
                {dateTime(a.createdAt)} {a.current ? <StateBadge state="active" /> : null}
              </dd>
              <dt>Data</dt>
              <dd>
                {d ? `${num(d.orders)} orders ${day(d.firstOrderAt)} … ${day(d.lastOrderAt)}, ${num(d.calibrationCustomers)} customers (${num(d.repeatCustomers)} repeat buyers)` : '—'}
              </dd>
              <dt>Model</dt>
              <dd>
                {purchase ? `${purchase.model === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD'} per ${a.unit}, log-likelihood ${num(purchase.logLikelihood, 1)}` : a.purchaseModel}
                {purchase && purchase.converged === false ? ' (did not converge)' : ''}
              </dd>
              <dt>Scored</dt>
              <dd>{num(a.customersScored)} customers</dd>
              {a.summary.warnings && a.summary.warnings.length > 0 ? (
                <>
                  <dt>Warnings</dt>
                  <dd className="small">{a.summary.warnings.join('; ')}</dd>
                </>
              ) : null}
            </dl>
          );
        }}
      </Async>
    </Card>
  );
}

export default function Overview() {
  useTitle('Overview');
  return (
    <>
      <PageHeader title="Overview" />
      <StateCounts />
      <Losses />
      <div className="grid2">
        <ParetoCard />
        <div>
          <CurrentCycle />
          <LatestAnalysis />
        </div>
      </div>
    </>
  );
}
