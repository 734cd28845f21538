/**
 * Special functions for the customer-base models: log-gamma, digamma, log-beta, stable
 * log-sum-exp helpers and the Gauss hypergeometric function 2F1.
 *
 * References: Abramowitz & Stegun (1964), "Handbook of Mathematical Functions" (A&S); the NIST
 * Digital Library of Mathematical Functions (DLMF).
 */
import { StatsError } from './errors.js';

const LN_SQRT_2PI = 0.9189385332046728; // ½ ln(2π)
const EULER_GAMMA = 0.5772156649015329;

/** ζ(k) for k = 2..10; larger k are summed at load time (the series converges fast there). */
const ZETA_SMALL = [
  1.6449340668482264, 1.2020569031595943, 1.0823232337111382, 1.0369277551433699, 1.0173430619844491,
  1.0083492773819228, 1.0040773561979443, 1.0020083928260822, 1.0009945751278181,
];
const TAYLOR_TERMS = 56;
/** (−1)^k ζ(k) / k for k = 2..TAYLOR_TERMS+1: the Taylor coefficients of lnΓ(1 + ε) (A&S 6.1.33). */
const LNGAMMA1_COEFF = (() => {
  const c = new Float64Array(TAYLOR_TERMS);
  for (let k = 2; k < TAYLOR_TERMS + 2; k++) {
    let zeta: number;
    if (k <= 10) zeta = ZETA_SMALL[k - 2] as number;
    else {
      // Σ_{n<30} n^−k plus the Euler–Maclaurin tail from 30 (error < 1e-20 for k ≥ 11).
      zeta = 0;
      for (let n = 29; n >= 1; n--) zeta += n ** -k;
      zeta += 30 ** (1 - k) / (k - 1) + 0.5 * 30 ** -k + (k / 12) * 30 ** (-k - 1);
    }
    c[k - 2] = ((k % 2 === 0 ? 1 : -1) * zeta) / k;
  }
  return c;
})();

/** lnΓ(1 + ε) for |ε| ≤ 0.5 by its Taylor series (A&S 6.1.33), accurate near the zero at 1. */
function lnGamma1p(eps: number): number {
  let sum = 0;
  for (let k = TAYLOR_TERMS - 1; k >= 0; k--) sum = sum * eps + (LNGAMMA1_COEFF[k] as number);
  return eps * (sum * eps - EULER_GAMMA);
}

/** Stirling's series for lnΓ(x), x ≥ 10 (A&S 6.1.41); truncation error < 1e-17. */
function lnGammaStirling(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  const series =
    r *
    (1 / 12 +
      r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 / 156))))));
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + series;
}

/**
 * ln|Γ(x)|. Stirling's series for x ≥ 10, the recurrence Γ(x + 1) = xΓ(x) below, Taylor series
 * around the zeros at 1 and 2 on [0.5, 2.5] (so the relative error stays ~1e-15 there), and the reflection
 * formula Γ(x)Γ(1 − x) = π / sin(πx) for x < 0.5 (A&S 6.1.15, 6.1.17, 6.1.33, 6.1.41).
 * +∞ at the poles 0, −1, −2, …
 */
export function lnGamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 10) return x === Number.POSITIVE_INFINITY ? x : lnGammaStirling(x);
  if (x < 0.5) {
    if (x === Math.floor(x)) return Number.POSITIVE_INFINITY;
    if (x > 0) {
      // ln Γ(x) = ln Γ(1 + x) − ln x: no cancellation for 0 < x < 0.5.
      return lnGamma(1 + x) - Math.log(x);
    }
    const s = Math.sin(Math.PI * (x - 2 * Math.floor(x / 2)));
    return Math.log(Math.PI / Math.abs(s)) - lnGamma(1 - x);
  }
  if (x <= 1.5) return lnGamma1p(x - 1);
  if (x <= 2.5) return lnGamma1p(x - 2) + Math.log1p(x - 2);
  // Shift up to x + n ≥ 10: lnΓ(x) = lnΓ(x + n) − ln(x (x+1) … (x+n−1)).
  let product = 1;
  let y = x;
  while (y < 10) product *= y++;
  return lnGammaStirling(y) - Math.log(product);
}

