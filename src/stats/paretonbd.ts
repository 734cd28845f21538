/**
 * The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), "Counting your customers: who
 * are they and what will they do next?", Management Science 33(1) ("SMC"), in the numerically
 * stable form of Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
 * expressions" ("FH note").
 *
 * While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); their lifetime is
 * exponential with rate μ ~ Gamma(s, β).
 *
 * Likelihood (FH note eq. 22 with the 2F1 of eqs. 23–24). With C = Γ(r+x) α^r β^s / Γ(r),
 *   L = C · [ (α+T)^{−(r+x)} (β+T)^{−s} + s (F(t_x) − F(T)) ],
 *   F(u) = ∫_u^∞ (α+τ)^{−(r+x)} (β+τ)^{−(s+1)} dτ        (the customer dies at τ ∈ (t_x, T]).
 * Let (A, P) and (B, Q) be (α, r+x) and (β, s+1) ordered so that A ≥ B (the FH note's α ≥ β and
 * α < β branches). Then F(u) = (A+u)^{−(P+Q−1)} 2F1(P+Q−1, Q; P+Q; z)/(P+Q−1), z = (A−B)/(A+u),
 * and Euler's transformation (A&S 15.3.3) turns it into
 *   F(u) = (A+u)^{−P} (B+u)^{1−Q} 2F1(1, P; P+Q; z) / (P+Q−1),
 * a series of positive terms whose ratio is below z < 1 — no cancellation, and both branches and
 * the near-equal case α ≈ β (z ≈ 0) are one formula. Everything is evaluated in logs.
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
import { digamma, lnGamma, lnHyp2f1One, oneMinusExpOverK } from './special.js';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/** Parameter order of every vector in this module. */
export const PARETO_NBD_PARAMETERS = ['r', 'alpha', 's', 'beta'] as const;

function checkParams(p: ParetoNbdParams): void {
  checkPositiveParameters('Pareto/NBD', PARETO_NBD_PARAMETERS, p);
}

/** Per (x, u) entry: ln F(u), then ∂ln F/∂(r, α, s, β). */
const F_WIDTH = 5;

/**
 * ln F(u) for a customer with x repeat purchases (see the file header), and with `grad` its
 * partial derivatives in (r, α, s, β) written at `grad[at..at+3]`.
 */
function lnTail(p: ParetoNbdParams, x: number, u: number, grad: Float64Array | undefined, at: number, h: Float64Array): number {
  const alphaFirst = p.alpha >= p.beta;
  const A = alphaFirst ? p.alpha : p.beta;
  const B = alphaFirst ? p.beta : p.alpha;
  const P = alphaFirst ? p.r + x : p.s + 1;
  const Q = alphaFirst ? p.s + 1 : p.r + x;
  const Au = A + u;
  const Bu = B + u;
  const lnAu = Math.log(Au);
  const lnBu = Math.log(Bu);
  const m = P + Q - 1; // = r + s + x in both branches
  const z = (A - B) / Au;
  const lnS = lnHyp2f1One(P, P + Q, z, grad === undefined ? undefined : h, 0);
  const value = -P * lnAu + (1 - Q) * lnBu + lnS - Math.log(m);
  if (grad !== undefined) {
    const gb = h[0] as number;
    const gc = h[1] as number;
    const gz = h[2] as number;
    const dP = -lnAu + gb + gc - 1 / m;
    const dQ = -lnBu + gc - 1 / m;
    const dA = -P / Au + (gz * Bu) / (Au * Au);
    const dB = (1 - Q) / Bu - gz / Au;
    grad[at] = alphaFirst ? dP : dQ; // r
    grad[at + 1] = alphaFirst ? dA : dB; // α
    grad[at + 2] = alphaFirst ? dQ : dP; // s
    grad[at + 3] = alphaFirst ? dB : dA; // β
  }
  return value;
}

