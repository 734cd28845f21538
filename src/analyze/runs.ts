/** The analyses recorded so far, newest first: what was fitted, when, on what data — the web page's "latest analysis". */
import type { Database } from '../db/engine.js';
import type { PurchaseModelName, TimeUnitName } from '../db/schema.js';
import type { Json } from '../shared/json.js';
import type { ScoreTotals } from './repository.js';
import type { AnalysisResult, ValidationReport } from './service.js';

export interface AnalysisRunModel {
  id: number;
  model: 'bgnbd' | 'paretonbd' | 'gammagamma';
  status: 'fitted' | 'skipped' | 'failed';
  selected: boolean;
  currency: string | null;
  parameters: Record<string, number> | null;
  standardErrors: Record<string, number | null> | null;
  logLikelihood: number | null;
  converged: boolean | null;
  iterations: number | null;
  message: string | null;
  customers: number;
  distinctRows: number | null;
  fitMs: number | null;
}

/**
 * What runAnalysis records of an analysis (analysis_runs.summary), as read back from its JSON; a part added
 * after a run was recorded is missing from that run.
 */
export type AnalysisRunSummary = Json<{
  data?: AnalysisResult['data'];
  margin?: AnalysisResult['margin'];
  warnings?: string[];
  totals?: ScoreTotals[];
  validation?: (Pick<ValidationReport, 'model' | 'holdoutDays' | 'buckets' | 'metrics'> & Partial<Pick<ValidationReport, 'tracking'>>)[];
  timings?: AnalysisResult['timings'];
}>;

export interface AnalysisRunRecord {
  id: number;
  status: 'complete' | 'failed';
  /** Whether its scores are the current ones. */
  current: boolean;
  purchaseModel: PurchaseModelName;
  unit: TimeUnitName;
  calibrationStart: Date | null;
  calibrationEnd: Date;
  holdoutEnd: Date | null;
  customersScored: number;
  options: Record<string, unknown>;
  /** What runAnalysis recorded: data, margin, warnings, totals, validation (with a holdout), timings. */
  summary: AnalysisRunSummary;
  createdAt: Date;
  models: AnalysisRunModel[];
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** The latest analyses (newest first), or one by id; `kind` keeps only scoring or only validation (holdout) runs. */
export async function listAnalysisRuns(
  database: Database,
  options: { limit?: number; id?: number; kind?: 'scoring' | 'validation' } = {},
): Promise<AnalysisRunRecord[]> {
  let query = database.db.selectFrom('analysis_runs').selectAll().orderBy('id', 'desc').limit(options.limit ?? 10);
  if (options.id !== undefined) query = query.where('id', '=', options.id);
  if (options.kind === 'scoring') query = query.where('holdout_end', 'is', null);
  if (options.kind === 'validation') query = query.where('holdout_end', 'is not', null);
  const runs = await query.execute();
  if (runs.length === 0) return [];
  const models = await database.db
    .selectFrom('model_runs')
    .selectAll()
    .where(
      'analysis_run_id',
      'in',
      runs.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  return runs.map((r) => ({
    id: r.id,
    status: r.status,
    current: r.is_current,
    purchaseModel: r.purchase_model,
    unit: r.time_unit,
    calibrationStart: r.calibration_start ? new Date(r.calibration_start) : null,
    calibrationEnd: new Date(r.calibration_end),
    holdoutEnd: r.holdout_end ? new Date(r.holdout_end) : null,
    customersScored: r.customers_scored,
    options: parse<Record<string, unknown>>(r.options) ?? {},
    summary: parse<AnalysisRunSummary>(r.summary) ?? {},
    createdAt: new Date(r.created_at),
    models: models
      .filter((m) => m.analysis_run_id === r.id)
      .map((m) => ({
        id: m.id,
        model: m.model,
        status: m.status,
        selected: m.selected,
        currency: m.currency,
        parameters: parse<Record<string, number> | null>(m.parameters),
        standardErrors: parse<Record<string, number | null> | null>(m.standard_errors),
        logLikelihood: m.log_likelihood,
        converged: m.converged,
        iterations: m.iterations,
        message: m.message,
        customers: m.customers,
        distinctRows: m.distinct_rows,
        fitMs: m.fit_ms,
      })),
  }));
}
