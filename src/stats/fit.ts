/**
 * The one maximum-likelihood driver shared by every model in `src/stats` (BG/NBD, Pareto/NBD,
 * Gamma-Gamma, sBG): minimise a negative log-likelihood over log-parameters from several starts,
 * then standard errors from the observed information (numeric Hessian of the analytic gradient)
 * mapped to the natural parameters by the delta method.
 *
 * Also the input checks every (x, t_x, T)-triple model needs, so each model states only what is
 * specific to it.
 */
import { StatsError } from './errors.js';
import {
  minimizeMultiStart,
  numericHessian,
  standardErrorsFromLogHessian,
  type MinimizeOptions,
  type Objective,
} from './optimize.js';
import type { Rng } from './random.js';
import type { RfTriples } from './summary.js';

export type { RfTriples } from './summary.js';

export interface FitResult<P> {
  params: P;
  /** Maximised (weighted) log-likelihood. */
  logLikelihood: number;
  /** Asymptotic standard errors of the natural parameters (delta method from log-scale). */
  standardErrors: P;
  converged: boolean;
  iterations: number;
  message: string;
  method: string;
  /** Starting points run (they stop once two agree); `message` says how many reached the optimum. */
  starts: number;
}

/**
 * Fit a model by maximum likelihood on log-parameters. `negLogLik` is −ℓ(exp φ) as a function of
 * φ = log θ with its gradient; `starts` are points in φ. Returns θ̂ = exp φ̂ named by `names` (in
 * φ order) and se(θ̂_i) = θ̂_i · sqrt((H⁻¹)_ii) with H the Hessian of −ℓ in φ.
 *
 * Throws StatsError('did_not_converge') when no start reaches a finite likelihood, and
 * StatsError('not_identifiable') when the optimum is flat in some direction (singular Hessian).
 */
export function fitLogParameters<P extends { [K in keyof P]: number }>(
  names: readonly (keyof P & string)[],
  negLogLik: Objective,
  starts: Float64Array[],
  opts?: MinimizeOptions,
): FitResult<P> {
  for (const s of starts) {
    if (s.length !== names.length) {
      throw new StatsError('invalid_input', `a starting point has ${s.length} values for ${names.length} parameters`);
    }
  }
  const best = minimizeMultiStart(negLogLik, starts, opts);
  if (!Number.isFinite(best.value)) {
    throw new StatsError('did_not_converge', `no starting point reached a finite likelihood: ${best.message}`);
  }
  for (let i = 0; i < best.x.length; i++) {
    // exp(±700) over/underflows: the estimate ran off to a boundary, so the data cannot fix it.
    if (!(Math.abs(best.x[i] as number) < 700)) {
      throw new StatsError('not_identifiable', `parameter ${names[i]} diverges to ${best.x[i]! > 0 ? 'infinity' : 'zero'}`);
    }
  }
  const se = standardErrorsFromLogHessian(numericHessian(negLogLik, best.x), best.x);
  const params = {} as Record<string, number>;
  const standardErrors = {} as Record<string, number>;
  names.forEach((name, i) => {
    params[name] = Math.exp(best.x[i] as number);
    standardErrors[name] = se[i] as number;
  });
  return {
    params: params as P,
    logLikelihood: -best.value,
    standardErrors: standardErrors as P,
    converged: best.converged,
    iterations: best.iterations,
    message: `${best.message} (${best.agreeing} of ${best.starts} starts reached the optimum)`,
    method: best.method,
    starts: best.starts,
  };
}

/** A log-likelihood in the natural parameters that, given `grad`, writes its gradient in `names` order. */
export interface ParameterLikelihood<P> {
  evaluate(params: P, grad: Float64Array): number;
}

/**
 * −ℓ as a function of φ = log θ with its gradient (∂/∂φ = θ·∂/∂θ), the form the optimiser works
 * on, for a likelihood whose gradient is in the natural parameters `names` (in φ order).
 */
export function logParameterObjective<P extends { [K in keyof P]: number }>(
  names: readonly (keyof P & string)[],
  likelihood: ParameterLikelihood<P>,
): Objective {
  const g = new Float64Array(names.length);
  return (phi, grad) => {
    const p = {} as Record<string, number>;
    for (let i = 0; i < names.length; i++) p[names[i]!] = Math.exp(phi[i] as number);
    const ll = likelihood.evaluate(p as P, g);
    for (let i = 0; i < names.length; i++) grad[i] = -(g[i] as number) * (p[names[i]!] as number);
    return -ll;
  };
}

/**
 * Throw StatsError('invalid_input') unless every parameter of `model` is finite and positive.
 */
export function checkPositiveParameters<P extends { [K in keyof P]: number }>(model: string, names: readonly (keyof P & string)[], p: P): void {
  if (!names.every((name) => p[name] > 0 && Number.isFinite(p[name]))) {
    throw new StatsError('invalid_input', `${model} parameters must be finite and positive: ${JSON.stringify(p)}`);
  }
}

/**
 * Validate a batch-scoring call of a repeat-purchase model and return its output arrays: history
 * columns of equal length, a finite horizon ≥ 0, `out` (reused when given) long enough.
 */