/**
 * Evaluates the weighted log-likelihood and gradient. The 2F1 tails depend on (x, t_x) or (x, T)
 * only, so they are computed once per distinct pair, and x- and T-only terms once per distinct
 * value; per triple what remains is two exponentials and a logarithm. Tables are allocated once.
 */
class ParetoNbdLikelihood {
  private readonly freq: DistinctValues;
  private readonly times: DistinctValues;
  /** Distinct (x, u) pairs, keyed xSlot · (number of times) + uSlot; slotOf = [t_x pairs, T pairs]. */
  private readonly pairs: DistinctValues;
  private readonly lnTerm: Float64Array;
  private readonly psiR: Float64Array;
  /** Per distinct time u: ln(α + u), ln(β + u). */
  private readonly lnAu: Float64Array;
  private readonly lnBu: Float64Array;
  /** Per pair: ln F(u), then ∂ln F/∂(r, α, s, β). */
  private readonly tails: Float64Array;
  private readonly h = new Float64Array(3);

  constructor(private readonly data: RfTriples) {
    this.freq = distinctValues(data.x);
    this.times = distinctValues(data.tx, data.T);
    const nTimes = this.times.values.length;
    const slotX = this.freq.slotOf[0] as Int32Array;
    const keyTx = new Float64Array(data.x.length);
    const keyT = new Float64Array(data.x.length);
    for (let i = 0; i < keyT.length; i++) {
      keyTx[i] = (slotX[i] as number) * nTimes + (this.times.slotOf[0] as Int32Array)[i]!;
      keyT[i] = (slotX[i] as number) * nTimes + (this.times.slotOf[1] as Int32Array)[i]!;
    }
    this.pairs = distinctValues(keyTx, keyT);
    this.lnTerm = new Float64Array(this.freq.values.length);
    this.psiR = new Float64Array(this.freq.values.length);
    this.lnAu = new Float64Array(nTimes);
    this.lnBu = new Float64Array(nTimes);
    this.tails = new Float64Array(this.pairs.values.length * F_WIDTH);
  }

