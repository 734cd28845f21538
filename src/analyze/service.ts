/**
 * `runAnalysis`: from the orders table to fitted models and per-customer scores, written as one analysis.
 *
 *   SQL summary (materialised once) → distinct (x, t_x, T) triples → BG/NBD and/or Pareto/NBD fit
 *   → per currency: SQL (x, Σ repeat spend) rows → Gamma-Gamma fit (skipped with a reason when it cannot be used)
 *   → per-triple P(alive), expected transactions (90 / 365 days) and discounted expected transactions
 *   → one INSERT … SELECT joining customers to their triple's scores, computing spend and CLV in SQL
 *   → with a holdout: predicted vs actual holdout transactions by frequency, error metrics, tracking curve.
 *
 * Transactions are purchase days (see src/stats/summary.ts, rule 1): a customer-day netting to ≤ 0 with a
 * refund is not a purchase; such days and the customers who have nothing else are counted and reported.
 *
 * Everything runs in one transaction (the summary is a temporary table of that transaction), so the analysis
 * is written completely or not at all and its scores describe one consistent snapshot of the orders.
 * What reaches Node grows with the distinct histories, not with the customers.
 */
import { performance } from 'node:perf_hooks';
import type { Database } from '../db/engine.js';
import type { PurchaseModelName, TimeUnitName } from '../db/schema.js';
import {
  bgNbdExpected,
  DAYS_PER_UNIT,
  discountedExpectedTransactions,
  errorMetrics,
  fitBgNbd,
  fitGammaGamma,
  fitParetoNbd,
  holdoutByFrequency,
  monthlyDiscountRate,
  paretoNbdExpected,
  scoreBgNbd,
  scoreParetoNbd,
  StatsError,
  trackingCurve,
  unitsFromDays,
  type BgNbdParams,
  type ErrorMetrics,
  type FitResult,
  type FrequencyBucket,
  type Histories,
  type ParetoNbdParams,
  type RfScores,
} from '../stats/index.js';
import { AnalyzeError } from './errors.js';
import {
  createSummaryTable,
  currencyStats,
  dailyCounts,
  finishAnalysisRun,
  fromSummaryTable,
  holdoutGroups,
  insertAnalysisRun,
  insertModelRuns,
  insertScores,
  lockAnalyses,
  orderStats,
  rfTriples,
  scoreTotals,
  spendRows,
  summaryCounts,
  summaryWindow,
  type NewModelRun,
  type OrderStats,
  type ScoreTotals,
  type SpendModelByCurrency,
  type SummaryCounts,
} from './repository.js';
import { analyzeOptionsSchema, type AnalyzeOptions, type AnalyzeOptionsInput } from './schemas.js';
import { parseWith } from '../shared/parse.js';
import { refreshStatistics } from '../db/statistics.js';

export type AnalyzePhase = 'summarising' | 'fitting' | 'scoring' | 'validating' | 'writing' | 'done';

export interface AnalyzeProgress {
  phase: AnalyzePhase;
  message: string;
  elapsedMs: number;
}

/** Used when no option is given and no order carries a margin. */
export const DEFAULT_MARGIN_RATIO = 0.3;

export interface ModelRunReport {
  id: number;
  model: 'bgnbd' | 'paretonbd' | 'gammagamma';
  status: 'fitted' | 'skipped' | 'failed';
  /** The purchase model whose scores were written. */
  selected: boolean;
  currency: string | null;
  parameters: Record<string, number> | null;
  standardErrors: Record<string, number> | null;
  logLikelihood: number | null;
  converged: boolean | null;
  iterations: number | null;
  message: string | null;
  /** Customers represented in the fit. */
  customers: number;
  /** Distinct triples (purchase models) or distinct (x, spend) rows (spend model). */
  distinctRows: number | null;
  details: Record<string, unknown>;
  fitMs: number | null;
}

export interface ValidationReport {
  model: PurchaseModelName;
  /** Holdout length in days and in model units. */
  holdoutDays: number;
  holdoutLength: number;
  /** Mean actual vs predicted holdout transactions per customer by calibration frequency 0..6, 7+. */
  buckets: FrequencyBucket[];
  /** Per customer: predicted vs actual holdout transactions. */
  metrics: ErrorMetrics;
  /**
   * Weekly cumulative repeat transactions (all customers, each from its first purchase), actual vs predicted
   * from the new-customer curve E[X(t)] (FHL 2005's tracking plot); periods end on `periodEnd`.
   */
  tracking: { periodEnd: Date[]; actualCumulative: number[]; predictedCumulative: number[]; calibrationPeriods: number } | null;
}

