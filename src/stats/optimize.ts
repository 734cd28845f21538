/**
 * Unconstrained minimisation for maximum-likelihood fitting.
 *
 * `minimize` runs limited-memory BFGS (Nocedal & Wright 2006, "Numerical Optimization", 2nd ed.,
 * Algorithm 7.4, two-loop recursion) with a line search that enforces the strong Wolfe conditions
 * (ibid. Algorithms 3.5 and 3.6: bracketing, then zoom by safeguarded cubic interpolation). When
 * L-BFGS cannot proceed — a non-finite value or gradient at the start, or a line search that finds
 * no acceptable step away from a stationary point — it restarts with Nelder–Mead on the function
 * values alone (Nelder & Mead 1965; the adaptive coefficients of Gao & Han 2012) and then polishes
 * the simplex optimum with L-BFGS again.
 *
 * Models are fitted on log-parameters, so the problems reaching this module are unconstrained.
 */
import { StatsError } from './errors.js';

/** Returns f(x) and writes ∇f(x) into `grad` (same length as x). */
export interface Objective {
  (x: Float64Array, grad: Float64Array): number;
}

export interface MinimizeOptions {
  /** L-BFGS iterations (each with one line search); default 500. */
  maxIterations?: number;
  /** Converged when ‖∇f‖∞ ≤ gradientTolerance · max(1, |f|); default 1e-8. */
  gradientTolerance?: number;
  /** Converged when an iteration lowers f by ≤ relativeTolerance · max(1, |f|); default 1e-13. */
  relativeTolerance?: number;
  /** Correction pairs kept by L-BFGS; default 10. */
  memory?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  /** ‖∇f(x)‖∞ at the returned point (NaN after a Nelder–Mead-only result). */
  gradientNorm: number;
  iterations: number;
  converged: boolean;
  message: string;
  /** 'nelder-mead' when the Nelder–Mead fallback was needed (even if L-BFGS polished its result). */
  method: 'lbfgs' | 'nelder-mead';
}

interface Settings {
  maxIterations: number;
  gradientTolerance: number;
  relativeTolerance: number;
  memory: number;
}

function settings(opts: MinimizeOptions | undefined): Settings {
  const s: Settings = {
    maxIterations: opts?.maxIterations ?? 500,
    gradientTolerance: opts?.gradientTolerance ?? 1e-8,
    relativeTolerance: opts?.relativeTolerance ?? 1e-13,
    memory: opts?.memory ?? 10,
  };
  if (!(s.maxIterations >= 1) || !(s.gradientTolerance > 0) || !(s.relativeTolerance >= 0) || !(s.memory >= 1)) {
    throw new StatsError('invalid_input', 'minimize: options must be positive numbers');
  }
  return s;
}

// Strong Wolfe constants (Nocedal & Wright §3.1: c1 small, c2 = 0.9 for quasi-Newton methods).
const C1 = 1e-4;
const C2 = 0.9;
const MAX_LINE_SEARCH_EVALUATIONS = 40;
/** A line-search failure with ‖∇f‖ within this factor of the tolerance is machine-precision stalling. */
const STALL_GRADIENT_FACTOR = 1e3;

function normInf(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i] as number);
    if (!(a <= m)) m = a; // NaN propagates as "large"
  }
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i] as number)) return false;
  return true;
}

/** Minimiser of the cubic through (a, fa, ga) and (b, fb, gb) (Nocedal & Wright eq. 3.59). */
function cubicMinimizer(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
}

interface LineSearchState {
  n: number;
  x: Float64Array;
  d: Float64Array;
  /** Trial point and its gradient; hold the accepted point on success. */
  xt: Float64Array;
  gt: Float64Array;
  evaluations: number;
}

/**
 * Strong-Wolfe line search along d from x (Nocedal & Wright Algorithms 3.5/3.6). Non-finite trial
 * values are treated as "too far": the step is shortened. Returns the accepted function value with
 * the point in s.xt / s.gt, or NaN when no acceptable step was found.
 */
