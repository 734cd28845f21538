/**
 * Customer lifetime value from the fitted models: the expected, discounted margin a customer brings
 * over a horizon.
 *
 * Non-contractual customers (BG/NBD or Pareto/NBD × Gamma-Gamma), FHL 2005 ("RFM and CLV", JMR,
 * discretised by month; the model expectations are those of the BG/NBD, FHL 2005 Marketing Science,
 * and the Pareto/NBD, Schmittlein, Morrison & Colombo 1987):
 *
 *   CLV_i = margin · E[M_i] · Σ_{m=1}^{H} (E[X_i(m)] − E[X_i(m − 1)]) / (1 + d)^m
 *
 * where E[X_i(m)] is the expected number of transactions in the m months after the end of
 * calibration given the customer's history (the model's conditional expectation), E[M_i] the
 * expected spend per transaction (Gamma-Gamma), d the monthly discount rate. The transactions of
 * month m are discounted by the full month, i.e. as if they fell at its end.
 *
 * The purchase model enters only through its expectation function, so the same code serves the
 * BG/NBD and the Pareto/NBD (and any later model). For many customers, score the distinct
 * histories: `discountedExpectedTransactions` over the triples of `compressTriples` with the model's
 * batch scorer (e.g. `(t, out) => scoreBgNbd(params, triples, t, { pAlive: scratch, expected: out })`),
 * `expandToCustomers`, then multiply by margin and each customer's expected spend — what
 * `residualClv` does per customer, at the cost of the distinct histories only.
 *
 * Contract customers (sBG): CLV = monthly value · margin · DERT(d | α, β, n) (Fader & Hardie 2010).
 */
import { StatsError } from './errors.js';
import { sbgDert, type SbgParams } from './sbg.js';
import type { Histories } from './fit.js';

/**
 * E[X(t) | history] for every customer at once: writes into `out` the expected number of
 * transactions in (T, T + t] for each customer, t in model time units. Must be cumulative in t
 * (non-decreasing) and 0 at t = 0.
 */
export type ConditionalExpectation = (t: number, out: Float64Array) => void;

/** E[X(t)] for a customer just acquired (first purchase at time 0), t in model time units. */
export type NewCustomerExpectation = (t: number) => number;

export interface ClvOptions {
  /** Number of months to sum over (H ≥ 1, an integer). */
  horizonMonths: number;
  /** Monthly discount rate d ≥ 0 (see `monthlyDiscountRate` to convert an annual rate). */
  monthlyDiscountRate: number;
  /** Margin as a fraction of spend, 0..1 (or any multiplier on spend). */
  marginRatio: number;
  /**
   * Model time units per month: 30.4375/7 when the model was fitted in weeks, 1 in months,
   * 30.4375 in days (see DAYS_PER_UNIT in summary.ts: a month is 365.25/12 days).
   */
  unitsPerMonth: number;
}

function checkOptions(o: ClvOptions): void {
  if (!Number.isInteger(o.horizonMonths) || o.horizonMonths < 1) {
    throw new StatsError('invalid_input', `horizonMonths must be a positive integer, got ${o.horizonMonths}`);
  }
  if (!(o.monthlyDiscountRate >= 0) || !Number.isFinite(o.monthlyDiscountRate)) {
    throw new StatsError('invalid_input', `monthlyDiscountRate must be ≥ 0, got ${o.monthlyDiscountRate}`);
  }
  if (!Number.isFinite(o.marginRatio)) throw new StatsError('invalid_input', 'marginRatio must be a finite number');
  if (!(o.unitsPerMonth > 0) || !Number.isFinite(o.unitsPerMonth)) {
    throw new StatsError('invalid_input', `unitsPerMonth must be positive, got ${o.unitsPerMonth}`);
  }
}

/** The monthly rate equivalent to an annual one: (1 + annual)^(1/12) − 1. */
export function monthlyDiscountRate(annualRate: number): number {
  if (!(annualRate > -1) || !Number.isFinite(annualRate)) {
    throw new StatsError('invalid_input', `annual discount rate must be > −1, got ${annualRate}`);
  }
  return Math.expm1(Math.log1p(annualRate) / 12);
}

/**
 * Residual CLV of existing non-contractual customers (the formula at the top of this file),
 * vectorised: one call of `expected` per month for all customers, two scratch arrays, no per-customer
 * allocation. `expectedSpend[i]` is the customer's expected spend per transaction (e.g. from
 * `conditionalExpectedSpend`), in whatever money unit the result should be in.
 */
export function residualClv(
  expected: ConditionalExpectation,
  expectedSpend: ArrayLike<number>,
  options: ClvOptions,
  out: Float64Array = new Float64Array(expectedSpend.length),
): Float64Array {
  checkOptions(options);
  const n = expectedSpend.length;
  if (out.length !== n) throw new StatsError('invalid_input', 'out must have one entry per customer');
  const discountedTransactions = discountedIncrements(expected, n, options);
  for (let i = 0; i < n; i++) {
    out[i] = options.marginRatio * (expectedSpend[i] as number) * (discountedTransactions[i] as number);
  }
  return out;
}

