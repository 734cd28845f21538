import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { DATE_FORMATS, DECIMAL_SEPARATORS, ENTITY_NAMES, type DecimalSeparator } from '../../../src/ingest/vocabulary';
import { api, ApiError, upload, withQuery } from '../api';
import { Chart } from '../components/Chart';
import { Async, Card, Empty, ErrorBox, PageHeader, Progress } from '../components/ui';
import { dateTime, day, num } from '../format';
import { useApi } from '../hooks';
import { useTitle } from '../router';
import type { AnalysisJob as Job, AnalysisModel, AnalysisRun, ImportResult, ImportRow, Validation } from '../types';

const DECIMAL_EXAMPLE: Record<DecimalSeparator, string> = { point: '1234.56', comma: '1234,56' };
const MODEL_LABEL: Record<string, string> = { bgnbd: 'BG/NBD', paretonbd: 'Pareto/NBD', gammagamma: 'Gamma-Gamma' };

function Import({ onImported }: { onImported: () => void }) {
  const [entity, setEntity] = useState<string>('customers');
  const [file, setFile] = useState<File | null>(null);
  const [options, setOptions] = useState({ dateFormat: 'iso', decimal: 'point', currency: '', skipInvalid: false });
  const [phase, setPhase] = useState<{ kind: 'idle' } | { kind: 'uploading'; sent: number; total: number } | { kind: 'importing' } | { kind: 'done'; result: ImportResult } | { kind: 'failed'; error: ApiError }>({ kind: 'idle' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setPhase({ kind: 'uploading', sent: 0, total: file.size });
    const path = withQuery(`/api/v1/imports/${entity}`, {
      filename: file.name,
      dateFormat: options.dateFormat,
      decimal: options.decimal,
      currency: options.currency || undefined,
      skipInvalid: options.skipInvalid || undefined,
    });
    try {
      const result = await upload<ImportResult>(path, file, 'text/csv', (sent, total) => setPhase(sent >= total ? { kind: 'importing' } : { kind: 'uploading', sent, total }));
      setPhase({ kind: 'done', result });
      onImported();
    } catch (error) {
      setPhase({ kind: 'failed', error: error instanceof ApiError ? error : new ApiError(0, 'client', 'failed', String(error)) });
    }
  };
  const busy = phase.kind === 'uploading' || phase.kind === 'importing';
  return (
    <Card title="Import a CSV file" testId="import">
      <form className="filters" onSubmit={(e) => void submit(e)}>
        <label>
          What the file holds
          <select value={entity} onChange={(e) => setEntity(e.target.value)} aria-label="Entity">
            {ENTITY_NAMES.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </label>
        <label>
          File (CSV with a header row)
          <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} aria-label="CSV file" />
        </label>
        <label>
          Dates
          <select value={options.dateFormat} onChange={(e) => setOptions({ ...options, dateFormat: e.target.value })} aria-label="Date format">
            {DATE_FORMATS.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
        <label>
          Decimals
          <select value={options.decimal} onChange={(e) => setOptions({ ...options, decimal: e.target.value })} aria-label="Decimal separator">
            {DECIMAL_SEPARATORS.map((d) => (
              <option key={d} value={d}>
                {DECIMAL_EXAMPLE[d]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Currency (if no column)
          <input value={options.currency} onChange={(e) => setOptions({ ...options, currency: e.target.value.toUpperCase() })} size={4} maxLength={3} placeholder="EUR" />
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: 6 }}>
          <input type="checkbox" checked={options.skipInvalid} onChange={(e) => setOptions({ ...options, skipInvalid: e.target.checked })} /> import the valid rows, return the rejected
        </label>
        <button className="primary" type="submit" disabled={!file || busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      <p className="muted small">All or nothing: an invalid row aborts the import and nothing is written; the problems are listed as file:line: column: what is wrong. Import teams, employees and customers before their contracts, orders, interactions and preferences.</p>
      {phase.kind === 'uploading' ? (
        <>
          <Progress value={phase.total ? phase.sent / phase.total : null} label="Upload" />
          <p className="muted small">
            Uploading {num(phase.sent / 1024)} of {num(phase.total / 1024)} KB…
          </p>
        </>
      ) : null}
      {phase.kind === 'importing' ? (
        <>
          <Progress value={null} label="Import" />
          <p className="muted small">Uploaded; checking and writing the rows…</p>
        </>
      ) : null}
      {phase.kind === 'failed' ? <ErrorBox error={phase.error} title="Nothing was imported" /> : null}
      {phase.kind === 'done' ? (
        <div className="notice" data-testid="import-result">
          <strong>{phase.result.file}</strong>: {num(phase.result.rowsRead)} rows read — {num(phase.result.inserted)} new, {num(phase.result.updated)} updated, {num(phase.result.unchanged)} unchanged
          {phase.result.rejected ? `, ${num(phase.result.rejected)} rejected` : ''} in {num(phase.result.durationMs)} ms.
          {phase.result.attributeColumns.length ? <div>Kept as free attributes: {phase.result.attributeColumns.join(', ')}</div> : null}
          {phase.result.ignoredColumns.length ? <div>Ignored columns: {phase.result.ignoredColumns.join(', ')}</div> : null}
          {phase.result.rejectsCsv ? <pre className="error-lines">{phase.result.rejectsCsv}</pre> : null}
        </div>
      ) : null}
    </Card>
  );
}

function RecentImports({ version }: { version: number }) {
  const { data, error, loading } = useApi<ImportRow[]>(`/api/v1/imports?v=${version}`);
  return (
    <Card title="Recent imports">
      <Async data={data} error={error} loading={loading}>
        {(rows) =>
          rows.length === 0 ? (
            <Empty>Nothing imported yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>File</th>
                  <th>Entity</th>
                  <th className="num">Rows</th>
                  <th className="num">New</th>
                  <th className="num">Updated</th>
                  <th className="num">Unchanged</th>
                  <th className="num">Rejected</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{r.fileName}</td>
                    <td>{r.entity}</td>
                    <td className="num">{num(r.rowsRead)}</td>
                    <td className="num">{num(r.inserted)}</td>
                    <td className="num">{num(r.updated)}</td>
                    <td className="num">{num(r.unchanged)}</td>
                    <td className="num">{num(r.rejected)}</td>
                    <td>{dateTime(r.finishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Card>
  );
}

function RunAnalysis({ onDone }: { onDone: () => void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [holdout, setHoldout] = useState(() => new Date(Date.now() - 182 * 86_400_000).toISOString().slice(0, 10));
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const poll = (id: string) => {
    timer.current = window.setTimeout(() => {
      api
        .get<Job>(`/api/v1/analyses/jobs/${id}`)
        .then((j) => {
          setJob(j);
          if (j.status === 'running') poll(id);
          else onDone();
        })
        .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'client', 'failed', String(e))));
    }, 400);
  };
  const start = async (body: unknown) => {
    setError(null);
    try {
      const j = await api.post<Job>('/api/v1/analyses/jobs', body);
      setJob(j);
      poll(j.id);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'client', 'failed', String(e)));
    }
  };
  const running = job?.status === 'running';
  return (
    <Card title="Run the analysis" testId="run-analysis">
      <div className="row">
        <button className="primary" type="button" disabled={running} onClick={() => void start({ kind: 'refresh' })}>
          Refresh everything
        </button>
        <span className="muted small">fit the models, score every customer, recompute states, reasons, segments and the recovery list</span>
      </div>
      <div className="row" style={{ marginTop: 10 }}>
        <button type="button" disabled={running} onClick={() => void start({ kind: 'analysis', options: { holdout } })}>
          Validate the model
        </button>
        <label className="field">
          calibrate up to
          <input type="date" value={holdout} onChange={(e) => setHoldout(e.target.value)} aria-label="Holdout start" />
        </label>
        <span className="muted small">then compare the predicted purchases after that day with what happened (the current scores stay as they are)</span>
      </div>
      {job ? (
        <div style={{ marginTop: 12 }} data-testid="job-progress">
          <Progress value={job.status === 'done' ? 1 : job.stepIndex / job.steps.length} label="Analysis progress" />
          <p className="muted small">
            {job.status === 'running'
              ? `Step ${job.stepIndex + 1} of ${job.steps.length}: ${job.message}`
              : job.status === 'done'
                ? `Done in ${num(job.elapsedMs / 1000, 1)} s.`
                : 'Failed.'}{' '}
            {job.status === 'running' ? `(${num(job.elapsedMs / 1000, 1)} s)` : ''}
          </p>
          {job.error ? <ErrorBox error={new ApiError(422, job.error.domain, job.error.code, job.error.message, job.error.details)} title="The analysis did not run" /> : null}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </Card>
  );
}

function ModelTable({ models }: { models: AnalysisModel[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Model</th>
          <th>Parameters (± standard error)</th>
          <th className="num">Log-likelihood</th>
          <th>Converged</th>
          <th className="num">Customers</th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.id}>
            <td>
              {MODEL_LABEL[m.model]}
              {m.currency ? ` (${m.currency})` : ''} {m.selected ? <span className="badge good">scores</span> : null}
              {m.status !== 'fitted' ? <div className="muted small">{m.status}: {m.message}</div> : null}
            </td>
            <td>
              {m.parameters
                ? Object.entries(m.parameters).map(([k, v]) => (
                    <span key={k} style={{ marginRight: 12 }}>
                      {k} = {num(v, 3)}
                      {m.standardErrors?.[k] != null ? <span className="muted"> ± {num(m.standardErrors[k], 3)}</span> : null}
                    </span>
                  ))
                : '—'}
            </td>
            <td className="num">{num(m.logLikelihood, 1)}</td>
            <td>{m.converged === null ? '—' : m.converged ? 'yes' : 'no'}</td>
            <td className="num">{num(m.customers)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ValidationPlots({ v, unit }: { v: Validation; unit: string }) {
  const buckets = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (x: number) => num(x, 3) },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 56, bottom: 48 },
      xAxis: { type: 'category', name: 'Purchases in calibration (repeat)', nameLocation: 'middle', nameGap: 28, data: v.buckets.map((b) => b.label) },
      yAxis: { type: 'value', name: 'Purchases per customer in holdout' },
      series: [
        { name: 'Actual', type: 'bar', data: v.buckets.map((b) => b.actual) },
        { name: 'Predicted', type: 'bar', data: v.buckets.map((b) => b.predicted) },
      ],
    }),
    [v],
  );
  const tracking = useMemo(() => {
    const t = v.tracking;
    if (!t) return null;
    const dates = t.periodEnd.map((d) => day(d));
    return {
      tooltip: { trigger: 'axis', valueFormatter: (x: number) => num(x, 0) },
      legend: { top: 0 },
      grid: { left: 64, right: 20, top: 56, bottom: 30 },
      xAxis: { type: 'category', data: dates },
      yAxis: { type: 'value', name: 'Cumulative repeat purchases' },
      series: [
        {
          name: 'Actual',
          type: 'line',
          showSymbol: false,
          data: t.actualCumulative,
          markLine: { symbol: 'none', label: { formatter: 'end of calibration' }, lineStyle: { type: 'dashed', color: '#888' }, data: [{ xAxis: dates[Math.max(0, t.calibrationPeriods - 1)] }] },
        },
        { name: 'Predicted', type: 'line', showSymbol: false, lineStyle: { type: 'dashed' }, data: t.predictedCumulative },
      ],
    };
  }, [v]);
  const m = v.metrics;
  return (
    <>
      <p className="small">
        {MODEL_LABEL[v.model]}, holdout of {num(v.holdoutDays)} days: per customer MAE {num(m.mae, 3)}, RMSE {num(m.rmse, 3)}, correlation {num(m.correlation, 3)}; total actual{' '}
        {num(m.actualTotal)} vs predicted {num(m.predictedTotal, 1)} ({num(m.aggregatePercentError, 1)} %).
      </p>
      <div className="grid2">
        <div>
          <h3>Predicted vs actual purchases per customer, by calibration frequency</h3>
          <Chart option={buckets} label="Mean purchases per customer in the holdout period, actual vs predicted, by number of repeat purchases in calibration" />
        </div>
        {tracking ? (
          <div>
            <h3>Cumulative repeat purchases per week ({unit} model)</h3>
            <Chart option={tracking} label="Cumulative repeat purchases per week, actual vs predicted, with the end of calibration marked" />
          </div>
        ) : null}
      </div>
    </>
  );
}

function FitReport({ version }: { version: number }) {
  const scoring = useApi<{ analyses: AnalysisRun[] }>(`/api/v1/analyses?limit=1&kind=scoring&v=${version}`);
  const validation = useApi<{ analyses: AnalysisRun[] }>(`/api/v1/analyses?limit=1&kind=validation&v=${version}`);
  return (
    <Card title="Model fit report" testId="fit-report">
      <Async data={scoring.data} error={scoring.error} loading={scoring.loading} what="Reading the latest analysis">
        {({ analyses }) => {
          const a = analyses[0];
          if (!a) return <Empty>No analysis yet: run one above.</Empty>;
          const d = a.summary.data;
          return (
            <>
              <p>
                Current scores from analysis {a.id} of {dateTime(a.createdAt)}: unit {a.unit}, calibration {day(a.calibrationStart)} – {day(a.calibrationEnd)}
                {d ? `, ${num(d.orders)} orders of ${num(d.calibrationCustomers)} customers (${num(d.repeatCustomers)} repeat buyers, ${num(d.distinctHistories)} distinct histories)` : ''};{' '}
                {num(a.customersScored)} customers scored
                {a.summary.margin ? `; margin ${num(a.summary.margin.ratio * 100, 1)} % (${a.summary.margin.source})` : ''}.
              </p>
              <ModelTable models={a.models} />
              {a.summary.warnings?.length ? <div className="warning">{a.summary.warnings.join(' · ')}</div> : null}
            </>
          );
        }}
      </Async>
      <h3>Validation against a holdout period</h3>
      <Async data={validation.data} error={validation.error} loading={validation.loading}>
        {({ analyses }) => {
          const a = analyses[0];
          if (!a || !a.summary.validation?.length) return <Empty>No validation yet: “Validate the model” fits on the data up to a day and compares its predictions with what happened after it.</Empty>;
          return (
            <>
              <p className="muted small">
                Analysis {a.id} of {dateTime(a.createdAt)}: calibration to {day(a.calibrationEnd)}, holdout to {day(a.holdoutEnd)}.
              </p>
              {a.summary.validation.map((v) => (
                <ValidationPlots key={v.model} v={v} unit={a.unit} />
              ))}
            </>
          );
        }}
      </Async>
    </Card>
  );
}

export default function Data() {
  useTitle('Data');
  const [imports, setImports] = useState(0);
  const [analyses, setAnalyses] = useState(0);
  return (
    <>
      <PageHeader title="Data and analysis" />
      <Import onImported={() => setImports((v) => v + 1)} />
      <RecentImports version={imports} />
      <RunAnalysis onDone={() => setAnalyses((v) => v + 1)} />
      <FitReport version={analyses} />
    </>
  );
}