  evaluate(p: ParetoNbdParams, grad?: Float64Array): number {
    const { r, alpha, s, beta } = p;
    const withGrad = grad !== undefined;
    const xs = this.freq.values;
    const lnGr = lnGamma(r);
    const psi0R = withGrad ? digamma(r) : 0;
    for (let k = 0; k < xs.length; k++) {
      this.lnTerm[k] = lnGamma(r + (xs[k] as number)) - lnGr;
      if (withGrad) this.psiR[k] = digamma(r + (xs[k] as number)) - psi0R;
    }
    const us = this.times.values;
    for (let k = 0; k < us.length; k++) {
      this.lnAu[k] = Math.log(alpha + (us[k] as number));
      this.lnBu[k] = Math.log(beta + (us[k] as number));
    }
    const tails = this.tails;
    const keys = this.pairs.values;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as number;
      const xSlot = Math.floor(key / us.length);
      const at = k * F_WIDTH;
      tails[at] = lnTail(p, xs[xSlot] as number, us[key - xSlot * us.length] as number, withGrad ? tails : undefined, at + 1, this.h);
    }
    const lnAlpha = Math.log(alpha);
    const lnBeta = Math.log(beta);
    const lnS = Math.log(s);
    const lnC0 = r * lnAlpha + s * lnBeta;
    const { x, T, weight } = this.data;
    const slotX = this.freq.slotOf[0] as Int32Array;
    const slotT = this.times.slotOf[1] as Int32Array;
    const pairTx = this.pairs.slotOf[0] as Int32Array;
    const pairT = this.pairs.slotOf[1] as Int32Array;
    let ll = 0;
    let gr = 0;
    let gAlpha = 0;
    let gs = 0;
    let gBeta = 0;
    for (let i = 0; i < x.length; i++) {
      const w = weight[i] as number;
      if (w === 0) continue;
      const xi = x[i] as number;
      const sx = slotX[i] as number;
      const sT = slotT[i] as number;
      const lnAT = this.lnAu[sT] as number;
      const lnBT = this.lnBu[sT] as number;
      const f1 = (pairTx[i] as number) * F_WIDTH;
      const f2 = (pairT[i] as number) * F_WIDTH;
      const l0 = -(r + xi) * lnAT - s * lnBT;
      const l1 = lnS + (tails[f1] as number);
      const l2 = lnS + (tails[f2] as number);
      // L/C = e^{l0} + e^{l1} − e^{l2} with l2 ≤ l1, scaled by the larger positive term.
      const M = l0 > l1 ? l0 : l1;
      const v0 = l0 > l1 ? 1 : Math.exp(l0 - M);
      const v1 = l0 > l1 ? Math.exp(l1 - M) : 1;
      const v2 = Math.exp(l2 - M);
      const total = v0 + v1 - v2;
      ll += w * ((this.lnTerm[sx] as number) + lnC0 + M + Math.log(total));
      if (withGrad) {
        const q0 = v0 / total;
        const q1 = v1 / total;
        const q2 = v2 / total;
        const q12 = q1 - q2;
        const Ti = T[i] as number;
        gr += w * ((this.psiR[sx] as number) + lnAlpha - q0 * lnAT + q1 * (tails[f1 + 1] as number) - q2 * (tails[f2 + 1] as number));
        gAlpha +=
          w * (r / alpha - (q0 * (r + xi)) / (alpha + Ti) + q1 * (tails[f1 + 2] as number) - q2 * (tails[f2 + 2] as number));
        gs += w * (lnBeta - q0 * lnBT + q12 / s + q1 * (tails[f1 + 3] as number) - q2 * (tails[f2 + 3] as number));
        gBeta += w * (s / beta - (q0 * s) / (beta + Ti) + q1 * (tails[f1 + 4] as number) - q2 * (tails[f2 + 4] as number));
      }
    }
    if (withGrad) {
      grad[0] = gr;
      grad[1] = gAlpha;
      grad[2] = gs;
      grad[3] = gBeta;
    }
    return ll;
  }
}

/**
 * Weighted Pareto/NBD log-likelihood Σ w·ln L(r, α, s, β | x, t_x, T) (FH note eq. 22); with
 * `grad`, also the analytic gradient in (r, α, s, β) (the 2F1 series differentiated term by term).
 */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, data: RfTriples, grad?: Float64Array): number {
  checkParams(params);
  return new ParetoNbdLikelihood(data).evaluate(params, grad);
}

/** −LL over φ = log(r, α, s, β) with its gradient, for the optimiser. */
export function paretoNbdObjective(data: RfTriples): Objective {
  return logParameterObjective<ParetoNbdParams>(PARETO_NBD_PARAMETERS, new ParetoNbdLikelihood(data));
}

export type ParetoNbdFit = FitResult<ParetoNbdParams>;

/**
 * Maximum-likelihood Pareto/NBD fit on weighted (x, t_x, T) triples. Starts put λ's mean r/α at
 * the observed repeat rate and μ's mean s/β at one lifetime per average customer age. Errors as
 * for `fitBgNbd`.
 */
export function fitParetoNbd(data: RfTriples, opts?: MinimizeOptions): ParetoNbdFit {
  const totals = checkRepeatPurchaseData(data, 'Pareto/NBD');
  const rate = totals.repeats / totals.exposure;
  const age = totals.exposure / totals.weight;
  const starts = [logStart(1, 1 / rate, 1, age), logStart(0.5, 0.5 / rate, 0.5, 2 * age), logStart(2, 2 / rate, 2, age / 2)];
  return fitLogParameters<ParetoNbdParams>(PARETO_NBD_PARAMETERS, paretoNbdObjective(data), starts, opts);
}

