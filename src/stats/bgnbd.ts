/**
 * The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way: an
 * alternative to the Pareto/NBD model", Marketing Science 24(2), 275–284 ("FHL").
 *
 * While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after every repeat
 * purchase they drop out with probability p ~ Beta(a, b). Fitting uses the weighted likelihood over
 * distinct (x, t_x, T) histories; scoring gives P(alive), the expected number of transactions in
 * the next t periods, and E[X(t)] for a new customer.
 */
import { StatsError } from './errors.js';
import {
  checkRepeatPurchaseData,
  distinctValues,
  checkPositiveParameters,
  fitLogParameters,
  logParameterObjective,
  logStart,
  PairMemo,
  scoreBuffers,
  simulateHistories,
  type DistinctValues,
  type FitResult,
  type Histories,
  type RfScores,
  type RfTriples,
  type SimulatedHistories,
  type SimulationOptions,
} from './fit.js';
import type { MinimizeOptions, Objective } from './optimize.js';
import type { Rng } from './random.js';
import { digamma, lnGamma, oneMinusExpOverK } from './special.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Parameter order of every vector in this module (gradients, log-parameter points). */
export const BG_NBD_PARAMETERS = ['r', 'alpha', 'a', 'b'] as const;

function checkParams(p: BgNbdParams): void {
  checkPositiveParameters('BG/NBD', BG_NBD_PARAMETERS, p);
}

/**
 * Evaluates the weighted log-likelihood (FHL eq. 6) and its gradient. Terms that depend on x
 * alone or on a time alone are tabulated per distinct value, leaving one exp and one log1p per
 * triple; the tables are allocated once, so evaluations during a fit allocate nothing.
 */
class BgNbdLikelihood {
  private readonly freq: DistinctValues;
  private readonly times: DistinctValues;
  /** Per distinct x: ln[Γ(r+x)/Γ(r)] + ln[B(a, b+x)/B(a, b)], and the matching ψ differences. */
  private readonly lnTerm: Float64Array;
  private readonly psiR: Float64Array;
  private readonly psiB: Float64Array;
  private readonly psiAB: Float64Array;
  /** Per distinct x: ln(b + x − 1) and 1/(b + x − 1) (x > 0). */
  private readonly lnBm1: Float64Array;
  private readonly invBm1: Float64Array;
  /** Per distinct x: total weight of the triples with that x; and the total weight. */
  private readonly weightOfX: Float64Array;
  private readonly totalWeight: number;
  /** Per distinct time u: ln(α + u) and 1/(α + u). */
  private readonly lnAu: Float64Array;
  private readonly invAu: Float64Array;

  constructor(private readonly data: RfTriples) {
    this.freq = distinctValues(data.x);
    this.times = distinctValues(data.tx, data.T);
    const k = this.freq.values.length;
    this.lnTerm = new Float64Array(k);
    this.psiR = new Float64Array(k);
    this.psiB = new Float64Array(k);
    this.psiAB = new Float64Array(k);
    this.lnBm1 = new Float64Array(k);
    this.invBm1 = new Float64Array(k);
    this.weightOfX = new Float64Array(k);
    const slotX = this.freq.slotOf[0] as Int32Array;
    let total = 0;
    for (let i = 0; i < data.x.length; i++) {
      this.weightOfX[slotX[i] as number]! += data.weight[i] as number;
      total += data.weight[i] as number;
    }
    this.totalWeight = total;
    this.lnAu = new Float64Array(this.times.values.length);
    this.invAu = new Float64Array(this.times.values.length);
  }