export function scoreBuffers(histories: Histories, horizon: number, out?: RfScores): RfScores & { n: number } {
  const n = historiesLength(histories);
  if (!(horizon >= 0) || !Number.isFinite(horizon)) throw new StatsError('invalid_input', `horizon must be finite and ≥ 0, got ${horizon}`);
  const pAlive = out?.pAlive ?? new Float64Array(n);
  const expected = out?.expected ?? new Float64Array(n);
  if (pAlive.length < n || expected.length < n) throw new StatsError('invalid_input', 'output arrays are shorter than the histories');
  return { n, pAlive, expected };
}

/** Parameter vector in log space from natural values (for building starting points). */
export function logStart(...values: number[]): Float64Array {
  return Float64Array.from(values, Math.log);
}

/** Weighted totals of a triple data set that models use for checks and starting values. */
export interface TripleTotals {
  /** Σ weight (customers represented). */
  weight: number;
  /** Σ weight · x (repeat transactions). */
  repeats: number;
  /** Σ weight over x > 0 (customers who repeated). */
  repeaters: number;
  /** Σ weight · T (customer-time observed). */
  exposure: number;
  /** Largest x (sizes the per-frequency tables of the likelihoods). */
  maxX: number;
}

/**
 * Validate (x, t_x, T, weight) triples and return their totals: equal lengths, x a non-negative
 * integer, 0 ≤ t_x ≤ T finite, t_x = 0 when x = 0, weight finite and ≥ 0 (Fader, Hardie & Lee 2005,
 * §2 define the summary). Throws StatsError('invalid_input') naming the first offending triple.
 */
export function checkTriples(data: RfTriples): TripleTotals {
  const { x, tx, T, weight } = data;
  const n = x.length;
  if (tx.length !== n || T.length !== n || weight.length !== n) {
    throw new StatsError(
      'invalid_input',
      `triple columns differ in length (x ${n}, tx ${tx.length}, T ${T.length}, weight ${weight.length})`,
    );
  }
  const totals: TripleTotals = { weight: 0, repeats: 0, repeaters: 0, exposure: 0, maxX: 0 };
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const ti = tx[i] as number;
    const Ti = T[i] as number;
    const wi = weight[i] as number;
    const ok =
      Number.isInteger(xi) &&
      xi >= 0 &&
      ti >= 0 &&
      Ti >= ti &&
      Number.isFinite(Ti) &&
      (xi > 0 || ti === 0) &&
      wi >= 0 &&
      Number.isFinite(wi);
    if (!ok) {
      throw new StatsError(
        'invalid_input',
        `triple ${i} is not a valid history: x=${xi}, tx=${ti}, T=${Ti}, weight=${wi} ` +
          '(need integer x ≥ 0, 0 ≤ tx ≤ T finite, tx = 0 when x = 0, finite weight ≥ 0)',
      );
    }
    totals.weight += wi;
    totals.repeats += wi * xi;
    totals.exposure += wi * Ti;
    if (xi > 0) totals.repeaters += wi;
    if (wi > 0 && xi > totals.maxX) totals.maxX = xi;
  }
  return totals;
}

/**
 * `checkTriples` plus the conditions without which no repeat-purchase model (BG/NBD, Pareto/NBD)
 * is identified: some customers, someone who repeated, some observed time.
 */
export function checkRepeatPurchaseData(data: RfTriples, model: string): TripleTotals {
  const totals = checkTriples(data);
  if (!(totals.weight > 0)) throw new StatsError('no_data', `${model}: no customers to fit`);
  if (!(totals.repeaters > 0)) {
    throw new StatsError(
      'not_identifiable',
      `${model}: no customer made a repeat purchase, so purchase rates and dropout cannot be estimated`,
    );
  }
  if (!(totals.exposure > 0)) {
    throw new StatsError('not_identifiable', `${model}: every customer has T = 0 (no time observed)`);
  }
  return totals;
}

/** Batch-scoring inputs: per-customer (or per-triple) x, t_x, T of equal length. */
export interface Histories {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
}

/** Output of the batch scorers of the repeat-purchase models. */
export interface RfScores {
  pAlive: Float64Array;
  /** Expected transactions in the next `horizon` periods. */
  expected: Float64Array;
}

/** Check that the history columns line up; returns their length. */
export function historiesLength(h: Histories): number {
  const n = h.x.length;
  if (h.tx.length !== n || h.T.length !== n) {
    throw new StatsError('invalid_input', `x, tx and T differ in length (${n}, ${h.tx.length}, ${h.T.length})`);
  }
  return n;
}

/**
 * The distinct values across one or more columns, and per column the index of each entry's value
 * among them. Likelihood terms that depend on x alone (lnΓ(r + x) − lnΓ(r), …) or on a time alone
 * (ln(α + T), …) are then computed once per distinct value per evaluation instead of once per
 * triple; summaries at daily resolution have a few hundred distinct times however many customers.
 */
export interface DistinctValues {
  values: Float64Array;
  /** slotOf[c][i]: index in `values` of column c's entry i. */
  slotOf: Int32Array[];
}