function lineSearch(f: Objective, s: LineSearchState, f0: number, dphi0: number, initialStep: number): number {
  const phi = (alpha: number): number => {
    for (let i = 0; i < s.n; i++) s.xt[i] = (s.x[i] as number) + alpha * (s.d[i] as number);
    s.evaluations++;
    const v = f(s.xt, s.gt);
    return Number.isFinite(v) && allFinite(s.gt) ? v : Number.NaN;
  };
  const slope = (): number => dot(s.gt, s.d);
  let budget = MAX_LINE_SEARCH_EVALUATIONS;

  const zoom = (lo: number, flo: number, glo: number, hi: number, fhi: number, ghi: number): number => {
    while (budget-- > 0) {
      const width = hi - lo;
      let alpha = Number.isFinite(fhi) ? cubicMinimizer(lo, flo, glo, hi, fhi, ghi) : Number.NaN;
      // Safeguard: stay in the inner 80% of the bracket, else bisect.
      const inner0 = Math.min(lo + 0.1 * width, hi - 0.1 * width);
      const inner1 = Math.max(lo + 0.1 * width, hi - 0.1 * width);
      if (!(alpha >= inner0 && alpha <= inner1)) alpha = lo + 0.5 * width;
      const fa = phi(alpha);
      if (Number.isNaN(fa)) {
        hi = alpha;
        fhi = Number.NaN;
        continue;
      }
      const ga = slope();
      if (fa > f0 + C1 * alpha * dphi0 || fa >= flo) {
        hi = alpha;
        fhi = fa;
        ghi = ga;
      } else {
        if (Math.abs(ga) <= -C2 * dphi0) return fa;
        if (ga * (hi - lo) >= 0) {
          hi = lo;
          fhi = flo;
          ghi = glo;
        }
        lo = alpha;
        flo = fa;
        glo = ga;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // No strong-Wolfe point within the budget: accept the best sufficient-decrease point if any.
    return lo > 0 && flo < f0 ? phi(lo) : Number.NaN;
  };

  let prev = 0;
  let fprev = f0;
  let gprev = dphi0;
  let alpha = initialStep;
  for (let first = true; budget-- > 0; first = false) {
    const fa = phi(alpha);
    if (Number.isNaN(fa)) {
      // Shrink towards the last good step; the function is undefined out here.
      alpha = prev + 0.2 * (alpha - prev);
      if (alpha - prev <= 1e-16 * Math.max(1, prev)) return prev > 0 ? phi(prev) : Number.NaN;
      continue;
    }
    const ga = slope();
    if (fa > f0 + C1 * alpha * dphi0 || (!first && fa >= fprev)) return zoom(prev, fprev, gprev, alpha, fa, ga);
    if (Math.abs(ga) <= -C2 * dphi0) return fa;
    if (ga >= 0) return zoom(alpha, fa, ga, prev, fprev, gprev);
    prev = alpha;
    fprev = fa;
    gprev = ga;
    alpha *= 4;
  }
  return Number.NaN;
}

interface LbfgsOutcome {
  x: Float64Array;
  value: number;
  gradientNorm: number;
  iterations: number;
  converged: boolean;
  /** True when L-BFGS could not proceed (the caller should fall back). */
  failed: boolean;
  message: string;
}

function lbfgs(f: Objective, x0: Float64Array, o: Settings): LbfgsOutcome {
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let fx = f(x, g);
  if (!Number.isFinite(fx) || !allFinite(g)) {
    return {
      x,
      value: Number.isFinite(fx) ? fx : Number.NaN,
      gradientNorm: Number.NaN,
      iterations: 0,
      converged: false,
      failed: true,
      message: 'objective or gradient not finite at the starting point',
    };
  }
  const m = o.memory;
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alphas = new Float64Array(m);
  let stored = 0;
  let newest = -1;
  const d = new Float64Array(n);
  const s: LineSearchState = { n, x, d, xt: new Float64Array(n), gt: new Float64Array(n), evaluations: 0 };
  const scale = (): number => o.gradientTolerance * Math.max(1, Math.abs(fx));

  let iterations = 0;
  let gnorm = normInf(g);
  let retriedSteepest = false;
  while (true) {
    if (gnorm <= scale()) {
      return { x, value: fx, gradientNorm: gnorm, iterations, converged: true, failed: false, message: 'gradient below tolerance' };
    }
    if (iterations >= o.maxIterations) {
      return { x, value: fx, gradientNorm: gnorm, iterations, converged: false, failed: false, message: `stopped after ${iterations} iterations` };
    }
    // Two-loop recursion: d = −H∇f with H0 = γI, γ = sᵀy / yᵀy of the newest pair.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
    for (let k = 0, j = newest; k < stored; k++, j = (j - 1 + m) % m) {
      const a = (rho[j] as number) * dot(S[j] as Float64Array, d);
      alphas[j] = a;
      const y = Y[j] as Float64Array;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) - a * (y[i] as number);
    }
    if (stored > 0) {
      const y = Y[newest] as Float64Array;
      const gamma = 1 / ((rho[newest] as number) * dot(y, y));
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma;
    }
    for (let k = 0, j = (newest - stored + 1 + m) % m; k < stored; k++, j = (j + 1) % m) {
      const b = (rho[j] as number) * dot(Y[j] as Float64Array, d);
      const sv = S[j] as Float64Array;
      const c = (alphas[j] as number) - b;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) + c * (sv[i] as number);
    }
    let dphi0 = dot(g, d);
    if (!(dphi0 < 0)) {
      // Not a descent direction (memory spoiled by round-off): restart from steepest descent.
      stored = 0;
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
      dphi0 = dot(g, d);
    }
    const initialStep = stored === 0 ? Math.min(1, 1 / Math.sqrt(-dphi0)) : 1;
    const fnew = lineSearch(f, s, fx, dphi0, initialStep);
    iterations++;
    if (Number.isNaN(fnew)) {
      if (stored > 0 && !retriedSteepest) {
        retriedSteepest = true;
        stored = 0;
        continue;
      }
      const stalled = gnorm <= STALL_GRADIENT_FACTOR * scale();
      return {
        x,
        value: fx,
        gradientNorm: gnorm,
        iterations,
        converged: stalled,
        failed: !stalled,
        message: stalled ? 'converged to machine precision (no further decrease possible)' : 'line search failed',
      };
    }
    retriedSteepest = false;
    const next = (newest + 1) % m;
    const sv = S[next] as Float64Array;
    const yv = Y[next] as Float64Array;
    for (let i = 0; i < n; i++) {
      sv[i] = (s.xt[i] as number) - (x[i] as number);
      yv[i] = (s.gt[i] as number) - (g[i] as number);
    }
    const sy = dot(sv, yv);
    // Keep the pair only under positive curvature, so H stays positive definite.
    if (sy > 1e-12 * Math.sqrt(dot(sv, sv) * dot(yv, yv))) {
      rho[next] = 1 / sy;
      newest = next;
      if (stored < m) stored++;
    }
    const decrease = fx - fnew;
    x.set(s.xt);
    g.set(s.gt);
    fx = fnew;
    gnorm = normInf(g);
    if (decrease <= o.relativeTolerance * Math.max(1, Math.abs(fx))) {
      return {
        x,
        value: fx,
        gradientNorm: gnorm,
        iterations,
        converged: true,
        failed: false,
        message: 'relative decrease below tolerance',
      };
    }
  }
}

