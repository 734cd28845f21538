/**
 * Seeded pseudo-random numbers for everything in winback that draws at random (holdout groups,
 * demo data, simulation tests). The design records the seed, so a result can be reproduced.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, used by
 * PractRand), state seeded by splitmix32 from the seed. Only 32-bit integer operations
 * (`Math.imul`, shifts, `>>> 0`) touch the state, so the integer stream is bit-identical on every
 * platform. Derived variates use `Math.log` / `Math.sqrt` only (no trigonometry); Node's V8 uses
 * the same fdlibm port everywhere, so they are reproducible across machines running Node.
 */

export interface Rng {
  /** The seed this generator was created from (for recording next to a result). */
  readonly seed: number | string;
  /** Next raw 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal N(0, 1) (Marsaglia polar method), or N(mean, sd). */
  normal(mean?: number, sd?: number): number;
  /**
   * Gamma with shape k > 0 and scale θ > 0 (mean kθ, variance kθ²).
   * Marsaglia & Tsang (2000), "A simple method for generating gamma variables", ACM TOMS 26(3);
   * for k < 1 the boost Gamma(k) = Gamma(k + 1) · U^(1/k) from the same paper.
   */
  gamma(shape: number, scale?: number): number;
  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number;
  /**
   * Poisson(λ). Multiplication method (Knuth) for λ < 10, transformed rejection with squeeze
   * (PTRS, Hörmann 1993, "The transformed rejection method for generating Poisson random
   * variables", Insurance: Mathematics and Economics 12) for λ ≥ 10, so large λ costs O(1).
   */
  poisson(lambda: number): number;
  /** Exponential with the given rate (mean 1 / rate), by inversion. */
  exponential(rate?: number): number;
  /** Uniform integer in [0, n), unbiased (rejection). n must be a positive integer ≤ 2^53. */
  int(n: number): number;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** An independent generator derived from this one's seed and a label (e.g. one per cohort). */
  fork(label: string | number): Rng;
}

/** Create a generator. Integer seeds use all bits up to 2^53; strings are hashed (FNV-1a, twice). */
export function createRng(seed: number | string): Rng {
  const [lo, hi] = seedWords(seed);
  return new Sfc32(seed, lo, hi);
}

function seedWords(seed: number | string): [number, number] {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be finite, got ${seed}`);
    // Non-integers are reduced to their bit pattern so 0.5 and 0.25 differ.
    if (!Number.isInteger(seed) || Math.abs(seed) > Number.MAX_SAFE_INTEGER) {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, seed);
      return [view.getUint32(4), view.getUint32(0) ^ 0x5bd1e995];
    }
    const negative = seed < 0;
    const abs = Math.abs(seed);
    const lo = abs % 0x100000000 >>> 0;
    const hi = (Math.floor(abs / 0x100000000) ^ (negative ? 0x80000000 : 0)) >>> 0;
    return [lo, hi];
  }
  // Two FNV-1a passes with different offsets over UTF-16 code units give 64 bits.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  // Tag strings so that the string "1" and the number 1 give different streams.
  return [a, (b ^ 0xa5a5a5a5) >>> 0];
}

/** splitmix32 step: a well-mixed 32-bit output from a Weyl sequence. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_M32 = 1 / 0x100000000;
const TWO_POW_M53 = 1 / 9007199254740992;

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second value of the last polar-method pair. */
  private spareNormal = 0;
  private hasSpare = false;

  constructor(
    readonly seed: number | string,
    lo: number,
    hi: number,
  ) {
    const st = { s: (lo ^ Math.imul(hi, 0x27d4eb2d)) >>> 0 };
    this.a = splitmix32(st) ^ hi;
    this.b = splitmix32(st);
    this.c = splitmix32(st) ^ lo;
    this.d = 1; // sfc32's counter
    // Discard the first outputs so weakly different seeds decorrelate.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  uniform(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_M53;
  }

  /** Uniform on (0, 1): never exactly 0, for logarithms. */
  private open01(): number {
    let u: number;
    do u = this.uniform();
    while (u === 0);
    return u;
  }

  normal(mean = 0, sd = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + sd * this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    this.hasSpare = true;
    return mean + sd * u * f;
  }

  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !(scale > 0) || !Number.isFinite(shape) || !Number.isFinite(scale)) {
      throw new RangeError(`gamma: shape and scale must be positive and finite (got ${shape}, ${scale})`);
    }
    if (shape < 1) {
      // Marsaglia–Tsang boost; computed in logs so tiny shapes do not underflow to 0 too early.
      const g = this.gammaAtLeastOne(shape + 1);
      return scale * Math.exp(Math.log(g) + Math.log(this.open01()) / shape);
    }
    return scale * this.gammaAtLeastOne(shape);
  }

  private gammaAtLeastOne(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  beta(a: number, b: number): number {
    if (!(a > 0) || !(b > 0)) throw new RangeError(`beta: a and b must be positive (got ${a}, ${b})`);
    const x = this.gamma(a);
    const y = this.gamma(b);
    const s = x + y;
    // Both can underflow to 0 for very small shapes; fall back to a Bernoulli(a/(a+b)) limit.
    if (s === 0) return this.uniform() < a / (a + b) ? 1 : 0;
    return x / s;
  }

  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new RangeError(`poisson: lambda must be finite and ≥ 0 (got ${lambda})`);
    }
    if (lambda === 0) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    // PTRS (Hörmann 1993), constants as in the paper.
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logFactorial(k)
      ) {
        return k;
      }
    }
  }

  exponential(rate = 1): number {
    if (!(rate > 0)) throw new RangeError(`exponential: rate must be positive (got ${rate})`);
    return -Math.log(this.open01()) / rate;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 9007199254740992) {
      throw new RangeError(`int: n must be a positive integer ≤ 2^53 (got ${n})`);
    }
    if (n <= 0x100000000) {
      // Reject the top partial block so every residue is equally likely.
      const limit = 0x100000000 - (0x100000000 % n);
      let r: number;
      do r = this.uint32();
      while (r >= limit);
      return r % n;
    }
    const limit = 9007199254740992 - (9007199254740992 % n);
    let r: number;
    do r = this.uniform() * 9007199254740992;
    while (r >= limit);
    return r % n;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick: the array is empty');
    return items[this.int(items.length)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  fork(label: string | number): Rng {
    return createRng(`${String(this.seed)}\u0000${typeof this.seed}\u0000${String(label)}`);
  }
}

/**
 * log(k!) for the Poisson sampler: exact sum below 30, Stirling series beyond (error < 1e-12).
 * Kept private and self-contained so the generator has no dependency on the special-function module.
 */
const LOG_FACTORIAL_TABLE: Float64Array = (() => {
  const t = new Float64Array(30);
  for (let k = 2; k < 30; k++) t[k] = (t[k - 1] as number) + Math.log(k);
  return t;
})();

function logFactorial(k: number): number {
  if (k < 30) return LOG_FACTORIAL_TABLE[k] as number;
  const n = k + 1;
  const inv = 1 / n;
  const inv2 = inv * inv;
  return (
    (n - 0.5) * Math.log(n) -
    n +
    0.9189385332046728 + // log(sqrt(2π))
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}