  /** Weighted LL at p; when `grad` is given, writes ∂LL/∂(r, α, a, b) into it. */
  evaluate(p: BgNbdParams, grad?: Float64Array): number {
    const { r, alpha, a, b } = p;
    const withGrad = grad !== undefined;
    const xs = this.freq.values;
    const lnGr = lnGamma(r);
    const lnGb = lnGamma(b);
    const lnGab = lnGamma(a + b);
    const psi0R = withGrad ? digamma(r) : 0;
    const psi0B = withGrad ? digamma(b) : 0;
    const psi0AB = withGrad ? digamma(a + b) : 0;
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k] as number;
      this.lnTerm[k] = lnGamma(r + x) - lnGr + lnGamma(b + x) - lnGb - lnGamma(a + b + x) + lnGab;
      this.lnBm1[k] = Math.log(b + x - 1);
      if (withGrad) {
        this.psiR[k] = digamma(r + x) - psi0R;
        this.psiB[k] = digamma(b + x) - psi0B;
        this.psiAB[k] = digamma(a + b + x) - psi0AB;
      }
    }
    const us = this.times.values;
    for (let k = 0; k < us.length; k++) {
      this.lnAu[k] = Math.log(alpha + (us[k] as number));
      this.invAu[k] = 1 / (alpha + (us[k] as number));
    }
    const { x, weight } = this.data;
    const slotX = this.freq.slotOf[0] as Int32Array;
    const slotTx = this.times.slotOf[0] as Int32Array;
    const slotT = this.times.slotOf[1] as Int32Array;
    const lnAlpha = Math.log(alpha);
    const lnA = Math.log(a);
    // Terms that depend on x only are summed per distinct x with its total weight.
    let ll = 0;
    let gr = 0;
    let ga = 0;
    let gb = 0;
    for (let k = 0; k < xs.length; k++) {
      const W = this.weightOfX[k] as number;
      ll += W * (this.lnTerm[k] as number);
      if (withGrad) {
        gr += W * (this.psiR[k] as number);
        ga -= W * (this.psiAB[k] as number);
        gb += W * ((this.psiB[k] as number) - (this.psiAB[k] as number));
        this.invBm1[k] = 1 / (b + (xs[k] as number) - 1);
      }
    }
    const W = this.totalWeight;
    ll += W * r * lnAlpha;
    // Per triple: sums of the pieces that involve t_x and T.
    let sumW4 = 0; // Σ w·w4
    let sumW4B = 0; // Σ w·w4/(b + x − 1)
    let sumLn = 0; // Σ w·(w3 ln(α+T) + w4 ln(α+t_x))
    let sumInv = 0; // Σ w·(r+x)(w3/(α+T) + w4/(α+t_x))
    for (let i = 0; i < x.length; i++) {
      const w = weight[i] as number;
      const xi = x[i] as number;
      const sT = slotT[i] as number;
      const rx = r + xi;
      const lnAT = this.lnAu[sT] as number;
      // FHL eq. 6 in logs: ln L = lnTerm + r ln α − (r+x) ln(α+T) + ln(1 + δ_{x>0} e^d),
      // d = ln a − ln(b+x−1) − (r+x)[ln(α+t_x) − ln(α+T)].
      if (xi === 0) {
        ll -= w * rx * lnAT;
        if (withGrad) {
          sumLn += w * lnAT;
          sumInv += w * rx * (this.invAu[sT] as number);
        }
        continue;
      }
      const sx = slotX[i] as number;
      const sTx = slotTx[i] as number;
      const lnAtx = this.lnAu[sTx] as number;
      const d = lnA - (this.lnBm1[sx] as number) - rx * (lnAtx - lnAT);
      // ln(1 + e^d) and w4 = e^d/(1 + e^d), the share of the "dropped out" term, from one exponential.
      const e = Math.exp(-Math.abs(d));
      ll += w * ((d > 0 ? d : 0) + Math.log1p(e) - rx * lnAT);
      if (withGrad) {
        const w4 = d > 0 ? 1 / (1 + e) : e / (1 + e);
        const w3 = 1 - w4;
        sumW4 += w * w4;
        sumW4B += w * w4 * (this.invBm1[sx] as number);
        sumLn += w * (w3 * lnAT + w4 * lnAtx);
        sumInv += w * rx * (w3 * (this.invAu[sT] as number) + w4 * (this.invAu[sTx] as number));
      }
    }
    if (withGrad) {
      grad[0] = gr + W * lnAlpha - sumLn;
      grad[1] = (W * r) / alpha - sumInv;
      grad[2] = ga + sumW4 / a;
      grad[3] = gb - sumW4B;
    }
    return ll;
  }
}