/**
 * Nelder–Mead on f alone (Nelder & Mead 1965, The Computer Journal 7(4)), with the
 * dimension-adaptive coefficients of Gao & Han (2012, Computational Optimization and Applications
 * 51). Non-finite values rank as +∞, so the simplex walks back into the domain.
 */
function nelderMead(f: Objective, x0: Float64Array, o: Settings): { x: Float64Array; value: number; iterations: number } {
  const n = x0.length;
  const scratch = new Float64Array(n);
  const value = (p: Float64Array): number => {
    const v = f(p, scratch);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;
  const pts: Float64Array[] = [Float64Array.from(x0)];
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(x0);
    p[i] = (p[i] as number) + 0.5 * Math.max(1, Math.abs(p[i] as number));
    pts.push(p);
  }
  const vals = pts.map(value);
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  const at = (t: number, out: Float64Array, worst: Float64Array): void => {
    for (let i = 0; i < n; i++) out[i] = (centroid[i] as number) + t * ((centroid[i] as number) - (worst[i] as number));
  };
  const order = (): void => {
    const idx = vals.map((_, i) => i).sort((a, b) => (vals[a] as number) - (vals[b] as number));
    const p = idx.map((i) => pts[i] as Float64Array);
    const v = idx.map((i) => vals[i] as number);
    for (let i = 0; i <= n; i++) {
      pts[i] = p[i] as Float64Array;
      vals[i] = v[i] as number;
    }
  };
  const maxIter = 400 * n * Math.max(1, Math.ceil(o.maxIterations / 100));
  let it = 0;
  for (; it < maxIter; it++) {
    order();
    const best = vals[0] as number;
    const worstV = vals[n] as number;
    let diameter = 0;
    for (let j = 1; j <= n; j++) {
      for (let i = 0; i < n; i++) {
        const dlt = Math.abs((pts[j] as Float64Array)[i]! - (pts[0] as Float64Array)[i]!);
        if (dlt > diameter) diameter = dlt;
      }
    }
    if (Number.isFinite(worstV) && worstV - best <= 1e-12 * Math.max(1, Math.abs(best)) && diameter <= 1e-8) break;
    centroid.fill(0);
    for (let j = 0; j < n; j++) {
      const p = pts[j] as Float64Array;
      for (let i = 0; i < n; i++) centroid[i] = (centroid[i] as number) + (p[i] as number) / n;
    }
    const worst = pts[n] as Float64Array;
    at(alpha, xr, worst);
    const fr = value(xr);
    if (fr < best) {
      at(beta, xe, worst);
      const fe = value(xe);
      if (fe < fr) {
        worst.set(xe);
        vals[n] = fe;
      } else {
        worst.set(xr);
        vals[n] = fr;
      }
      continue;
    }
    if (fr < (vals[n - 1] as number)) {
      worst.set(xr);
      vals[n] = fr;
      continue;
    }
    const outside = fr < worstV;
    at(outside ? gamma : -gamma, xc, worst);
    const fc = value(xc);
    if (fc < (outside ? fr : worstV)) {
      worst.set(xc);
      vals[n] = fc;
      continue;
    }
    const b = pts[0] as Float64Array;
    for (let j = 1; j <= n; j++) {
      const p = pts[j] as Float64Array;
      for (let i = 0; i < n; i++) p[i] = (b[i] as number) + delta * ((p[i] as number) - (b[i] as number));
      vals[j] = value(p);
    }
  }
  order();
  return { x: pts[0] as Float64Array, value: vals[0] as number, iterations: it };
}

