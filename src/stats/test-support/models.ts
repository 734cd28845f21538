/**
 * Test support shared by the repeat-purchase model tests (BG/NBD, Pareto/NBD): small triple data
 * sets, extreme histories, and the measures their likelihood, simulation and fitting tests compare.
 */
import { expect } from 'vitest';
import { StatsError } from '../errors.js';
import type { FitResult, RfScores, SimulatedHistories } from '../fit.js';
import type { RfTriples } from '../summary.js';

/** Weighted triples from plain arrays (weight 1 each unless given). */
export function triples(x: number[], tx: number[], T: number[], weight?: number[]): RfTriples {
  const w = weight ?? x.map(() => 1);
  return {
    x: Float64Array.from(x),
    tx: Float64Array.from(tx),
    T: Float64Array.from(T),
    weight: Float64Array.from(w),
    customers: w.reduce((s, v) => s + v, 0),
  };
}

/** Ordinary and extreme histories: x in the hundreds, T ≈ 0, T = 1e4, t_x = T, t_x = 0. */
export const EXTREME = triples(
  [0, 1, 2, 7, 300, 450, 0, 3, 1, 25, 5],
  [0, 30, 12.5, 38, 38.5, 1e4, 0, 1e-6, 0, 1e4, 0],
  [38, 38, 30, 38.86, 39, 1e4, 1e-6, 1e-6, 1e-6, 1e4, 1e4],
  [10, 3, 2, 1, 1, 1, 4, 1, 2, 1, 1],
);

/** Largest |a − b| / max(1e-3, |b|) over the entries. */
export function maxRelativeError(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  return m;
}

/** The StatsError code `f` throws; 'other' for another error, 'none' when it returns. */
export function statsErrorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof StatsError ? e.code : 'other';
  }
  return 'none';
}

/** Per bucket [lo, hi] of x: simulated holdout transactions over the scored expectation. */
export function holdoutRatiosByFrequency(sim: SimulatedHistories, scores: RfScores, buckets: readonly (readonly [number, number])[]): number[] {
  return buckets.map(([lo, hi]) => {
    let actual = 0;
    let expected = 0;
    for (let i = 0; i < sim.x.length; i++) {
      if (sim.x[i]! < lo || sim.x[i]! > hi) continue;
      actual += sim.holdoutX[i]!;
      expected += scores.expected[i]!;
    }
    return actual / expected;
  });
}

/** Mean holdout transactions per simulated customer. */
export function meanHoldout(sim: SimulatedHistories): number {
  return sim.holdoutX.reduce((a, v) => a + v, 0) / sim.x.length;
}

/** Every true parameter lies within `z` standard errors of its estimate. */
export function expectRecovered<P extends { [K in keyof P]: number }>(fit: FitResult<P>, truth: P, names: readonly (keyof P)[], z: number): void {
  for (const k of names) {
    expect(Math.abs(fit.params[k] - truth[k])).toBeLessThan(z * fit.standardErrors[k]);
  }
}
