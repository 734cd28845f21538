/**
 * Plain-text reports of an analysis for the terminal: the fitted models (parameters ± standard errors,
 * log-likelihood, convergence) and, with a holdout, the validation table by calibration frequency.
 */
import type { AnalysisResult, ModelRunReport, ValidationReport } from './service.js';

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : '—');

function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return v.toFixed(digits);
}

/** Left-aligned first column, right-aligned others. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const MODEL_LABEL: Record<ModelRunReport['model'], string> = { bgnbd: 'BG/NBD', paretonbd: 'Pareto/NBD', gammagamma: 'Gamma-Gamma' };

function modelBlock(run: ModelRunReport): string {
  const title = `${MODEL_LABEL[run.model]}${run.currency ? ` (${run.currency})` : ''} — ${run.status}${run.selected ? ', used for scores' : ''}  [run ${run.id}]`;
  const lines = [title];
  if (run.parameters) {
    lines.push(
      table(
        ['parameter', 'estimate', 'std. error'],
        Object.entries(run.parameters).map(([k, v]) => [k, num(v), num(run.standardErrors?.[k] ?? null)]),
      ),
    );
    lines.push(
      `log-likelihood ${num(run.logLikelihood, 2)}   converged ${run.converged ? 'yes' : 'no'}   iterations ${run.iterations ?? '—'}   ` +
        `customers ${run.customers}   distinct rows ${run.distinctRows ?? '—'}   ${run.fitMs !== null ? `${Math.round(run.fitMs)} ms` : ''}`.trimEnd(),
    );
  }
  if (run.message && (run.status !== 'fitted' || !run.converged)) lines.push(`note: ${run.message}`);
  return lines.join('\n');
}

export function formatFitReport(result: AnalysisResult): string {
  const d = result.data;
  const out: string[] = [];
  out.push(
    `Analysis ${result.analysisRunId}${result.current ? ' (current)' : result.holdoutEnd ? ' (validation)' : ''} — unit ${result.unit}, purchase model ${MODEL_LABEL[result.purchaseModel]}`,
  );
  out.push(
    `Data: ${d.orders} orders ${day(d.firstOrderAt)} … ${day(d.lastOrderAt)}; calibration ${day(result.calibrationStart)} … ${day(result.calibrationEnd)}` +
      (result.holdoutEnd ? `; holdout to ${day(result.holdoutEnd)}` : ''),
  );
  out.push(
    `Customers: ${d.calibrationCustomers} in calibration, ${d.repeatCustomers} repeat buyers, ${d.distinctHistories} distinct histories` +
      (d.firstAfterCalibration > 0 ? `, ${d.firstAfterCalibration} first bought after calibration (not scored)` : '') +
      (d.ordersAfterEnd > 0 ? `; ${d.ordersAfterEnd} orders after the end ignored` : ''),
  );
  out.push('');
  for (const run of result.runs) out.push(modelBlock(run), '');
  out.push(`Margin ratio: ${num(result.margin.ratio, 3)} (${result.margin.source}); horizon ${result.options.horizonMonths} months at ${num(result.options.annualDiscountRate * 100, 1)} % a year`);
  if (result.totals.length > 0) {
    out.push(
      table(
        ['currency', 'customers', 'mean P(alive)', 'transactions next 365 d', 'total CLV'],
        result.totals.map((t) => [t.currency, String(t.customers), num(t.meanPAlive, 3), num(t.expectedTransactions365d, 1), (t.totalClv / 100).toFixed(2)]),
      ),
    );
  }
  out.push(`Scored ${result.customersScored} customers in ${Math.round(result.timings.totalMs)} ms.`);
  for (const w of result.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

function validationBlock(v: ValidationReport): string {
  const m = v.metrics;
  const lines = [`${MODEL_LABEL[v.model]}: holdout of ${v.holdoutDays} days — mean holdout transactions per customer by calibration frequency`];
  lines.push(
    table(
      ['x', 'customers', 'actual', 'predicted', 'difference'],
      v.buckets.map((b) => [b.label, String(b.customers), num(b.actual, 3), num(b.predicted, 3), num(b.predicted - b.actual, 3)]),
    ),
  );
  lines.push(
    `per customer: MAE ${num(m.mae, 3)}  RMSE ${num(m.rmse, 3)}  correlation ${num(m.correlation, 3)}   ` +
      `total actual ${num(m.actualTotal, 0)}  predicted ${num(m.predictedTotal, 1)}  (${num(m.aggregatePercentError, 1)} %)`,
  );
  if (v.tracking && v.tracking.periodEnd.length > 0) {
    const t = v.tracking;
    const last = t.periodEnd.length - 1;
    const atCal = t.calibrationPeriods - 1;
    const a = (i: number) => t.actualCumulative[i] ?? Number.NaN;
    const p = (i: number) => t.predictedCumulative[i] ?? Number.NaN;
    if (atCal >= 0 && atCal < last) {
      const actual = a(last) - a(atCal);
      const predicted = p(last) - p(atCal);
      lines.push(
        `tracking (weekly, all cohorts): repeat transactions in the holdout weeks actual ${num(actual, 0)}, predicted ${num(predicted, 1)}` +
          (actual > 0 ? ` (${num((100 * (predicted - actual)) / actual, 1)} %)` : ''),
      );
    }
  }
  return lines.join('\n');
}

export function formatValidationReport(result: AnalysisResult): string {
  if (result.validation.length === 0) return 'No validation: run the analysis with a holdout date to compare predictions with what happened.';
  return [
    `Validation: calibration to ${day(result.calibrationEnd)}, holdout to ${day(result.holdoutEnd)}`,
    '',
    ...result.validation.map(validationBlock).flatMap((b) => [b, '']),
  ]
    .join('\n')
    .trimEnd();
}
