/**
 * Shifted-beta-geometric (sBG) model of contract renewal — Fader & Hardie (2007), "How to project
 * customer retention", Journal of Interactive Marketing 21(1), 76–90.
 *
 * Each customer renews at the end of every period with an individual probability 1 − θ (θ is the
 * churn probability), θ ~ Beta(α, β) across customers. Periods are numbered t = 1, 2, …; a customer
 * "churns in period t" when period t is the last one paid for (T = t).
 *
 *   P(T = t | α, β) = B(α + 1, β + t − 1) / B(α, β)                                    (FH 2007)
 *                   = α/(α+β) for t = 1,  P(T = t − 1) · (β + t − 2)/(α + β + t − 1) for t > 1
 *   S(t | α, β)     = B(α, β + t) / B(α, β) = 1 − Σ_{j ≤ t} P(T = j)
 *   r(t)            = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)
 *
 * All three are computed with the ratios above (no Beta functions), which is exact and stable for
 * any horizon a business uses.
 */
import { StatsError } from './errors.js';
import { fitLogParameters, logStart, type FitResult } from './fit.js';
import { hyp2f1 } from './special.js';

export interface SbgParams {
  alpha: number;
  beta: number;
}

/**
 * A cohort as counts alive at the start of periods 0..n: alive[0] is the cohort size and
 * alive[t] those who renewed t times. Counts may be fractional (weights), must not increase.
 */
export type Survivors = ArrayLike<number>;

function checkParams({ alpha, beta }: SbgParams): void {
  if (!(alpha > 0) || !(beta > 0) || !Number.isFinite(alpha) || !Number.isFinite(beta)) {
    throw new StatsError('invalid_input', `sBG parameters must be positive and finite (α=${alpha}, β=${beta})`);
  }
}

function checkPeriod(t: number): void {
  if (!Number.isInteger(t) || t < 0) throw new StatsError('invalid_input', `period must be an integer ≥ 0, got ${t}`);
}

/** Validate a survivor curve and return the churn counts per period 1..n and the still-alive count. */
export function churnCounts(alive: Survivors): { churned: Float64Array; stillAlive: number; size: number } {
  const n = alive.length - 1;
  if (n < 1) throw new StatsError('no_data', 'a cohort needs its size and at least one later period');
  const size = alive[0] as number;
  if (!(size > 0) || !Number.isFinite(size)) throw new StatsError('invalid_input', `cohort size must be positive, got ${size}`);
  const churned = new Float64Array(n);
  for (let t = 1; t <= n; t++) {
    const before = alive[t - 1] as number;
    const now = alive[t] as number;
    if (!(now >= 0) || !Number.isFinite(now) || now > before) {
      throw new StatsError('invalid_input', `alive counts must be finite, ≥ 0 and non-increasing (period ${t}: ${before} → ${now})`);
    }
    churned[t - 1] = before - now;
  }
  return { churned, stillAlive: alive[n] as number, size };
}

/** P(T = t | α, β), the probability of churning in period t ≥ 1 (FH 2007, forward recursion). */
export function sbgChurnProbability(params: SbgParams, t: number): number {
  checkParams(params);
  checkPeriod(t);
  if (t === 0) return 0;
  const { alpha, beta } = params;
  let p = alpha / (alpha + beta);
  for (let j = 2; j <= t; j++) p *= (beta + j - 2) / (alpha + beta + j - 1);
  return p;
}

/** S(t | α, β): probability of still being a customer after t periods, S(0) = 1 (FH 2007). */
export function sbgSurvival(params: SbgParams, t: number): number {
  checkParams(params);
  checkPeriod(t);
  const { alpha, beta } = params;
  let s = 1;
  for (let j = 1; j <= t; j++) s *= (beta + j - 1) / (alpha + beta + j - 1);
  return s;
}

/** r(t) = (β + t − 1) / (α + β + t − 1): the retention rate from period t − 1 to t, t ≥ 1 (FH 2007). */
export function sbgRetentionRate(params: SbgParams, t: number): number {
  checkParams(params);
  checkPeriod(t);
  if (t < 1) throw new StatsError('invalid_input', 'the retention rate is defined for periods t ≥ 1');
  return (params.beta + t - 1) / (params.alpha + params.beta + t - 1);
}

/**
 * Expected survivors at the start of periods 0..periods for a cohort of `size`: size · S(t).
 * This is the projection FH 2007 compare with the actual survivors.
 */
export function sbgProjectSurvivors(params: SbgParams, size: number, periods: number): Float64Array {
  checkParams(params);
  checkPeriod(periods);
  const out = new Float64Array(periods + 1);
  let s = 1;
  out[0] = size;
  for (let t = 1; t <= periods; t++) {
    s *= (params.beta + t - 1) / (params.alpha + params.beta + t - 1);
    out[t] = size * s;
  }
  return out;
}

/**
 * sBG log-likelihood of one cohort (FH 2007, the likelihood of their estimation section):
 *   LL = Σ_{t=1}^{n} n_t ln P(T = t) + (N − Σ n_t) ln S(n),
 * with n_t = alive[t − 1] − alive[t] churned in period t and alive[n] still customers.
 * When `gradient` is given it receives ∂LL/∂ln α and ∂LL/∂ln β. The digamma differences this needs
 * are finite sums, ψ(a + t) − ψ(a) = Σ_{k<t} 1/(a + k), so no special functions are involved.
 */
