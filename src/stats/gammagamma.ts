/**
 * Gamma-Gamma model of the monetary value of repeat transactions — Fader, Hardie & Lee (2005),
 * "RFM and CLV: Using iso-value curves for customer base analysis", Journal of Marketing Research
 * 42(4), 415–430, and Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (note).
 *
 * A customer's transaction values z are Gamma(p, ν) around the customer's mean p/ν; across
 * customers ν ~ Gamma(q, γ). The observed average m̄ of x repeat transactions is Gamma(px, νx), so
 * integrating ν out gives the marginal density (Fader & Hardie 2013; FHL 2005):
 *
 *   f(m̄ | p, q, γ, x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q · m̄^(px − 1) · x^(px) / (γ + m̄x)^(px + q)
 *
 * Only customers with x > 0 carry information (m̄ is the mean of the REPEAT transactions; see
 * summary.ts). The model assumes spend is independent of transaction frequency; FHL 2005 check this
 * with the correlation of x and m̄ (0.11 for CDNOW), and `spendFrequencyCorrelation` reports it.
 */
import { StatsError } from './errors.js';
import { distinctValues, fitLogParameters, logStart, type FitResult } from './fit.js';
import { digamma, lnGamma } from './special.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/**
 * Spend observations: per customer (or per group of customers with identical values), the number of
 * repeat transactions x and their mean amount m̄; optional weights (default 1).
 */
export interface SpendData {
  x: ArrayLike<number>;
  meanSpend: ArrayLike<number>;
  weight?: ArrayLike<number>;
}

function checkParams({ p, q, gamma }: GammaGammaParams): void {
  if (!(p > 0 && q > 0 && gamma > 0) || !Number.isFinite(p + q + gamma)) {
    throw new StatsError('invalid_input', `Gamma-Gamma parameters must be positive and finite (p=${p}, q=${q}, γ=${gamma})`);
  }
}

/** Rows that enter the model: x > 0, m̄ > 0 and finite, weight > 0. */
interface UsableRows {
  x: Float64Array;
  m: Float64Array;
  w: Float64Array;
  /** Total weight of usable rows. */
  customers: number;
  /** Rows skipped because x = 0 (or NaN): they carry no spend information. */
  withoutRepeats: number;
  /** Rows skipped because m̄ ≤ 0 or not finite although x > 0 (refunds, zero-value orders). */
  nonPositiveSpend: number;
}

function usableRows(data: SpendData): UsableRows {
  const n = data.x.length;
  if (data.meanSpend.length !== n || (data.weight && data.weight.length !== n)) {
    throw new StatsError('invalid_input', 'x, meanSpend and weight must have the same length');
  }
  let keep = 0;
  let withoutRepeats = 0;
  let nonPositiveSpend = 0;
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = data.x[i] as number;
    const m = data.meanSpend[i] as number;
    const w = data.weight ? (data.weight[i] as number) : 1;
    if (!(w >= 0)) throw new StatsError('invalid_input', `weight ${i} is negative or NaN`);
    if (!(x > 0) || w === 0) {
      if (x < 0) throw new StatsError('invalid_input', `x must be ≥ 0 (row ${i}: ${x})`);
      withoutRepeats++;
      continue;
    }
    if (!(m > 0) || !Number.isFinite(m)) {
      nonPositiveSpend++;
      continue;
    }
    ok[i] = 1;
    keep++;
  }
  const x = new Float64Array(keep);
  const m = new Float64Array(keep);
  const w = new Float64Array(keep);
  let customers = 0;
  for (let i = 0, j = 0; i < n; i++) {
    if (!ok[i]) continue;
    x[j] = data.x[i] as number;
    m[j] = data.meanSpend[i] as number;
    w[j] = data.weight ? (data.weight[i] as number) : 1;
    customers += w[j] as number;
    j++;
  }
  return { x, m, w, customers, withoutRepeats, nonPositiveSpend };
}