export function distinctValues(...columns: Float64Array[]): DistinctValues {
  const index = new Map<number, number>();
  const values: number[] = [];
  const slotOf = columns.map((column) => {
    const slots = new Int32Array(column.length);
    for (let i = 0; i < column.length; i++) {
      const v = column[i] as number;
      let slot = index.get(v);
      if (slot === undefined) {
        slot = values.length;
        values.push(v);
        index.set(v, slot);
      }
      slots[i] = slot;
    }
    return slots;
  });
  return { values: Float64Array.from(values), slotOf };
}

/**
 * A direct-mapped memo for quantities that depend on a history only through (x, u) — u being t_x
 * or T — such as the 2F1 terms of Pareto/NBD or the expectation term of BG/NBD. Histories
 * summarised at daily resolution share few (x, u) pairs, so most lookups hit; a collision simply
 * recomputes. Fixed memory, no allocation per lookup.
 */
export class PairMemo {
  readonly values: Float64Array;
  private readonly keyX: Float64Array;
  private readonly keyU: Float64Array;
  private readonly mask: number;
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);

  /** `entries` is rounded up to a power of two; each entry stores `width` numbers. */
  constructor(
    entries: number,
    readonly width: number,
  ) {
    let capacity = 64;
    while (capacity < entries && capacity < 1 << 22) capacity *= 2;
    this.mask = capacity - 1;
    this.keyX = new Float64Array(capacity).fill(Number.NaN);
    this.keyU = new Float64Array(capacity);
    this.values = new Float64Array(capacity * width);
  }

  /** Slot for (x, u); its values start at `slot * width`. */
  slot(x: number, u: number): number {
    this.bits[0] = u;
    let h = Math.imul((this.words[0] as number) ^ Math.imul(x | 0, 0x9e3779b1), 0x85ebca6b);
    h = Math.imul(h ^ (this.words[1] as number) ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Whether `slot` currently holds the values for (x, u). */
  holds(slot: number, x: number, u: number): boolean {
    return this.keyX[slot] === x && this.keyU[slot] === u;
  }

  /** Mark `slot` as holding (x, u) (after writing its values). */
  claim(slot: number, x: number, u: number): void {
    this.keyX[slot] = x;
    this.keyU[slot] = u;
  }

  /** Forget every entry (parameters changed). */
  clear(): void {
    this.keyX.fill(Number.NaN);
  }
}

/** How T, the time from first purchase to the end of calibration, is drawn per simulated customer. */
export type TDistribution = number | Float64Array | ((rng: Rng) => number);

export interface SimulationOptions {
  /** T per customer: a constant, an array (cycled), or a draw. */
  T: TDistribution;
  /** Length of a holdout period after T, whose transactions are counted in `holdoutX`. */
  holdout?: number;
  /**
   * Record times on a grid of this width (e.g. 1/7 for days when time is in weeks): a
   * transaction's time is rounded down to the grid and transactions in the same cell merge, as
   * the summary merges same-day purchases. Default: continuous time.
   */
  resolution?: number;
}

export interface SimulatedHistories extends Histories {
  /** Transactions in (T, T + holdout]. */
  holdoutX: Float64Array;
}

/**
 * One simulated customer of a model: `begin` draws the customer's latent traits, `next(t)` the
 * time of the transaction after time t, +∞ once the customer has dropped out.
 */
export interface CustomerProcess {
  begin(rng: Rng): void;
  next(t: number, rng: Rng): number;
}

/**
 * Simulate n customers of a purchase process from their first purchase at time 0 (shared by the
 * models' simulators): x, t_x, T over the calibration period and holdout counts after it.
 */
export function simulateHistories(process: CustomerProcess, n: number, options: SimulationOptions, rng: Rng): SimulatedHistories {
  if (!Number.isInteger(n) || n < 0) throw new StatsError('invalid_input', `customer count must be a non-negative integer, got ${n}`);
  const holdout = options.holdout ?? 0;
  const res = options.resolution ?? 0;
  const Tdist = options.T;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const holdoutX = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const Ti = typeof Tdist === 'number' ? Tdist : typeof Tdist === 'function' ? Tdist(rng) : (Tdist[i % Tdist.length] as number);
    if (!(Ti >= 0) || !Number.isFinite(Ti)) throw new StatsError('invalid_input', `simulated T must be finite and ≥ 0, got ${Ti}`);
    T[i] = Ti;
    process.begin(rng);
    const end = Ti + holdout;
    let last = 0; // recorded time of the latest transaction (the first is at 0)
    let xi = 0;
    let lastCalibration = 0;
    let h = 0;
    for (let t = process.next(0, rng); t <= end; t = process.next(t, rng)) {
      const recorded = res > 0 ? Math.floor(t / res) * res : t;
      if (recorded === last) continue; // same grid cell: merged with the previous transaction
      last = recorded;
      if (recorded <= Ti) {
        xi++;
        lastCalibration = recorded;
      } else h++;
    }
    x[i] = xi;
    tx[i] = lastCalibration;
    holdoutX[i] = h;
  }
  return { x, tx, T, holdoutX };
}