/**
 * Digamma ψ(x) = d lnΓ(x)/dx: asymptotic series for x ≥ 10 (A&S 6.3.18), the recurrence
 * ψ(x) = ψ(x + 1) − 1/x below, reflection ψ(1 − x) − ψ(x) = π cot(πx) for x ≤ 0 (A&S 6.3.7).
 */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) {
    if (x === Math.floor(x)) return Number.NaN;
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let shift = 0;
  while (x < 10) {
    shift += 1 / x;
    x += 1;
  }
  if (x === Number.POSITIVE_INFINITY) return x;
  const r2 = 1 / (x * x);
  const series = r2 * (1 / 12 - r2 * (1 / 120 - r2 * (1 / 252 - r2 * (1 / 240 - r2 * (1 / 132 - r2 * (691 / 32760 - r2 / 12))))));
  return Math.log(x) - 0.5 / x - series - shift;
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b) for a, b > 0 (A&S 6.2.2). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(e^a + e^b) without overflow or underflow. */
export function logSumExp(a: number, b: number): number {
  const m = a > b ? a : b;
  if (m === Number.NEGATIVE_INFINITY) return m;
  if (m === Number.POSITIVE_INFINITY) return m;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** ln(1 + e^x), exact to rounding for every x (softplus). */
export function log1pExp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** (1 − e^(−k·u)) / k for u ≥ 0, continuous through k = 0 where it equals u. */
export function oneMinusExpOverK(k: number, u: number): number {
  const ku = k * u;
  if (Math.abs(ku) < 1e-10) return u * (1 - 0.5 * ku);
  return -Math.expm1(-ku) / k;
}

const SERIES_EPS = 1e-16;
/** Longest series we sum before declaring it too slow (z within ~1e-5 of 1). */
const MAX_SERIES_TERMS = 5_000_000;

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1 (and c not a non-positive integer).
 * 0 ≤ z < 1: the defining series (A&S 15.1.1). z < 0: the Pfaff transformation
 * 2F1(a, b; c; z) = (1 − z)^(−a) 2F1(a, c − b; c; z/(z − 1)) (A&S 15.3.4), whose argument lies in
 * [0, 1), so the series converges for every z < 0. Convergence slows as the argument approaches 1
 * (about 40/(1 − z) terms); beyond MAX_SERIES_TERMS it throws StatsError('invalid_input').
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z < 1)) throw new StatsError('invalid_input', `hyp2f1: argument z = ${z} must be below 1`);
  if (c <= 0 && c === Math.floor(c)) throw new StatsError('invalid_input', `hyp2f1: c = ${c} is a pole`);
  if (z < 0) {
    return Math.exp(-a * Math.log1p(-z)) * hyp2f1Series(a, c - b, c, z / (z - 1));
  }
  return hyp2f1Series(a, b, c, z);
}

/** The series Σ (a)_k (b)_k / ((c)_k k!) z^k for 0 ≤ z < 1. */
function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < MAX_SERIES_TERMS; k++) {
    const ratio = (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    term *= ratio;
    sum += term;
    if (term === 0) return sum;
    // Once |ratio| < 1 the terms decrease; the tail is below |term|·ρ/(1 − ρ) with ρ → z.
    const rho = Math.max(Math.abs(ratio), z);
    if (rho < 1 && Math.abs(term) * rho <= SERIES_EPS * Math.abs(sum) * (1 - rho)) return sum;
  }
  throw new StatsError('invalid_input', `hyp2f1(${a}, ${b}; ${c}; ${z}): series did not converge`);
}

/**
 * ln 2F1(1, b; c; z) and its partial derivatives, for b > 0, c > 0, 0 ≤ z < 1. The series
 * Σ_k (b)_k/(c)_k z^k has positive terms, so it is summed without cancellation, and its
 * derivatives in b, c, z are summed term by term alongside it:
 *   ∂t_k/∂b = t_k Σ_{j<k} 1/(b+j),  ∂t_k/∂c = −t_k Σ_{j<k} 1/(c+j),  ∂t_k/∂z = k t_k / z.
 * Writes [∂/∂b, ∂/∂c, ∂/∂z] of ln 2F1 into `grad` (offset `at`) when given. This is the form the
 * Pareto/NBD likelihood needs after Euler's transformation (A&S 15.3.3); see paretonbd.ts.
 */
export function lnHyp2f1One(b: number, c: number, z: number, grad?: Float64Array, at = 0): number {
  let term = 1;
  let sum = 1;
  let sb = 0; // Σ_{j<k} 1/(b+j)
  let sc = 0; // Σ_{j<k} 1/(c+j)
  let db = 0;
  let dc = 0;
  let dz = 0;
  let k = 0;
  for (; k < MAX_SERIES_TERMS; k++) {
    const ratio = ((b + k) / (c + k)) * z;
    sb += 1 / (b + k);
    sc += 1 / (c + k);
    term *= ratio;
    if (term === 0) break;
    sum += term;
    if (grad !== undefined) {
      db += term * sb;
      dc -= term * sc;
      dz += term * (k + 1);
    }
    const rho = Math.max(ratio, z);
    // Tail bound |term|·ρ/(1 − ρ); the derivative series decay like (k·term), hence the k factor.
    if (rho < 1 && term * rho * (k + 2) <= SERIES_EPS * sum * (1 - rho) * (1 - rho)) break;
  }
  if (k === MAX_SERIES_TERMS) return Number.NaN;
  if (grad !== undefined) {
    grad[at] = db / sum;
    grad[at + 1] = dc / sum;
    grad[at + 2] = z > 0 ? dz / (z * sum) : b / c;
  }
  return Math.log(sum);
}