/**
 * The usable rows regrouped by distinct x — the sufficient statistics of the likelihood. Per
 * customer (Fader & Hardie 2013, marginal density above)
 *   ℓ_i = lnΓ(px + q) − lnΓ(px) − lnΓ(q) + q ln γ + px ln x + (px − 1) ln m̄_i − (px + q) ln(γ + m̄_i x),
 * and only the last term couples the parameters with m̄. So per distinct x_k, with the total weight
 * W_k = Σ w_i and S_k = Σ w_i ln m̄_i over its customers, and A_k = Σ w_i ln(γ + m̄_i x_k),
 *   Σ_{i: x_i = x_k} w_i ℓ_i = W_k [lnΓ(px_k + q) − lnΓ(px_k) − lnΓ(q) + q ln γ + px_k ln x_k]
 *                             + (px_k − 1) S_k − (px_k + q) A_k,
 * and with C_k = Σ w_i / (γ + m̄_i x_k) the derivatives are
 *   ∂LL/∂p = Σ_k x_k [W_k (ψ(px_k + q) − ψ(px_k) + ln x_k) + S_k − A_k]
 *   ∂LL/∂q = Σ_k W_k (ψ(px_k + q) − ψ(q) + ln γ) − A_k
 *   ∂LL/∂γ = Σ_k q W_k / γ − (px_k + q) C_k.
 * The lnΓ/ψ terms are evaluated once per distinct x per evaluation; per customer only A_k and C_k
 * remain: one log and one division. Customers are stored grouped by x (a counting sort), so the
 * per-customer loop streams two typed arrays.
 */
class SpendLikelihood {
  /** Distinct x values. */
  private readonly xs: Float64Array;
  /** Per distinct x: W_k, S_k and ln x_k. */
  private readonly weightOfX: Float64Array;
  private readonly sumLnM: Float64Array;
  private readonly lnX: Float64Array;
  /** Customers of distinct x k are [start[k], start[k + 1]) in `y` and `w`. */
  private readonly start: Int32Array;
  /** Per customer, grouped by x: m̄ · x, the only per-customer quantity the parameters meet. */
  private readonly y: Float64Array;
  /** Per customer weights in the same order, or null when every weight is 1. */
  private readonly w: Float64Array | null;

  constructor(rows: UsableRows) {
    const freq = distinctValues(rows.x);
    const slot = freq.slotOf[0] as Int32Array;
    const xs = freq.values;
    const k = xs.length;
    const n = rows.x.length;
    this.xs = xs;
    this.weightOfX = new Float64Array(k);
    this.sumLnM = new Float64Array(k);
    this.lnX = new Float64Array(k);
    this.start = new Int32Array(k + 1);
    let unitWeights = true;
    for (let i = 0; i < n; i++) {
      const s = slot[i] as number;
      const wi = rows.w[i] as number;
      if (wi !== 1) unitWeights = false;
      this.weightOfX[s]! += wi;
      this.sumLnM[s]! += wi * Math.log(rows.m[i] as number);
      this.start[s + 1]!++;
    }
    for (let j = 0; j < k; j++) {
      this.lnX[j] = Math.log(xs[j] as number);
      this.start[j + 1]! += this.start[j] as number;
    }
    this.y = new Float64Array(n);
    this.w = unitWeights ? null : new Float64Array(n);
    const fill = this.start.slice(0, k);
    for (let i = 0; i < n; i++) {
      const s = slot[i] as number;
      const pos = fill[s]!++;
      this.y[pos] = (rows.m[i] as number) * (xs[s] as number);
      if (this.w) this.w[pos] = rows.w[i] as number;
    }
  }

