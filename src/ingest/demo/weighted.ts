import type { Rng } from '../../stats/random.js';

/**
 * Categorical distribution over fixed items: cumulative weights are computed once, so a draw is
 * one uniform plus a short scan — cheap enough for millions of rows.
 */
export class Weighted<T> {
  private readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new RangeError('Weighted: no entries');
    this.items = entries.map(([item]) => item);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, weight], i) => {
      if (!(weight >= 0)) throw new RangeError(`Weighted: bad weight ${weight}`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (!(sum > 0)) throw new RangeError('Weighted: weights sum to zero');
    this.total = sum;
  }

  draw(rng: Rng): T {
    const u = rng.uniform() * this.total;
    const last = this.items.length - 1;
    for (let i = 0; i < last; i++) if (u < (this.cumulative[i] as number)) return this.items[i] as T;
    return this.items[last] as T;
  }
}

/** True with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return rng.uniform() < p;
}

/** Uniform on [low, high). */
export function between(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.uniform();
}