/**
 * Σ_{m=1}^{H} (E[X(m)] − E[X(m − 1)]) / (1 + d)^m per customer: the discounted expected number of
 * transactions ("discounted expected transactions", DET). CLV is this times spend and margin.
 */
export function discountedExpectedTransactions(
  expected: ConditionalExpectation,
  customers: number,
  options: Omit<ClvOptions, 'marginRatio'>,
): Float64Array {
  checkOptions({ ...options, marginRatio: 1 });
  return discountedIncrements(expected, customers, options);
}

function discountedIncrements(
  expected: ConditionalExpectation,
  n: number,
  options: Omit<ClvOptions, 'marginRatio'>,
): Float64Array {
  const total = new Float64Array(n);
  let previous = new Float64Array(n); // E[X(0)] = 0
  let current = new Float64Array(n);
  const factor = 1 / (1 + options.monthlyDiscountRate);
  let discount = 1;
  for (let m = 1; m <= options.horizonMonths; m++) {
    expected(m * options.unitsPerMonth, current);
    discount *= factor;
    for (let i = 0; i < n; i++) {
      const increment = (current[i] as number) - (previous[i] as number);
      total[i] += increment * discount;
    }
    const swap = previous;
    previous = current;
    current = swap;
  }
  return total;
}

/**
 * "Second lifetime" value of a lost customer who is won back: the customer is treated as newly
 * acquired, so the month-by-month increments of the new-customer expectation E[X(t)] (BG/NBD: FHL
 * 2005; Pareto/NBD: Schmittlein, Morrison & Colombo 1987) replace the conditional ones:
 *
 *   value_i = margin · E[M_i] · [ (includeReturnPurchase ? 1 : 0) + Σ_{m=1}^{H} ΔE[X(m)] / (1 + d)^m ]
 *
 * The win-back purchase itself plays the role of the "first purchase" at time 0, which the models
 * do not count; `includeReturnPurchase` (default false) adds it, undiscounted. The expectation does
 * not depend on the customer, so it is evaluated once and scales each customer's expected spend.
 */
export function recoveredCustomerValue(
  expectedNew: NewCustomerExpectation,
  expectedSpend: ArrayLike<number>,
  options: ClvOptions & { includeReturnPurchase?: boolean },
  out: Float64Array = new Float64Array(expectedSpend.length),
): Float64Array {
  checkOptions(options);
  if (out.length !== expectedSpend.length) throw new StatsError('invalid_input', 'out must have one entry per customer');
  const perCustomer = discountedIncrements(
    (t, into) => {
      into[0] = expectedNew(t);
    },
    1,
    options,
  );
  const transactions = (perCustomer[0] as number) + (options.includeReturnPurchase ? 1 : 0);
  for (let i = 0; i < out.length; i++) {
    out[i] = options.marginRatio * (expectedSpend[i] as number) * transactions;
  }
  return out;
}

/**
 * Adapt a model's scalar conditional expectation f(params, t, x, t_x, T) (the BG/NBD or Pareto/NBD
 * E[X(t) | x, t_x, T]) into the vectorised form CLV needs, for the given histories.
 */
export function conditionalExpectationOf<P>(
  f: (params: P, t: number, x: number, tx: number, T: number) => number,
  params: P,
  histories: Histories,
): ConditionalExpectation {
  const { x, tx, T } = histories;
  if (tx.length !== x.length || T.length !== x.length) {
    throw new StatsError('invalid_input', 'x, tx and T differ in length');
  }
  return (t, out) => {
    for (let i = 0; i < x.length; i++) out[i] = f(params, t, x[i] as number, tx[i] as number, T[i] as number);
  };
}

/**
 * Residual value of contract customers: value per period · margin · DERT(d | α, β, n) (Fader &
 * Hardie 2010, Marketing Science 29(1)), where n is how many times the customer has renewed
 * and d the discount rate per contract period (monthly for monthly contracts). DERT counts the
 * coming period's payment undiscounted (the customer is at a renewal decision). Vectorised; DERT is
 * computed once per distinct n.
 */
export function contractClv(
  params: SbgParams,
  periodValue: ArrayLike<number>,
  renewals: ArrayLike<number>,
  options: { discountRatePerPeriod: number; marginRatio: number },
  out: Float64Array = new Float64Array(periodValue.length),
): Float64Array {
  const n = periodValue.length;
  if (renewals.length !== n || out.length !== n) {
    throw new StatsError('invalid_input', 'periodValue, renewals and out must have the same length');
  }
  if (!Number.isFinite(options.marginRatio)) throw new StatsError('invalid_input', 'marginRatio must be a finite number');
  const cache = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = renewals[i] as number;
    let dert = cache.get(r);
    if (dert === undefined) {
      dert = sbgDert(params, options.discountRatePerPeriod, r);
      cache.set(r, dert);
    }
    out[i] = (periodValue[i] as number) * options.marginRatio * dert;
  }
  return out;
}