  /**
   * Weighted log-likelihood Σ w_i ℓ_i. With `gradient`, writes ∂LL/∂ln p, ∂LL/∂ln q, ∂LL/∂ln γ.
   * No allocation.
   */
  evaluate(params: GammaGammaParams, gradient?: Float64Array): number {
    const { p, q, gamma } = params;
    const { xs, weightOfX, sumLnM, lnX, start, y, w } = this;
    const lnGammaQ = lnGamma(q);
    const digammaQ = gradient ? digamma(q) : 0;
    const lnG = Math.log(gamma);
    let ll = 0;
    let dp = 0;
    let dq = 0;
    let dg = 0;
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k] as number;
      const W = weightOfX[k] as number;
      const S = sumLnM[k] as number;
      const px = p * x;
      // A = Σ w ln(γ + m̄x), C = Σ w / (γ + m̄x) over the customers with this x.
      let A = 0;
      let C = 0;
      const lo = start[k] as number;
      const hi = start[k + 1] as number;
      if (w === null) {
        if (gradient) {
          for (let i = lo; i < hi; i++) {
            const d = gamma + (y[i] as number);
            A += Math.log(d);
            C += 1 / d;
          }
        } else {
          for (let i = lo; i < hi; i++) A += Math.log(gamma + (y[i] as number));
        }
      } else if (gradient) {
        for (let i = lo; i < hi; i++) {
          const d = gamma + (y[i] as number);
          const wi = w[i] as number;
          A += wi * Math.log(d);
          C += wi / d;
        }
      } else {
        for (let i = lo; i < hi; i++) A += (w[i] as number) * Math.log(gamma + (y[i] as number));
      }
      const lnXk = lnX[k] as number;
      ll += W * (lnGamma(px + q) - lnGamma(px) - lnGammaQ + q * lnG + px * lnXk) + (px - 1) * S - (px + q) * A;
      if (gradient) {
        const psiSum = digamma(px + q);
        dp += x * (W * (psiSum - digamma(px) + lnXk) + S - A);
        dq += W * (psiSum - digammaQ + lnG) - A;
        dg += (q * W) / gamma - (px + q) * C;
      }
    }
    if (gradient) {
      gradient[0] = p * dp;
      gradient[1] = q * dq;
      gradient[2] = gamma * dg;
    }
    return ll;
  }
}

/**
 * Weighted Gamma-Gamma log-likelihood of the data (rows with x = 0 or m̄ ≤ 0 are skipped), FHL 2005
 * and Fader & Hardie 2013 (marginal density of m̄). Optional gradient in log-parameters (ln p, ln q, ln γ).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SpendData, gradient?: Float64Array): number {
  checkParams(params);
  return new SpendLikelihood(usableRows(data)).evaluate(params, gradient);
}

export interface GammaGammaFit extends FitResult<GammaGammaParams> {
  /** Weighted customers with x > 0 and m̄ > 0 used in the fit. */
  customers: number;
  /** Rows skipped because x = 0. */
  withoutRepeats: number;
  /** Rows skipped because x > 0 but m̄ ≤ 0 (the model needs positive spend). */
  nonPositiveSpend: number;
  /** Population mean spend pγ/(q − 1), or null when q ≤ 1 (the mean does not exist). */
  populationMeanSpend: number | null;
  /** False when q ≤ 1: conditional expected spend is then undefined (see `conditionalExpectedSpend`). */
  meanExists: boolean;
  /** Frequency–spend correlation check (FHL 2005). */
  correlation: SpendFrequencyCorrelation;
}

/**
 * Maximum-likelihood fit of the Gamma-Gamma model (Fader & Hardie 2013) through the shared
 * log-parameter optimiser. Needs at least two customers with repeat transactions.
 */
export function fitGammaGamma(data: SpendData): GammaGammaFit {
  const rows = usableRows(data);
  if (rows.x.length < 2) {
    throw new StatsError('no_data', `the spend model needs customers with repeat purchases; found ${rows.x.length}`);
  }
  const likelihood = new SpendLikelihood(rows);
  const theta: GammaGammaParams = { p: 1, q: 1, gamma: 1 };
  const negLogLik = (phi: Float64Array, grad: Float64Array): number => {
    theta.p = Math.exp(phi[0] as number);
    theta.q = Math.exp(phi[1] as number);
    theta.gamma = Math.exp(phi[2] as number);
    const ll = likelihood.evaluate(theta, grad);
    for (let k = 0; k < 3; k++) grad[k] = -(grad[k] as number);
    return -ll;
  };
  // Starts scaled to the data: the population mean pγ/(q − 1) equals the average m̄, whatever the
  // currency unit, so cents and dollars fit alike.
  let mean = 0;
  for (let i = 0; i < rows.m.length; i++) mean += (rows.w[i] as number) * (rows.m[i] as number);
  mean /= rows.customers;
  const starts = [
    logStart(1, 2, mean),
    logStart(5, 3, (2 * mean) / 5),
    logStart(0.5, 1.5, mean),
  ];
  const fit = fitLogParameters<GammaGammaParams>(['p', 'q', 'gamma'], negLogLik, starts);
  return {
    ...fit,
    customers: rows.customers,
    withoutRepeats: rows.withoutRepeats,
    nonPositiveSpend: rows.nonPositiveSpend,
    populationMeanSpend: populationMeanSpend(fit.params),
    meanExists: fit.params.q > 1,
    correlation: correlationOfRows(rows),
  };
}