/**
 * Minimise f from x0: L-BFGS with a strong-Wolfe line search (Nocedal & Wright 2006, Alg. 7.4,
 * 3.5, 3.6); if it fails (non-finite values, line-search failure), Nelder–Mead on f alone from the
 * best point so far, then L-BFGS again from the simplex optimum. Never throws for a bad objective:
 * the result says `converged: false` with the reason in `message`.
 */
export function minimize(f: Objective, x0: Float64Array, opts?: MinimizeOptions): MinimizeResult {
  const o = settings(opts);
  const first = lbfgs(f, x0, o);
  if (!first.failed) return { ...withoutFailed(first), method: 'lbfgs' };
  const simplex = nelderMead(f, first.x, o);
  if (!Number.isFinite(simplex.value)) {
    return {
      x: first.x,
      value: Number.NaN,
      gradientNorm: Number.NaN,
      iterations: first.iterations + simplex.iterations,
      converged: false,
      message: `${first.message}; Nelder–Mead found no point with a finite objective`,
      method: 'nelder-mead',
    };
  }
  const polished = lbfgs(f, simplex.x, o);
  const iterations = first.iterations + simplex.iterations + polished.iterations;
  if (Number.isFinite(polished.value) && polished.value <= simplex.value) {
    return {
      ...withoutFailed(polished),
      iterations,
      message: `L-BFGS ${first.message}; Nelder–Mead fallback, L-BFGS polish: ${polished.message}`,
      method: 'nelder-mead',
    };
  }
  return {
    x: simplex.x,
    value: simplex.value,
    gradientNorm: Number.NaN,
    iterations,
    converged: false,
    message: `L-BFGS ${first.message}; Nelder–Mead result could not be polished (${polished.message})`,
    method: 'nelder-mead',
  };
}

