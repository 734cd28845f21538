/**
 * Validation the way the customer-base literature does it (Fader, Hardie & Lee 2005, "Counting
 * your customers the easy way", Marketing Science 24(2); Schmittlein & Peterson 1994): fit on a
 * calibration period, then compare with what happened in the holdout period
 *  - per customer: predicted vs actual holdout transactions, averaged by calibration frequency
 *    x = 0, 1, …, 7+ (FHL 2005's conditional-expectations plot);
 *  - in aggregate: the cumulative repeat transactions week by week, predicted from each acquisition
 *    day's cohort size and the new-customer curve E[X(t)] (FHL 2005's cumulative tracking plot).
 * Plus the error measures used to compare models: MAE, RMSE, Pearson correlation and the aggregate
 * percentage error. Pure functions over typed arrays.
 */
import { StatsError } from './errors.js';
import type { DailyTransactionCounts } from './summary.js';
import type { NewCustomerExpectation } from './clv.js';

export interface FrequencyBucket {
  /** Calibration repeat transactions of the bucket; the last bucket holds x ≥ this value. */
  x: number;
  /** "0", "1", …, "7+". */
  label: string;
  /** Customers (total weight) in the bucket. */
  customers: number;
  /** Mean actual holdout transactions per customer. */
  actual: number;
  /** Mean predicted holdout transactions per customer. */
  predicted: number;
}

/**
 * Mean actual and predicted holdout transactions by calibration frequency, x = 0..maxBucket−1 and
 * a final bucket x ≥ maxBucket (default 7, so "7+", as in FHL 2005). Customers with a NaN
 * x (not calibration customers) are skipped; empty buckets have NaN means.
 */
export function holdoutByFrequency(
  calibrationX: ArrayLike<number>,
  actualHoldout: ArrayLike<number>,
  predictedHoldout: ArrayLike<number>,
  options: { maxBucket?: number; weight?: ArrayLike<number> } = {},
): FrequencyBucket[] {
  const maxBucket = options.maxBucket ?? 7;
  if (!Number.isInteger(maxBucket) || maxBucket < 1) {
    throw new StatsError('invalid_input', `maxBucket must be a positive integer, got ${maxBucket}`);
  }
  const n = calibrationX.length;
  const weight = options.weight;
  if (actualHoldout.length !== n || predictedHoldout.length !== n || (weight && weight.length !== n)) {
    throw new StatsError('invalid_input', 'calibrationX, actual, predicted (and weight) must have the same length');
  }
  const customers = new Float64Array(maxBucket + 1);
  const actual = new Float64Array(maxBucket + 1);
  const predicted = new Float64Array(maxBucket + 1);
  for (let i = 0; i < n; i++) {
    const x = calibrationX[i] as number;
    if (Number.isNaN(x)) continue;
    if (x < 0) throw new StatsError('invalid_input', `calibration x must be ≥ 0 (customer ${i}: ${x})`);
    const b = Math.min(Math.floor(x), maxBucket);
    const w = weight ? (weight[i] as number) : 1;
    customers[b]! += w;
    actual[b]! += w * (actualHoldout[i] as number);
    predicted[b]! += w * (predictedHoldout[i] as number);
  }
  const buckets: FrequencyBucket[] = [];
  for (let b = 0; b <= maxBucket; b++) {
    const c = customers[b] as number;
    buckets.push({
      x: b,
      label: b === maxBucket ? `${b}+` : String(b),
      customers: c,
      actual: c > 0 ? (actual[b] as number) / c : Number.NaN,
      predicted: c > 0 ? (predicted[b] as number) / c : Number.NaN,
    });
  }
  return buckets;
}

export interface ErrorMetrics {
  /** Observations (total weight) compared. */
  n: number;
  /** Mean absolute error Σ w|p − a| / Σ w. */
  mae: number;
  /** Root mean squared error sqrt(Σ w(p − a)² / Σ w). */
  rmse: number;
  /** Weighted Pearson correlation of predicted and actual (NaN when either is constant). */
  correlation: number;
  actualTotal: number;
  predictedTotal: number;
  /** Aggregate error 100 · (Σ predicted − Σ actual) / Σ actual (NaN when Σ actual = 0). */
  aggregatePercentError: number;
}

/**
 * MAE, RMSE, Pearson correlation and aggregate percentage error of predictions against actuals,
 * optionally weighted (e.g. by customers per triple). Pairs with a NaN are skipped.
 */
