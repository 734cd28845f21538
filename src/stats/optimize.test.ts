import { describe, expect, it } from 'vitest';
import { StatsError } from './errors.js';
import {
  invertSymmetric,
  minimize,
  minimizeMultiStart,
  numericHessian,
  standardErrorsFromLogHessian,
  type Objective,
} from './optimize.js';

const rosenbrock: Objective = (x, g) => {
  const a = x[0]!;
  const b = x[1]!;
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

/** f = ½ Σ c_i (x_i − i)², c_i spread geometrically from 1 to `condition`. */
function quadratic(n: number, condition: number): Objective {
  return (x, g) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const c = condition ** (i / (n - 1));
      const d = x[i]! - i;
      f += 0.5 * c * d * d;
      g[i] = c * d;
    }
    return f;
  };
}

describe('minimize (L-BFGS)', () => {
  it('solves Rosenbrock from the classic start', () => {
    const r = minimize(rosenbrock, Float64Array.of(-1.2, 1));
    expect(r.converged).toBe(true);
    expect(r.method).toBe('lbfgs');
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
  });

  it.each([1e2, 1e4, 1e6])('solves an ill-conditioned quadratic (condition %d)', (cond) => {
    const n = 10;
    const r = minimize(quadratic(n, cond), new Float64Array(n).fill(5), { maxIterations: 5000 });
    expect(r.converged).toBe(true);
    for (let i = 0; i < n; i++) expect(Math.abs(r.x[i]! - i)).toBeLessThan(1e-4 * Math.max(1, i));
  });

  it('stops at the iteration limit and says so', () => {
    const r = minimize(rosenbrock, Float64Array.of(-1.2, 1), { maxIterations: 3 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(r.message).toMatch(/3 iterations/);
  });

  it('falls back to Nelder–Mead when the gradient is unusable, then polishes', () => {
    // The gradient is NaN away from a small window, so L-BFGS cannot even start.
    const f: Objective = (x, g) => {
      const v = rosenbrock(x, g);
      if (Math.abs(x[0]! - 1) > 0.3) g[0] = Number.NaN;
      return v;
    };
    const r = minimize(f, Float64Array.of(-1.2, 1));
    expect(r.method).toBe('nelder-mead');
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it('walks back into the domain when values are non-finite outside it', () => {
    // log barrier: undefined for x ≤ 0; minimum at x = 1 for f = x − log x.
    const f: Objective = (x, g) => {
      g[0] = 1 - 1 / x[0]!;
      return x[0]! - Math.log(x[0]!);
    };
    const r = minimize(f, Float64Array.of(0.01));
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
  });

  it('reports a non-finite objective everywhere instead of throwing', () => {
    const r = minimize(() => Number.NaN, Float64Array.of(1, 2));
    expect(r.converged).toBe(false);
    expect(r.value).toBeNaN();
  });
});

describe('minimizeMultiStart', () => {
  it('picks the global minimum of a double well and stops once two starts agree', () => {
    // f = (x² − 1)² + 0.2x: global minimum near x = −1.
    const f: Objective = (x, g) => {
      const v = x[0]!;
      g[0] = 4 * v * (v * v - 1) + 0.2;
      return (v * v - 1) ** 2 + 0.2 * v;
    };
    const r = minimizeMultiStart(f, [Float64Array.of(2), Float64Array.of(-2), Float64Array.of(-0.5), Float64Array.of(-3)]);
    expect(r.x[0]).toBeLessThan(0);
    // The local minimum near +1 disagrees; the next two starts agree on the global one, and the
    // fourth start is not needed.
    expect(r.starts).toBe(3);
    expect(r.agreeing).toBe(2);
  });
});

describe('Hessian and covariance', () => {
  it('numericHessian reproduces an analytic Hessian', () => {
    const H = numericHessian(rosenbrock, Float64Array.of(0.5, 2));
    const a = 0.5;
    expect(H[0]![0]).toBeCloseTo(2 - 400 * (2 - 3 * a * a), 5);
    expect(H[0]![1]).toBeCloseTo(-400 * a, 5);
    expect(H[1]![1]).toBeCloseTo(200, 5);
  });

  it('invertSymmetric inverts and rejects singular matrices', () => {
    const m = [Float64Array.of(4, 1, 0), Float64Array.of(1, 3, 1), Float64Array.of(0, 1, 2)];
    const inv = invertSymmetric(m);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += m[i]![k]! * inv[k]![j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    const singular = [Float64Array.of(1, 2), Float64Array.of(2, 4)];
    expect(() => invertSymmetric(singular)).toThrow(StatsError);
    try {
      invertSymmetric(singular);
    } catch (e) {
      expect((e as StatsError).code).toBe('not_identifiable');
    }
  });

  it('standardErrorsFromLogHessian applies the delta method', () => {
    // Var(log θ) = 0.04 → se(θ) = θ · 0.2.
    const se = standardErrorsFromLogHessian([Float64Array.of(25)], Float64Array.of(Math.log(3)));
    expect(se[0]).toBeCloseTo(0.6, 12);
    expect(() => standardErrorsFromLogHessian([Float64Array.of(-1)], Float64Array.of(0))).toThrow(/not curved/);
  });
});