/**
 * Weighted BG/NBD log-likelihood Σ w·ln L(r, α, a, b | x, t_x, T) (FHL 2005 eq. 6); with `grad`,
 * also writes the analytic gradient with respect to (r, α, a, b).
 */
export function bgNbdLogLikelihood(params: BgNbdParams, data: RfTriples, grad?: Float64Array): number {
  checkParams(params);
  return new BgNbdLikelihood(data).evaluate(params, grad);
}

/**
 * −LL as a function of φ = log(r, α, a, b) with its gradient (∂/∂φ = θ·∂/∂θ), the form the
 * optimiser works on.
 */
export function bgNbdObjective(data: RfTriples): Objective {
  return logParameterObjective<BgNbdParams>(BG_NBD_PARAMETERS, new BgNbdLikelihood(data));
}

export type BgNbdFit = FitResult<BgNbdParams>;

/**
 * Maximum-likelihood BG/NBD fit on weighted (x, t_x, T) triples (FHL 2005 §3). Starts are scaled
 * to the data: λ's mean r/α at the observed repeat rate. Throws StatsError: 'no_data' without
 * customers, 'not_identifiable' when nobody repeated (or the optimum is degenerate),
 * 'invalid_input' for malformed triples, 'did_not_converge' when no start gives a finite likelihood.
 */
export function fitBgNbd(data: RfTriples, opts?: MinimizeOptions): BgNbdFit {
  const totals = checkRepeatPurchaseData(data, 'BG/NBD');
  const rate = totals.repeats / totals.exposure; // repeat purchases per unit time
  const starts = [logStart(1, 1 / rate, 1, 3), logStart(0.3, 0.3 / rate, 0.5, 1), logStart(3, 3 / rate, 2, 8)];
  return fitLogParameters<BgNbdParams>(BG_NBD_PARAMETERS, bgNbdObjective(data), starts, opts);
}

/** Hoisted per-parameter constants of the scoring formulas. */
interface Scorer {
  p: BgNbdParams;
  lnA: number;
  /** C − A = a + b − 1 − r, the first parameter of the Euler-transformed 2F1 (see `aliveExpectation`). */
  aPlusBMinus1MinusR: number;
}

function scorer(p: BgNbdParams): Scorer {
  checkParams(p);
  return { p, lnA: Math.log(p.a), aPlusBMinus1MinusR: p.a + p.b - 1 - p.r };
}

/**
 * G = [1 − (1−z)^{r+x} 2F1(r+x, b+x; a+b+x−1; z)] / (a − 1), z = t/(α+T+t): the factor of FHL
 * eq. 10 (and eq. 9 with x = T = 0) that carries the horizon t. By Euler's transformation
 * (A&S 15.3.3), (1−z)^{r+x} 2F1(r+x, b+x; c; z) = (1−z)^{a−1} 2F1(a+b−1−r, a−1; c; z) with
 * c = a+b+x−1, and 2F1(·, a−1; c; z) = 1 + (a−1)H, H = Σ_{k≥1} (a+b−1−r)_k (a)_{k−1} z^k/((c)_k k!).
 * Hence G = [1 − (1−z)^{a−1}]/(a−1) − (1−z)^{a−1} H: no removable singularity at a = 1, and the
 * series' numerator parameters do not grow with x, so it converges fast for large x.
 */