export function errorMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  weight?: ArrayLike<number>,
): ErrorMetrics {
  const len = actual.length;
  if (predicted.length !== len || (weight && weight.length !== len)) {
    throw new StatsError('invalid_input', 'actual, predicted (and weight) must have the same length');
  }
  let n = 0;
  let sa = 0;
  let sp = 0;
  let absErr = 0;
  let sqErr = 0;
  for (let i = 0; i < len; i++) {
    const a = actual[i] as number;
    const p = predicted[i] as number;
    if (Number.isNaN(a) || Number.isNaN(p)) continue;
    const w = weight ? (weight[i] as number) : 1;
    n += w;
    sa += w * a;
    sp += w * p;
    absErr += w * Math.abs(p - a);
    sqErr += w * (p - a) * (p - a);
  }
  if (!(n > 0)) throw new StatsError('no_data', 'no pairs of actual and predicted values to compare');
  const ma = sa / n;
  const mp = sp / n;
  let saa = 0;
  let spp = 0;
  let sap = 0;
  for (let i = 0; i < len; i++) {
    const a = actual[i] as number;
    const p = predicted[i] as number;
    if (Number.isNaN(a) || Number.isNaN(p)) continue;
    const w = weight ? (weight[i] as number) : 1;
    saa += w * (a - ma) * (a - ma);
    spp += w * (p - mp) * (p - mp);
    sap += w * (a - ma) * (p - mp);
  }
  return {
    n,
    mae: absErr / n,
    rmse: Math.sqrt(sqErr / n),
    correlation: saa > 0 && spp > 0 ? sap / Math.sqrt(saa * spp) : Number.NaN,
    actualTotal: sa,
    predictedTotal: sp,
    aggregatePercentError: sa !== 0 ? (100 * (sp - sa)) / sa : Number.NaN,
  };
}

export interface TrackingCurve {
  /** Last UTC day of each period (inclusive). */
  periodEndDay: Int32Array;
  actualIncremental: Float64Array;
  predictedIncremental: Float64Array;
  actualCumulative: Float64Array;
  predictedCumulative: Float64Array;
}

/**
 * Cumulative repeat transactions per period (default weekly), actual vs predicted (FHL 2005,
 * cumulative tracking plot). A customer acquired on day s is, at the end of period p (last day e_p inclusive),
 * (e_p − s)/daysPerUnit units old — the same convention as T in summary.ts — so
 *   predicted cumulative(p) = Σ_{s ≤ e_p} n_s · E[X((e_p − s) / daysPerUnit)]
 * with n_s the customers first buying on day s. E[X(·)] is evaluated once per distinct lag.
 * Only complete periods from `counts.startDay` are reported.
 */
export function trackingCurve(
  counts: DailyTransactionCounts,
  expectedNew: NewCustomerExpectation,
  options: { daysPerUnit: number; periodDays?: number },
): TrackingCurve {
  const periodDays = options.periodDays ?? 7;
  if (!Number.isInteger(periodDays) || periodDays < 1) {
    throw new StatsError('invalid_input', `periodDays must be a positive integer, got ${periodDays}`);
  }
  if (!(options.daysPerUnit > 0)) throw new StatsError('invalid_input', 'daysPerUnit must be positive');
  const { firstPurchases, repeats } = counts;
  const days = firstPurchases.length;
  if (repeats.length !== days) throw new StatsError('invalid_input', 'firstPurchases and repeats differ in length');
  const periods = Math.floor(days / periodDays);
  if (periods < 1) throw new StatsError('no_data', `fewer than ${periodDays} days of data: no complete period`);

  // E[X] at every lag 0..days−1 (in days), once.
  const curve = new Float64Array(days);
  for (let lag = 1; lag < days; lag++) curve[lag] = expectedNew(lag / options.daysPerUnit);

  const periodEndDay = new Int32Array(periods);
  const actualIncremental = new Float64Array(periods);
  const predictedIncremental = new Float64Array(periods);
  const actualCumulative = new Float64Array(periods);
  const predictedCumulative = new Float64Array(periods);
  let actual = 0;
  for (let p = 0; p < periods; p++) {
    const end = (p + 1) * periodDays - 1; // index of the period's last day
    for (let d = p * periodDays; d <= end; d++) actual += repeats[d] as number;
    let predicted = 0;
    for (let s = 0; s <= end; s++) {
      const ns = firstPurchases[s] as number;
      if (ns !== 0) predicted += ns * (curve[end - s] as number);
    }
    periodEndDay[p] = counts.startDay + end;
    actualCumulative[p] = actual;
    predictedCumulative[p] = predicted;
    actualIncremental[p] = actual - (p > 0 ? (actualCumulative[p - 1] as number) : 0);
    predictedIncremental[p] = predicted - (p > 0 ? (predictedCumulative[p - 1] as number) : 0);
  }
  return { periodEndDay, actualIncremental, predictedIncremental, actualCumulative, predictedCumulative };
}