export function sbgLogLikelihood(params: SbgParams, alive: Survivors, gradient?: Float64Array): number {
  checkParams(params);
  const { churned, stillAlive } = churnCounts(alive);
  const { alpha, beta } = params;
  const n = churned.length;
  let ll = 0;
  let dA = 0;
  let dB = 0;
  // Running quantities for t = 1..n:
  //   lnP        = ln P(T = t)
  //   dlnP_dA    = ∂ ln P(T = t)/∂α = 1/α − Σ_{k=0}^{t−1} 1/(α+β+k)
  //   dlnP_dB    = ∂ ln P(T = t)/∂β = Σ_{k=0}^{t−2} 1/(β+k) − Σ_{k=0}^{t−1} 1/(α+β+k)
  let lnP = Math.log(alpha / (alpha + beta));
  let sumAB = 1 / (alpha + beta); // Σ_{k=0}^{t−1} 1/(α+β+k)
  let sumB = 0; // Σ_{k=0}^{t−2} 1/(β+k)
  for (let t = 1; t <= n; t++) {
    if (t > 1) {
      lnP += Math.log((beta + t - 2) / (alpha + beta + t - 1));
      sumAB += 1 / (alpha + beta + t - 1);
      sumB += 1 / (beta + t - 2);
    }
    const nt = churned[t - 1] as number;
    if (nt > 0) {
      ll += nt * lnP;
      dA += nt * (1 / alpha - sumAB);
      dB += nt * (sumB - sumAB);
    }
  }
  if (stillAlive > 0) {
    // ln S(n) = Σ_{j=1}^{n} ln((β+j−1)/(α+β+j−1));
    // ∂/∂α = −Σ_{k=0}^{n−1} 1/(α+β+k);  ∂/∂β = Σ_{k=0}^{n−1} 1/(β+k) − Σ_{k=0}^{n−1} 1/(α+β+k)
    let lnS = 0;
    let sAB = 0;
    let sB = 0;
    for (let k = 0; k < n; k++) {
      lnS += Math.log((beta + k) / (alpha + beta + k));
      sAB += 1 / (alpha + beta + k);
      sB += 1 / (beta + k);
    }
    ll += stillAlive * lnS;
    dA -= stillAlive * sAB;
    dB += stillAlive * (sB - sAB);
  }
  if (gradient) {
    gradient[0] = alpha * dA;
    gradient[1] = beta * dB;
  }
  return ll;
}

export interface SbgFit extends FitResult<SbgParams> {
  /** Periods of data the fit used (n). */
  periods: number;
  /** Cohort size (alive[0]), summed over cohorts when several are fitted jointly. */
  size: number;
}

/**
 * Maximum-likelihood sBG fit on one or several cohorts sharing (α, β) (FH 2007),
 * through the shared log-parameter optimiser. Refuses cohorts in which nobody churned (the
 * likelihood then increases without bound as α → 0: not identifiable).
 */
export function fitSbg(cohorts: Survivors | readonly Survivors[]): SbgFit {
  const list: readonly Survivors[] = isCohortList(cohorts) ? cohorts : [cohorts];
  if (list.length === 0) throw new StatsError('no_data', 'no cohort to fit');
  let churnedTotal = 0;
  let size = 0;
  let periods = 0;
  for (const alive of list) {
    const c = churnCounts(alive);
    for (const v of c.churned) churnedTotal += v;
    size += c.size;
    periods = Math.max(periods, c.churned.length);
  }
  if (churnedTotal === 0) {
    throw new StatsError('not_identifiable', 'nobody churned in the data: the churn distribution cannot be estimated');
  }
  const theta: SbgParams = { alpha: 1, beta: 1 };
  const g = new Float64Array(2);
  const negLogLik = (phi: Float64Array, grad: Float64Array): number => {
    theta.alpha = Math.exp(phi[0] as number);
    theta.beta = Math.exp(phi[1] as number);
    let ll = 0;
    grad[0] = 0;
    grad[1] = 0;
    for (const alive of list) {
      ll += sbgLogLikelihood(theta, alive, g);
      grad[0] -= g[0] as number;
      grad[1] -= g[1] as number;
    }
    return -ll;
  };
  const fit = fitLogParameters<SbgParams>(['alpha', 'beta'], negLogLik, [logStart(1, 1), logStart(0.5, 3), logStart(3, 0.5)]);
  return { ...fit, periods, size };
}

function isCohortList(c: Survivors | readonly Survivors[]): c is readonly Survivors[] {
  return c.length > 0 && typeof c[0] !== 'number';
}

/**
 * Discounted expected residual lifetime of a customer who has made n renewals, evaluated just as
 * the (n+1)-th renewal decision is taken (Fader & Hardie 2010, "Customer-base valuation in a
 * contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1), the DERT expression with the Gaussian hypergeometric function):
 *   DERT(d | α, β, n) = (β + n)/(α + β + n) · 2F1(1, β + n + 1; α + β + n + 1; 1/(1 + d))
 *                     = Σ_{k ≥ 1} [S(n + k)/S(n)] / (1 + d)^{k − 1}.
 * Multiply by the value of one period to get the residual customer value. `discount` is the
 * per-period discount rate d > 0.
 */
export function sbgDert(params: SbgParams, discount: number, renewals: number): number {
  checkParams(params);
  checkPeriod(renewals);
  if (!(discount > 0) || !Number.isFinite(discount)) {
    throw new StatsError('invalid_input', `discount rate must be positive, got ${discount}`);
  }
  const { alpha, beta } = params;
  const n = renewals;
  return ((beta + n) / (alpha + beta + n)) * hyp2f1(1, beta + n + 1, alpha + beta + n + 1, 1 / (1 + discount));
}