export interface AnalysisResult {
  analysisRunId: number;
  /** Whether these scores are now the current ones (scoring analyses, i.e. without holdout). */
  current: boolean;
  options: AnalyzeOptions & { asOf: Date };
  unit: TimeUnitName;
  calibrationStart: Date | null;
  calibrationEnd: Date;
  holdoutEnd: Date | null;
  purchaseModel: PurchaseModelName;
  data: OrderStats & SummaryCounts & { distinctHistories: number };
  margin: { source: 'option' | 'observed' | 'default'; ratio: number };
  runs: ModelRunReport[];
  customersScored: number;
  totals: ScoreTotals[];
  validation: ValidationReport[];
  warnings: string[];
  timings: { summariseMs: number; fitMs: number; scoreMs: number; validateMs: number; writeMs: number; totalMs: number };
}

interface PurchaseModelImpl<P> {
  name: PurchaseModelName;
  fit: (data: Parameters<typeof fitBgNbd>[0]) => FitResult<P>;
  score: (params: P, histories: Histories, horizon: number, out?: RfScores) => RfScores;
  expectedNew: (params: P, t: number) => number;
}

const PURCHASE_MODELS = {
  bgnbd: { name: 'bgnbd', fit: fitBgNbd, score: scoreBgNbd, expectedNew: bgNbdExpected } satisfies PurchaseModelImpl<BgNbdParams>,
  paretonbd: { name: 'paretonbd', fit: fitParetoNbd, score: scoreParetoNbd, expectedNew: paretoNbdExpected } satisfies PurchaseModelImpl<ParetoNbdParams>,
} as const;

type AnyPurchaseModel = PurchaseModelImpl<Record<string, number>>;

const MS_PER_DAY = 86_400_000;

/** Maps the statistics module's refusals to the analysis' errors (what the user can do about them). */
export function toAnalyzeError(error: unknown, what: string): unknown {
  if (!(error instanceof StatsError)) return error;
  switch (error.code) {
    case 'no_data':
      return new AnalyzeError('no_orders', `${what}: ${error.message}`);
    case 'not_identifiable':
      return /repeat purchase/.test(error.message)
        ? new AnalyzeError('no_repeat_customers', `${what}: ${error.message}`)
        : new AnalyzeError('model_not_identifiable', `${what}: ${error.message}; try a longer history, another time unit or the other model`);
    case 'did_not_converge':
      return new AnalyzeError('did_not_converge', `${what}: ${error.message}`);
    default:
      return new AnalyzeError('internal', `${what}: ${error.message}`);
  }
}

function parseOptions(input: AnalyzeOptionsInput): AnalyzeOptions {
  return parseWith(analyzeOptionsSchema, input, 'analysis options', (message, issues) => new AnalyzeError('invalid_options', message, { issues }));
}

const startOfUtcDay = (d: Date) => new Date(Math.floor(d.getTime() / MS_PER_DAY) * MS_PER_DAY);

