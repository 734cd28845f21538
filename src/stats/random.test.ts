import { describe, it, expect } from 'vitest';
import { createRng } from './random.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let mean = 0;
  let m2 = 0;
  for (let i = 1; i <= n; i++) {
    const x = draw();
    const d = x - mean;
    mean += d / i;
    m2 += d * (x - mean);
  }
  return { mean, variance: m2 / (n - 1) };
}

/** Check a sample mean against its expectation within `z` standard errors. */
function expectMean(observed: number, expected: number, variance: number, n: number, z = 5): void {
  expect(Math.abs(observed - expected)).toBeLessThan(z * Math.sqrt(variance / n));
}

const N = 200_000;

describe('createRng determinism', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 20 }, () => a.uint32());
    const sb = Array.from({ length: 20 }, () => b.uint32());
    const sc = Array.from({ length: 20 }, () => c.uint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('separates string and number seeds, and large integer seeds', () => {
    expect(createRng('1').uint32()).not.toBe(createRng(1).uint32());
    expect(createRng(2 ** 40).uint32()).not.toBe(createRng(2 ** 40 + 2 ** 32).uint32());
    expect(createRng(-5).uint32()).not.toBe(createRng(5).uint32());
    expect(createRng('holdout-2024').uniform()).toBe(createRng('holdout-2024').uniform());
  });

  it('is pinned to a fixed stream (cross-platform reproducibility guard)', () => {
    // If this changes, every recorded seed in users' databases reproduces something else.
    const rng = createRng(20240601);
    const first = [rng.uint32(), rng.uint32(), rng.uint32()];
    expect(first).toEqual(PINNED_UINT32);
    const r2 = createRng('winback');
    expect(r2.uniform()).toBe(PINNED_UNIFORM);
  });

  it('forks deterministic, independent sub-streams', () => {
    const f1 = createRng(7).fork('cohort-a');
    const f2 = createRng(7).fork('cohort-a');
    const f3 = createRng(7).fork('cohort-b');
    expect(f1.uniform()).toBe(f2.uniform());
    expect(f1.uniform()).not.toBe(f3.uniform());
  });
});

describe('distribution moments', () => {
  it('uniform: mean 1/2, variance 1/12, range [0,1)', () => {
    const rng = createRng(1);
    let min = 1;
    let max = 0;
    const m = moments(() => {
      const u = rng.uniform();
      if (u < min) min = u;
      if (u > max) max = u;
      return u;
    }, N);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expectMean(m.mean, 0.5, 1 / 12, N);
    expect(m.variance).toBeCloseTo(1 / 12, 3);
  });

  it('normal: mean and sd', () => {
    const rng = createRng(2);
    const m = moments(() => rng.normal(3, 2), N);
    expectMean(m.mean, 3, 4, N);
    expect(Math.abs(m.variance - 4)).toBeLessThan(0.05);
  });

  it.each([
    [0.1, 1],
    [0.5, 2],
    [1, 1],
    [2.5, 0.4],
    [30, 3],
  ])('gamma(shape=%f, scale=%f): mean kθ, variance kθ²', (k, theta) => {
    const rng = createRng(`gamma-${k}`);
    const m = moments(() => rng.gamma(k, theta), N);
    expectMean(m.mean, k * theta, k * theta * theta, N);
    // Variance of the sample variance uses the 4th moment: for Gamma, kurtosis excess 6/k.
    const v = k * theta * theta;
    const seVar = v * Math.sqrt((2 + 6 / k) / N);
    expect(Math.abs(m.variance - v)).toBeLessThan(6 * seVar);
  });

  it.each([
    [0.5, 0.5],
    [2, 5],
    [0.7, 1.2],
  ])('beta(%f, %f): mean a/(a+b), variance ab/((a+b)²(a+b+1))', (a, b) => {
    const rng = createRng(`beta-${a}-${b}`);
    const m = moments(() => rng.beta(a, b), N);
    const v = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expectMean(m.mean, a / (a + b), v, N);
    expect(Math.abs(m.variance - v) / v).toBeLessThan(0.03);
  });

  it.each([0.3, 4, 9.99, 10, 37.5, 1000, 1e6])('poisson(%f): mean = variance = λ', (lambda) => {
    const rng = createRng(`poisson-${lambda}`);
    let integers = true;
    const m = moments(() => {
      const k = rng.poisson(lambda);
      if (!Number.isInteger(k) || k < 0) integers = false;
      return k;
    }, N);
    expect(integers).toBe(true);
    expectMean(m.mean, lambda, lambda, N);
    expect(Math.abs(m.variance - lambda) / lambda).toBeLessThan(0.03);
  });

  it('poisson(20): probabilities of single values match the pmf', () => {
    const rng = createRng(99);
    const counts = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const k = rng.poisson(20);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // P(K=20) = e^-20 20^20 / 20!
    let logp = -20 + 20 * Math.log(20);
    for (let j = 2; j <= 20; j++) logp -= Math.log(j);
    const p = Math.exp(logp);
    const observed = (counts.get(20) ?? 0) / N;
    expect(Math.abs(observed - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
  });

  it('exponential(rate): mean 1/rate, variance 1/rate²', () => {
    const rng = createRng(3);
    const m = moments(() => rng.exponential(2.5), N);
    expectMean(m.mean, 0.4, 0.16, N);
    expect(Math.abs(m.variance - 0.16) / 0.16).toBeLessThan(0.03);
  });

  it('int(n) is uniform on 0..n-1, including n above 2^32', () => {
    const rng = createRng(4);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(5 * Math.sqrt(10_000));
    const big = 2 ** 40 + 3;
    const m = moments(() => rng.int(big), 50_000);
    expect(Math.abs(m.mean / big - 0.5)).toBeLessThan(0.01);
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.int(1.5)).toThrow(RangeError);
  });

  it('pick and shuffle', () => {
    const rng = createRng(5);
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(rng.pick(items));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => rng.pick([])).toThrow(RangeError);
    const arr = Array.from({ length: 50 }, (_, i) => i);
    rng.shuffle(arr);
    expect([...arr].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects invalid parameters', () => {
    const rng = createRng(6);
    expect(() => rng.gamma(0)).toThrow(RangeError);
    expect(() => rng.gamma(1, -1)).toThrow(RangeError);
    expect(() => rng.poisson(-1)).toThrow(RangeError);
    expect(() => rng.poisson(Number.NaN)).toThrow(RangeError);
    expect(() => rng.exponential(0)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });
});

// Recorded from the implementation; see the pinned-stream test.
const PINNED_UINT32 = [1969251807, 4113967843, 476757865];
const PINNED_UNIFORM = 0.8046877716602344;