function aliveExpectation(s: Scorer, x: number, T: number, t: number): number {
  const { a, b, alpha } = s.p;
  const base = alpha + T;
  const z = t / (base + t);
  const u = Math.log1p(t / base); // −ln(1 − z)
  const c = a + b + x - 1;
  const e = s.aPlusBMinus1MinusR;
  let term = (e / c) * z;
  let H = term;
  for (let k = 1; k < 1_000_000; k++) {
    const ratio = (((e + k) * (a + k - 1)) / ((c + k) * (k + 1))) * z;
    term *= ratio;
    H += term;
    if (Math.abs(term) <= 1e-16 * Math.abs(H) * (1 - z) || term === 0) break;
  }
  return oneMinusExpOverK(a - 1, u) - Math.exp(-(a - 1) * u) * H;
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^{r+x}) (FHL 2005 eq. 13;
 * Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model").
 */
function pAliveOf(s: Scorer, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, b } = s.p;
  const d = s.lnA - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(d));
}

/** P(alive | x, t_x, T) for one history (FHL 2005 eq. 13). */
export function bgNbdPAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  return pAliveOf(scorer(params), x, tx, T);
}

/** P(alive | x, t_x, T) (FHL 2005 eq. 13) as a function of the history, the parameter terms computed once. */
export function bgNbdPAliveFunction(params: BgNbdParams): (x: number, tx: number, T: number) => number {
  const s = scorer(params);
  return (x, tx, T) => pAliveOf(s, x, tx, T);
}

/**
 * E[Y(t) | x, t_x, T], the expected transactions in (T, T + t] of a customer with that history
 * (FHL 2005 eq. 10): (a+b+x−1) · G · P(alive), G as in `aliveExpectation`.
 */
export function bgNbdConditionalExpected(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const s = scorer(params);
  return (params.a + params.b + x - 1) * aliveExpectation(s, x, T, t) * pAliveOf(s, x, tx, T);
}

/** E[X(t)], expected repeat transactions in (0, t] of a new customer (FHL 2005 eq. 9). */
export function bgNbdExpected(params: BgNbdParams, t: number): number {
  return (params.a + params.b - 1) * aliveExpectation(scorer(params), 0, 0, t);
}

/**
 * Score many customers at once: P(alive) and E[Y(horizon) | x, t_x, T] into typed arrays (`out`
 * may be passed to reuse buffers). The horizon factor depends on (x, T) only, so it is memoised
 * per (x, T): at daily resolution most customers hit the memo and cost two logarithms.
 */
export function scoreBgNbd(params: BgNbdParams, histories: Histories, horizon: number, out?: RfScores): RfScores {
  const s = scorer(params);
  const { n, pAlive, expected } = scoreBuffers(histories, horizon, out);
  const memo = new PairMemo(Math.min(4 * n, 1 << 16), 1);
  const { x, tx, T } = histories;
  const abm1 = params.a + params.b - 1;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const Ti = T[i] as number;
    const alive = pAliveOf(s, xi, tx[i] as number, Ti);
    pAlive[i] = alive;
    const slot = memo.slot(xi, Ti);
    if (!memo.holds(slot, xi, Ti)) {
      memo.values[slot] = (abm1 + xi) * aliveExpectation(s, xi, Ti, horizon);
      memo.claim(slot, xi, Ti);
    }
    expected[i] = (memo.values[slot] as number) * alive;
  }
  return { pAlive, expected };
}

/**
 * Simulate n customers from the BG/NBD process (FHL 2005 §2): λ ~ Gamma(r, scale 1/α),
 * p ~ Beta(a, b), exponential inter-purchase times at rate λ, dropout with probability p after
 * each repeat purchase.
 */
export function simulateBgNbd(params: BgNbdParams, n: number, options: SimulationOptions, rng: Rng): SimulatedHistories {
  checkParams(params);
  let lambda = 0;
  let p = 0;
  let purchases = 0;
  return simulateHistories(
    {
      begin(g) {
        lambda = g.gamma(params.r, 1 / params.alpha);
        p = g.beta(params.a, params.b);
        purchases = 0;
      },
      next(t, g) {
        // Dropout chances follow repeat purchases only (the first purchase is at t = 0).
        if (purchases > 0 && g.uniform() < p) return Number.POSITIVE_INFINITY;
        purchases++;
        return t + g.exponential(lambda);
      },
    },
    n,
    options,
    rng,
  );
}