function withoutFailed(r: LbfgsOutcome): Omit<MinimizeResult, 'method'> {
  return {
    x: r.x,
    value: r.value,
    gradientNorm: r.gradientNorm,
    iterations: r.iterations,
    converged: r.converged,
    message: r.message,
  };
}

/** Two optima agree when their values differ by at most this, relative to max(1, |f|). */
const AGREEMENT_TOLERANCE = 1e-7;

/**
 * `minimize` from several starting points, in order, until two of them reach the same best
 * optimum (within 1e-7 relative) — a cheap check that the surface did not trap a start in a
 * different local optimum, without paying for every start when the first two agree. Returns the
 * best finite result, how many starts were run, and how many of those reached the best value.
 */
export function minimizeMultiStart(
  f: Objective,
  starts: Float64Array[],
  opts?: MinimizeOptions,
): MinimizeResult & { starts: number; agreeing: number } {
  if (starts.length === 0) throw new StatsError('invalid_input', 'minimizeMultiStart: no starting points');
  const results: MinimizeResult[] = [];
  let best: MinimizeResult | undefined;
  let agreeing = 0;
  for (const x0 of starts) {
    const r = minimize(f, x0, opts);
    results.push(r);
    if (!Number.isFinite(r.value)) continue;
    if (best === undefined || r.value < best.value || (r.value === best.value && r.converged && !best.converged)) best = r;
    const bestValue = best.value;
    agreeing = results.filter(
      (q) => Number.isFinite(q.value) && q.value - bestValue <= AGREEMENT_TOLERANCE * Math.max(1, Math.abs(bestValue)),
    ).length;
    if (agreeing >= 2) break;
  }
  if (best === undefined) return { ...(results[0] as MinimizeResult), starts: results.length, agreeing: 0 };
  return { ...best, starts: results.length, agreeing };
}

/**
 * Hessian by central differences of the analytic gradient, H[i][j] = (g_j(x + h e_i) −
 * g_j(x − h e_i)) / 2h with h = ε^(1/3)·max(1, |x_i|) (the error-balancing step for central
 * differences), symmetrised.
 */
export function numericHessian(f: Objective, x: Float64Array): Float64Array[] {
  const n = x.length;
  const H = Array.from({ length: n }, () => new Float64Array(n));
  const xp = Float64Array.from(x);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = 6e-6 * Math.max(1, Math.abs(x[i] as number));
    xp[i] = (x[i] as number) + h;
    const hp = (xp[i] as number) - (x[i] as number); // the step actually representable
    f(xp, gp);
    xp[i] = (x[i] as number) - h;
    const hm = (x[i] as number) - (xp[i] as number);
    f(xp, gm);
    xp[i] = x[i] as number;
    const row = H[i] as Float64Array;
    for (let j = 0; j < n; j++) row[j] = ((gp[j] as number) - (gm[j] as number)) / (hp + hm);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * ((H[i] as Float64Array)[j]! + (H[j] as Float64Array)[i]!);
      (H[i] as Float64Array)[j] = v;
      (H[j] as Float64Array)[i] = v;
    }
  }
  return H;
}

