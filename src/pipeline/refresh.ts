import type { Database } from '../db/engine.js';
import { AnalyzeError, modelOptionsSchema, runAnalysis, type AnalysisResult } from '../analyze/index.js';
import type { z } from 'zod';
import { computeSegments, mapContractReasons, scoreRecovery, type RecoveryScoreResult } from '../analyse/index.js';
import { recomputeStates, type RecomputeResult } from '../identify/index.js';

export type RefreshStep = 'models' | 'states' | 'reasons' | 'segments' | 'recovery';

export interface RefreshResult {
  asOf: Date;
  /** The fitted models and scores; absent when the orders cannot support a model (then states use the fallback rules). */
  analysis?: AnalysisResult;
  analysisSkipped?: { code: string; message: string };
  states: RecomputeResult;
  reasons: Awaited<ReturnType<typeof mapContractReasons>>;
  segments: Awaited<ReturnType<typeof computeSegments>>;
  recovery: RecoveryScoreResult;
}

// A refresh computes the current picture, so validation-only runs (holdout) are not part of it.
export const refreshOptionsSchema = modelOptionsSchema;
export type RefreshOptionsInput = z.input<typeof modelOptionsSchema>;

/** Why the models could not be fitted, when that is a property of the data rather than a failure. */
const DATA_CANNOT_SUPPORT_MODELS = new Set(['no_orders', 'no_repeat_customers', 'model_not_identifiable']);

/**
 * Brings everything derived from the data up to date, in dependency order, at one as-of date: model scores
 * (P(alive), CLV) → lifecycle states (which read the scores) → reasons → segments → worth-winning-back scores
 * (which read states, reasons, segments and the models). `winback analyze`, `winback start` and the API use it.
 */
export async function refreshCustomerBase(
  database: Database,
  input: RefreshOptionsInput = {},
  onStep?: (step: RefreshStep) => void,
): Promise<RefreshResult> {
  const options = refreshOptionsSchema.parse(input);
  const asOf = options.asOf ?? new Date();
  onStep?.('models');
  let analysis: AnalysisResult | undefined;
  let analysisSkipped: RefreshResult['analysisSkipped'];
  try {
    analysis = await runAnalysis(database, { ...options, asOf });
  } catch (error) {
    if (!(error instanceof AnalyzeError && DATA_CANNOT_SUPPORT_MODELS.has(error.code))) throw error;
    analysisSkipped = { code: error.code, message: error.message };
  }
  onStep?.('states');
  const states = await recomputeStates(database, { asOf });
  onStep?.('reasons');
  const reasons = await mapContractReasons(database);
  onStep?.('segments');
  const segments = await computeSegments(database, { asOf });
  onStep?.('recovery');
  const recovery = await scoreRecovery(database, { asOf });
  return { asOf, ...(analysis ? { analysis } : {}), ...(analysisSkipped ? { analysisSkipped } : {}), states, reasons, segments, recovery };
}