/** P(alive) from the likelihood's pieces: the share of L of "still alive at T" (FH note eq. 20). */
function pAliveFromTails(p: ParetoNbdParams, x: number, T: number, lnF1: number, lnF2: number): number {
  const l0 = -(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T);
  const lnS = Math.log(p.s);
  const l1 = lnS + lnF1;
  const M = l0 > l1 ? l0 : l1;
  const v0 = Math.exp(l0 - M);
  return v0 / (v0 + Math.exp(l1 - M) - Math.exp(lnS + lnF2 - M));
}

/** Scratch for one-off predictions. */
const scratch = new Float64Array(3);

/**
 * P(alive | x, t_x, T) (SMC eq. 11; FH note eq. 20 with the same 2F1 terms as the likelihood).
 */
export function paretoNbdPAlive(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  checkParams(params);
  return pAliveFromTails(params, x, T, lnTail(params, x, tx, undefined, 0, scratch), lnTail(params, x, T, undefined, 0, scratch));
}

/**
 * (r+x)/(α+T) · (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^{s−1}], the expected transactions in the next t
 * periods of a customer known to be alive at T (continuous through s = 1).
 */
function expectedIfAlive(p: ParetoNbdParams, x: number, T: number, t: number): number {
  return ((p.r + x) / (p.alpha + T)) * (p.beta + T) * oneMinusExpOverK(p.s - 1, Math.log1p(t / (p.beta + T)));
}

/** E[Y(t) | x, t_x, T] = expectedIfAlive · P(alive) (SMC eq. 22; FH note eq. 26). */
export function paretoNbdConditionalExpected(params: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  return expectedIfAlive(params, x, T, t) * paretoNbdPAlive(params, x, tx, T);
}

/** E[X(t)] = rβ/(α(s−1)) [1 − (β/(β+t))^{s−1}] for a new customer (SMC eq. 17; FH note eq. 27). */
export function paretoNbdExpected(params: ParetoNbdParams, t: number): number {
  checkParams(params);
  return expectedIfAlive(params, 0, 0, t);
}

/**
 * Score many customers: P(alive) and E[Y(horizon) | x, t_x, T] into typed arrays. The 2F1 terms
 * depend on (x, t_x) and (x, T) only and are memoised, so at daily resolution most customers cost
 * a few logarithms.
 */
export function scoreParetoNbd(params: ParetoNbdParams, histories: Histories, horizon: number, out?: RfScores): RfScores {
  checkParams(params);
  const { n, pAlive, expected } = scoreBuffers(histories, horizon, out);
  const memo = new PairMemo(Math.min(8 * n, 1 << 17), 1);
  const h = new Float64Array(3);
  const tail = (x: number, u: number): number => {
    const slot = memo.slot(x, u);
    if (!memo.holds(slot, x, u)) {
      memo.values[slot] = lnTail(params, x, u, undefined, 0, h);
      memo.claim(slot, x, u);
    }
    return memo.values[slot] as number;
  };
  const { x, tx, T } = histories;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const Ti = T[i] as number;
    const alive = pAliveFromTails(params, xi, Ti, tail(xi, tx[i] as number), tail(xi, Ti));
    pAlive[i] = alive;
    expected[i] = expectedIfAlive(params, xi, Ti, horizon) * alive;
  }
  return { pAlive, expected };
}

/**
 * Simulate n customers from the Pareto/NBD process (SMC §2): λ ~ Gamma(r, scale 1/α),
 * μ ~ Gamma(s, scale 1/β), lifetime ~ Exponential(μ), purchases Poisson(λ) while alive.
 */
export function simulateParetoNbd(params: ParetoNbdParams, n: number, options: SimulationOptions, rng: Rng): SimulatedHistories {
  checkParams(params);
  let lambda = 0;
  let death = 0;
  return simulateHistories(
    {
      begin(g) {
        lambda = g.gamma(params.r, 1 / params.alpha);
        death = g.exponential(g.gamma(params.s, 1 / params.beta));
      },
      next(t, g) {
        const next = t + g.exponential(lambda);
        return next <= death ? next : Number.POSITIVE_INFINITY;
      },
    },
    n,
    options,
    rng,
  );
}