/**
 * Pearson correlation between the number of repeat transactions x and the average repeat spend m̄
 * over customers with x > 0 (weighted). FHL 2005 report r = 0.11 for CDNOW and
 * take the independence assumption of the Gamma-Gamma model as reasonable. `warning` is set when
 * |r| ≥ threshold (default 0.3): spend then depends on frequency and CLV may be biased.
 */
export interface SpendFrequencyCorrelation {
  r: number;
  customers: number;
  threshold: number;
  warning: boolean;
}

export function spendFrequencyCorrelation(data: SpendData, threshold = 0.3): SpendFrequencyCorrelation {
  return correlationOfRows(usableRows(data), threshold);
}

function correlationOfRows(rows: UsableRows, threshold = 0.3): SpendFrequencyCorrelation {
  const { x, m, w, customers } = rows;
  let sw = 0;
  let mx = 0;
  let mm = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w[i] as number;
    sw += wi;
    mx += wi * (x[i] as number);
    mm += wi * (m[i] as number);
  }
  mx /= sw;
  mm /= sw;
  let sxx = 0;
  let smm = 0;
  let sxm = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w[i] as number;
    const dx = (x[i] as number) - mx;
    const dm = (m[i] as number) - mm;
    sxx += wi * dx * dx;
    smm += wi * dm * dm;
    sxm += wi * dx * dm;
  }
  const r = sxx > 0 && smm > 0 ? sxm / Math.sqrt(sxx * smm) : Number.NaN;
  return { r, customers, threshold, warning: Math.abs(r) >= threshold };
}

/**
 * E[M | p, q, γ, m̄, x] = (γ + m̄x) p / (px + q − 1): the expected average transaction value of a
 * customer with x repeat transactions averaging m̄ (FHL 2005; Fader & Hardie 2013). It is
 * a weighted average of the population mean pγ/(q − 1) and the customer's m̄ with weight on m̄
 * growing with x; for x = 0 it is the population mean. Needs q > 1 (otherwise the mean is infinite):
 * throws StatsError('not_identifiable') then. Vectorised over customers; NaN m̄ is allowed for x = 0.
 */
export function conditionalExpectedSpend(
  params: GammaGammaParams,
  x: ArrayLike<number>,
  meanSpend: ArrayLike<number>,
  out: Float64Array = new Float64Array(x.length),
): Float64Array {
  checkParams(params);
  const { p, q, gamma } = params;
  if (!(q > 1)) {
    throw new StatsError('not_identifiable', `q = ${q} ≤ 1: the Gamma-Gamma mean spend does not exist`);
  }
  if (meanSpend.length !== x.length || out.length !== x.length) {
    throw new StatsError('invalid_input', 'x, meanSpend and out must have the same length');
  }
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    // x = 0: m̄ is undefined (NaN) and drops out.
    const mx = xi > 0 ? (meanSpend[i] as number) * xi : 0;
    out[i] = ((gamma + mx) * p) / (p * xi + q - 1);
  }
  return out;
}

/** Population mean transaction value E[M] = pγ/(q − 1) (Fader & Hardie 2013); null when q ≤ 1. */
export function populationMeanSpend(params: GammaGammaParams): number | null {
  checkParams(params);
  return params.q > 1 ? (params.p * params.gamma) / (params.q - 1) : null;
}