export async function runAnalysis(
  database: Database,
  input: AnalyzeOptionsInput = {},
  onProgress?: (progress: AnalyzeProgress) => void,
): Promise<AnalysisResult> {
  const options = parseOptions(input);
  const started = performance.now();
  const progress = (phase: AnalyzePhase, message: string) => onProgress?.({ phase, message, elapsedMs: performance.now() - started });
  const asOf = options.asOf ?? new Date();
  const calibrationEndAt = options.holdout ?? asOf;
  const holdoutEndAt = options.holdout ? asOf : null;
  const window = summaryWindow(calibrationEndAt, holdoutEndAt);
  const calibrationEnd = startOfUtcDay(calibrationEndAt);
  const holdoutEnd = holdoutEndAt ? startOfUtcDay(holdoutEndAt) : null;
  const unit = options.unit;
  const daysPerUnit = DAYS_PER_UNIT[unit];
  const warnings: string[] = [];
  const timings = { summariseMs: 0, fitMs: 0, scoreMs: 0, validateMs: 0, writeMs: 0, totalMs: 0 };
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };

  const result = await database.db.transaction().execute(async (trx) => {
    await lockAnalyses(trx);
    progress('summarising', 'summarising orders per customer');
    const orders = await orderStats(trx, window);
    if (orders.orders === 0) {
      throw new AnalyzeError('no_orders', `no orders on or before ${calibrationEnd.toISOString().slice(0, 10)}: import orders first (winback import orders.csv --entity orders)`);
    }
    await createSummaryTable(trx, window);
    const source = fromSummaryTable();
    const counts = await summaryCounts(trx, source);
    const triples = await rfTriples(trx, source, unit);
    if (counts.calibrationCustomers === 0) {
      throw new AnalyzeError('no_orders', `no customer bought on or before ${calibrationEnd.toISOString().slice(0, 10)}`);
    }
    if (counts.repeatCustomers === 0) {
      throw new AnalyzeError(
        'no_repeat_customers',
        `none of the ${counts.calibrationCustomers} customers bought on two different days by ${calibrationEnd.toISOString().slice(0, 10)}: purchase rates and dropout cannot be estimated`,
      );
    }
    const calibrationStart = orders.firstOrderAt ? startOfUtcDay(orders.firstOrderAt) : null;
    if (orders.refundDays > 0) {
      warnings.push(
        `${orders.refundDays} customer-days whose orders net to ≤ 0 with a refund are not counted as purchases` +
          (orders.refundOnlyCustomers > 0 ? `; ${orders.refundOnlyCustomers} customers with only such days are not scored` : ''),
      );
    }
    if (orders.currencies.length > 1) warnings.push(`orders are in ${orders.currencies.length} currencies (${orders.currencies.join(', ')}): spend is modelled per currency`);
    timings.summariseMs = lap();

    // Purchase models.
    const names: PurchaseModelName[] = options.model === 'auto' ? ['bgnbd', 'paretonbd'] : [options.model];
    const purchaseRuns: (NewModelRun & { params?: Record<string, number> })[] = [];
    let firstError: unknown;
    for (const name of names) {
      progress('fitting', `fitting ${name} on ${triples.x.length} distinct histories of ${triples.customers} customers`);
      const t0 = performance.now();
      const impl = PURCHASE_MODELS[name] as unknown as AnyPurchaseModel;
      try {
        const fit = impl.fit(triples);
        purchaseRuns.push({
          model: name,
          status: 'fitted',
          selected: false,
          currency: null,
          parameters: { ...fit.params },
          standardErrors: { ...fit.standardErrors },
          logLikelihood: fit.logLikelihood,
          converged: fit.converged,
          iterations: fit.iterations,
          message: fit.message,
          customers: triples.customers,
          distinctRows: triples.x.length,
          details: { method: fit.method, starts: fit.starts },
          fitMs: performance.now() - t0,
          params: { ...fit.params },
        });
        if (!fit.converged) warnings.push(`${name}: the optimiser did not report convergence (${fit.message})`);
      } catch (error) {
        if (!(error instanceof StatsError)) throw error;
        firstError ??= toAnalyzeError(error, name);
        purchaseRuns.push({
          model: name,
          status: 'failed',
          selected: false,
          currency: null,
          parameters: null,
          standardErrors: null,
          logLikelihood: null,
          converged: false,
          iterations: null,
          message: `${error.code}: ${error.message}`,
          customers: triples.customers,
          distinctRows: triples.x.length,
          details: { code: error.code },
          fitMs: performance.now() - t0,
        });
      }
    }
    const fitted = purchaseRuns.filter((r) => r.status === 'fitted');
    if (fitted.length === 0) throw firstError;
    const chosen = fitted.reduce((best, r) => (r.logLikelihood! > best.logLikelihood! ? r : best));
    chosen.selected = true;
    if (fitted.length > 1) {
      chosen.details.selectedBecause = `highest log-likelihood (${fitted.map((r) => `${r.model} ${r.logLikelihood!.toFixed(2)}`).join(', ')}; both have 4 parameters)`;
    }
    const purchaseModel = chosen.model as PurchaseModelName;
    const impl = PURCHASE_MODELS[purchaseModel] as unknown as AnyPurchaseModel;
    const params = chosen.params!;

    // Spend model per currency.
    const spendRuns: NewModelRun[] = [];
    const spendModels: Omit<SpendModelByCurrency, 'modelRunId'>[] = [];
    const spend = await spendRows(trx, source);
    const stats = await currencyStats(trx, source);
    for (const cs of stats) {
      const rows = spend.find((s) => s.currency === cs.currency);
      let mPositive = 0;
      let wPositive = 0;
      if (rows) {
        for (let i = 0; i < rows.x.length; i++) {
          if ((rows.meanSpend[i] as number) > 0) {
            mPositive += (rows.meanSpend[i] as number) * (rows.weight[i] as number);
            wPositive += rows.weight[i] as number;
          }
        }
      }
      const fallbackMean = wPositive > 0 ? mPositive / wPositive : Math.max(cs.meanFirstSpend, 0);
      progress('fitting', `fitting gammagamma for ${cs.currency} (${cs.repeaters} repeat customers)`);
      const t0 = performance.now();
      const base = { model: 'gammagamma' as const, selected: false, currency: cs.currency, customers: cs.repeaters, distinctRows: rows?.x.length ?? 0 };
      try {
        if (!rows) throw new StatsError('no_data', `no customer paying in ${cs.currency} made a repeat purchase`);
        if (cs.repeaters < options.minSpendCustomers) {
          throw new StatsError(
            'not_identifiable',
            `only ${cs.repeaters} ${cs.currency} customer(s) made a repeat purchase; the spend model needs at least ${options.minSpendCustomers} (--min-spend-customers)`,
          );
        }
        const fit = fitGammaGamma({ x: rows.x, meanSpend: rows.meanSpend, weight: rows.weight });
        const usable = fit.meanExists;
        const reason = usable ? null : `q = ${fit.params.q.toPrecision(3)} ≤ 1: the mean spend does not exist; each customer's own average is used`;
        spendRuns.push({
          ...base,
          status: usable ? 'fitted' : 'skipped',
          parameters: { ...fit.params },
          standardErrors: { ...fit.standardErrors },
          logLikelihood: fit.logLikelihood,
          converged: fit.converged,
          iterations: fit.iterations,
          message: reason ?? fit.message,
          customers: fit.customers,
          details: {
            method: fit.method,
            populationMeanSpend: fit.populationMeanSpend,
            withoutRepeats: fit.withoutRepeats,
            nonPositiveSpend: fit.nonPositiveSpend,
            spendFrequencyCorrelation: fit.correlation.r,
            correlationWarning: fit.correlation.warning,
          },
          fitMs: performance.now() - t0,
        });
        if (fit.correlation.warning) {
          warnings.push(`gammagamma ${cs.currency}: spend and frequency correlate (r = ${fit.correlation.r.toFixed(2)}); expected spend may be biased`);
        }
        if (!usable) warnings.push(`gammagamma ${cs.currency}: ${reason}`);
        spendModels.push({ currency: cs.currency, params: usable ? { ...fit.params } : null, fallbackMean });
      } catch (error) {
        if (!(error instanceof StatsError)) throw error;
        const reason = `${error.code}: ${error.message}; each customer's own average repeat spend is used (or the mean of ${cs.currency} customers)`;
        spendRuns.push({
          ...base,
          status: 'skipped',
          parameters: null,
          standardErrors: null,
          logLikelihood: null,
          converged: null,
          iterations: null,
          message: reason,
          details: { code: error.code, fallbackMean },
          fitMs: performance.now() - t0,
        });
        spendModels.push({ currency: cs.currency, params: null, fallbackMean });
      }
    }
    timings.fitMs = lap();

    // Per-triple scores of the chosen purchase model.
    progress('scoring', `scoring ${triples.x.length} distinct histories with ${purchaseModel}`);
    const n = triples.x.length;
    const in90 = impl.score(params, triples, unitsFromDays(90, unit));
    const in365 = impl.score(params, triples, unitsFromDays(365, unit));
    const scratch = new Float64Array(n);
    const discounted = discountedExpectedTransactions((t, out) => void impl.score(params, triples, t, { pAlive: scratch, expected: out }), n, {
      horizonMonths: options.horizonMonths,
      monthlyDiscountRate: monthlyDiscountRate(options.annualDiscountRate),
      unitsPerMonth: DAYS_PER_UNIT.month / daysPerUnit,
    });
    let marginSum = 0;
    let marginBase = 0;
    for (const cs of stats) {
      marginSum += cs.marginSum;
      marginBase += cs.marginBase;
    }
    const observedMargin = marginBase > 0 ? marginSum / marginBase : null;
    const margin =
      options.marginRatio !== undefined
        ? { source: 'option' as const, ratio: options.marginRatio }
        : observedMargin !== null
          ? { source: 'observed' as const, ratio: observedMargin }
          : { source: 'default' as const, ratio: DEFAULT_MARGIN_RATIO };
    timings.scoreMs = lap();

    // Validation against the holdout period.
    const validation: ValidationReport[] = [];
    if (window.holdoutEndDay !== null) {
      progress('validating', 'comparing predicted and actual holdout transactions');
      const holdoutDays = window.holdoutEndDay - window.calibrationEndDay;
      const holdoutLength = unitsFromDays(holdoutDays, unit);
      const groups = await holdoutGroups(trx, source);
      const histories: Histories = {
        x: groups.x,
        tx: Float64Array.from(groups.txDays, (d) => unitsFromDays(d, unit)),
        T: Float64Array.from(groups.tDays, (d) => unitsFromDays(d, unit)),
      };
      const daily = await dailyCounts(trx, window);
      for (const run of fitted) {
        const model = PURCHASE_MODELS[run.model as PurchaseModelName] as unknown as AnyPurchaseModel;
        const predicted = model.score(run.params!, histories, holdoutLength).expected;
        const buckets = holdoutByFrequency(groups.x, groups.holdoutX, predicted, { weight: groups.weight });
        const metrics = errorMetrics(groups.holdoutX, predicted, groups.weight);
        let tracking: ValidationReport['tracking'] = null;
        try {
          const curve = trackingCurve(daily, (t) => model.expectedNew(run.params!, t), { daysPerUnit, periodDays: 7 });
          tracking = {
            periodEnd: Array.from(curve.periodEndDay, (d) => new Date(d * MS_PER_DAY)),
            actualCumulative: Array.from(curve.actualCumulative),
            predictedCumulative: Array.from(curve.predictedCumulative),
            calibrationPeriods: Array.from(curve.periodEndDay).filter((d) => d <= window.calibrationEndDay).length,
          };
        } catch (error) {
          if (!(error instanceof StatsError)) throw error;
        }
        validation.push({ model: run.model as PurchaseModelName, holdoutDays, holdoutLength, buckets, metrics, tracking });
      }
    }
    timings.validateMs = lap();

    // Write the analysis.
    progress('writing', `writing scores of ${triples.customers} customers`);
    const analysisRunId = await insertAnalysisRun(trx, {
      purchaseModel,
      unit,
      calibrationStart,
      calibrationEnd,
      holdoutEnd,
      options: { ...options, asOf: asOf.toISOString(), holdout: options.holdout?.toISOString() },
    });
    const context = { unit, calibrationStart, calibrationEnd, holdoutEnd, orders };
    const allRuns = [...purchaseRuns, ...spendRuns];
    const ids = await insertModelRuns(
      trx,
      analysisRunId,
      context,
      allRuns.map(({ params: _p, ...r }: NewModelRun & { params?: unknown }) => r),
    );
    const runIdOf = (r: NewModelRun) => ids[allRuns.indexOf(r)]!;
    const customersScored = await insertScores(trx, {
      analysisRunId,
      modelRunId: runIdOf(chosen),
      triples: {
        x: triples.x,
        txDays: triples.txDays,
        tDays: triples.tDays,
        pAlive: in90.pAlive,
        expected90: in90.expected,
        expected365: in365.expected,
        discountedTransactions: discounted,
      },
      spend: spendModels.map((s, i) => ({ ...s, modelRunId: ids[purchaseRuns.length + i]! })),
      marginRatio: options.marginRatio ?? null,
      globalMargin: margin.ratio,
    });
    const totals = await scoreTotals(trx, analysisRunId);
    const data = { ...orders, ...counts, distinctHistories: triples.x.length };
    timings.writeMs = lap();
    timings.totalMs = performance.now() - started;
    const makeCurrent = holdoutEnd === null;
    await finishAnalysisRun(trx, analysisRunId, {
      customersScored,
      makeCurrent,
      summary: {
        data: { ...data, firstOrderAt: orders.firstOrderAt?.toISOString() ?? null, lastOrderAt: orders.lastOrderAt?.toISOString() ?? null },
        margin,
        warnings,
        totals,
        // The tracking curve is kept too: the web page plots a validation run's predicted vs actual later.
        validation: validation.map((v) => ({ model: v.model, holdoutDays: v.holdoutDays, buckets: v.buckets, metrics: v.metrics, tracking: v.tracking })),
        timings,
      },
    });
    const runs: ModelRunReport[] = allRuns.map((r, i) => ({
      id: ids[i]!,
      model: r.model,
      status: r.status,
      selected: r.selected,
      currency: r.currency,
      parameters: r.parameters,
      standardErrors: r.standardErrors,
      logLikelihood: r.logLikelihood,
      converged: r.converged,
      iterations: r.iterations,
      message: r.message,
      customers: r.customers,
      distinctRows: r.distinctRows,
      details: r.details,
      fitMs: r.fitMs,
    }));
    return {
      analysisRunId,
      current: makeCurrent,
      options: { ...options, asOf },
      unit,
      calibrationStart,
      calibrationEnd,
      holdoutEnd,
      purchaseModel,
      data,
      margin,
      runs,
      customersScored,
      totals,
      validation,
      warnings,
      timings,
    } satisfies AnalysisResult;
  });
  await refreshStatistics(database.db, ['customer_scores', 'model_runs', 'customer_list_keys']);
  result.timings.totalMs = performance.now() - started;
  progress('done', `scored ${result.customersScored} customers`);
  return result;
}