/**
 * Inverse of a symmetric matrix by Gauss–Jordan elimination with partial pivoting (result
 * symmetrised). Throws StatsError('not_identifiable') when the matrix is singular to working
 * precision — for a Hessian of a negative log-likelihood this means the data do not pin down every
 * parameter.
 */
export function invertSymmetric(m: Float64Array[]): Float64Array[] {
  const n = m.length;
  const a: Float64Array[] = m.map((row) => {
    if (row.length !== n) throw new StatsError('invalid_input', 'invertSymmetric: matrix is not square');
    return Float64Array.from(row);
  });
  const inv: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
  let scale = 0;
  for (const row of a) scale = Math.max(scale, normInf(row));
  if (!Number.isFinite(scale)) throw new StatsError('not_identifiable', 'matrix to invert has non-finite entries');
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs((a[r] as Float64Array)[col]!) > Math.abs((a[pivot] as Float64Array)[col]!)) pivot = r;
    }
    const p = (a[pivot] as Float64Array)[col] as number;
    if (!(Math.abs(p) > 1e-13 * n * scale)) {
      throw new StatsError(
        'not_identifiable',
        'matrix is singular to working precision: the data do not determine every parameter',
      );
    }
    [a[col], a[pivot]] = [a[pivot] as Float64Array, a[col] as Float64Array];
    [inv[col], inv[pivot]] = [inv[pivot] as Float64Array, inv[col] as Float64Array];
    const ac = a[col] as Float64Array;
    const ic = inv[col] as Float64Array;
    for (let j = 0; j < n; j++) {
      ac[j] = (ac[j] as number) / p;
      ic[j] = (ic[j] as number) / p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const ar = a[r] as Float64Array;
      const ir = inv[r] as Float64Array;
      const factor = ar[col] as number;
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) {
        ar[j] = (ar[j] as number) - factor * (ac[j] as number);
        ir[j] = (ir[j] as number) - factor * (ic[j] as number);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * ((inv[i] as Float64Array)[j]! + (inv[j] as Float64Array)[i]!);
      (inv[i] as Float64Array)[j] = v;
      (inv[j] as Float64Array)[i] = v;
    }
  }
  return inv;
}

/**
 * Standard errors of θ = exp(φ) from the Hessian of the negative log-likelihood in φ = log θ:
 * Cov(φ) = H⁻¹ and, by the delta method, se(θ_i) = θ_i · sqrt(Cov(φ)_ii). Throws
 * StatsError('not_identifiable') when the Hessian is singular or not positive definite on the
 * diagonal of its inverse (not a proper maximum).
 */
export function standardErrorsFromLogHessian(hessian: Float64Array[], logParams: Float64Array): Float64Array {
  const cov = invertSymmetric(hessian);
  const se = new Float64Array(logParams.length);
  for (let i = 0; i < se.length; i++) {
    const v = (cov[i] as Float64Array)[i] as number;
    if (!(v > 0)) {
      throw new StatsError('not_identifiable', 'the likelihood is not curved at the optimum: no standard errors');
    }
    se[i] = Math.exp(logParams[i] as number) * Math.sqrt(v);
  }
  return se;
}

/**
 * Central-difference gradient of f at x (step ε^(1/3)·max(1, |x_i|)), for checking analytic
 * gradients in tests and diagnostics.
 */
export function finiteDifferenceGradient(f: Objective, x: Float64Array): Float64Array {
  const n = x.length;
  const g = new Float64Array(n);
  const scratch = new Float64Array(n);
  const xp = Float64Array.from(x);
  for (let i = 0; i < n; i++) {
    const h = 6e-6 * Math.max(1, Math.abs(x[i] as number));
    xp[i] = (x[i] as number) + h;
    const fp = f(xp, scratch);
    xp[i] = (x[i] as number) - h;
    const fm = f(xp, scratch);
    xp[i] = x[i] as number;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
