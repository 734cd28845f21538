import { describe, expect, it } from 'vitest';
import { digamma, hyp2f1, lnBeta, lnGamma, lnHyp2f1One, log1pExp, logSumExp, oneMinusExpOverK } from './special.js';

/** Reference values from mpmath at 30 digits. */
const LN_GAMMA: [number, number][] = [
  [1e-8, 18.420680738180209],
  [0.1, 2.2527126517342059],
  [0.5, 0.57236494292470009],
  [0.9, 0.066376239734742954],
  [1.1, -0.049872441259839762],
  [1.3, -0.10817480950786048],
  [1.5, -0.12078223763524522],
  [1.7, -0.095807697407065874],
  [1.9, -0.038984275923083362],
  [2.1, 0.045437738544485179],
  [2.5, 0.28468287047291916],
  [3, 0.69314718055994531],
  [7.3, 7.1478925230222487],
  [10, 12.80182748008147],
  [25.5, 56.389167643719947],
  [100, 359.1342053695754],
  [1e5, 1051287.7089736569],
  [-0.5, 1.2655121234846454],
  [-2.5, -0.056243716497674051],
];

const DIGAMMA: [number, number][] = [
  [1e-6, -1000000.57721402],
  [0.5, -1.9635100260214235],
  [1, -0.57721566490153286],
  [2.5, 0.70315664064524319],
  [9.99, 2.2507003728312011],
  [10, 2.2517525890667211],
  [50, 3.9019896734278922],
  [1e4, 9.2102903711428494],
  [-0.5, 0.036489973978576521],
];

const HYP2F1: [number, number, number, number, number][] = [
  [1, 1, 2, 0.5, 1.3862943611198906], // −ln(1 − z)/z
  [0.5, 0.5, 1.5, 0.25, 1.0471975511965977], // arcsin(√z)/√z
  [2.3, 1.7, 4.1, 0.9, 5.4412178480435093],
  [2.3, 1.7, 4.1, -0.9, 0.52079211163935007],
  [1.2, 3.4, 2.5, -5, 0.073057515080651067],
  [0.7, 11.2, 13.9, 0.99, 3.6644652466554316],
  [5, -2, 3, 0.4, 0.066666666666666637], // terminating polynomial
  [30.5, 2.2, 31.5, 0.3, 2.1287422603191477],
];

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('lnGamma', () => {
  it.each(LN_GAMMA)('lnΓ(%d) to 1e-14 relative (3e-14 through the reflection formula)', (x, want) => {
    expect(rel(lnGamma(x), want)).toBeLessThan(x > 0 ? 1e-14 : 3e-14);
  });
  it('is exactly 0 at 1 and 2 and +∞ at poles', () => {
    expect(lnGamma(1) === 0).toBe(true);
    expect(lnGamma(2) === 0).toBe(true);
    expect(lnGamma(0)).toBe(Number.POSITIVE_INFINITY);
    expect(lnGamma(-3)).toBe(Number.POSITIVE_INFINITY);
  });
  it('satisfies the recurrence lnΓ(x+1) = lnΓ(x) + ln x across branch boundaries', () => {
    for (const x of [0.3, 0.7, 1.31, 2.29, 4.5, 9.5, 9.999, 13.2]) {
      expect(lnGamma(x + 1)).toBeCloseTo(lnGamma(x) + Math.log(x), 13);
    }
  });
});

describe('digamma', () => {
  it.each(DIGAMMA)('ψ(%d) to 1e-13 relative', (x, want) => {
    expect(rel(digamma(x), want)).toBeLessThan(1e-13);
  });
  it('is the derivative of lnGamma', () => {
    for (const x of [0.05, 0.8, 3.3, 42]) {
      const h = 1e-5 * x;
      expect(rel((lnGamma(x + h) - lnGamma(x - h)) / (2 * h), digamma(x))).toBeLessThan(1e-8);
    }
  });
});

describe('lnBeta and log-sum-exp helpers', () => {
  it('lnBeta(a, b) = ln(Γ(a)Γ(b)/Γ(a+b))', () => {
    expect(lnBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(lnBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });
  it('logSumExp and log1pExp neither overflow nor underflow', () => {
    expect(logSumExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp(-1000, -1e4)).toBe(-1000);
    expect(logSumExp(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(log1pExp(800)).toBe(800);
    expect(log1pExp(-800)).toBeCloseTo(Math.exp(-800), 320);
    expect(log1pExp(0)).toBeCloseTo(Math.LN2, 15);
  });
  it('oneMinusExpOverK is continuous through k = 0', () => {
    expect(oneMinusExpOverK(0, 2.5)).toBe(2.5);
    expect(oneMinusExpOverK(1e-12, 2.5)).toBeCloseTo(2.5, 10);
    expect(oneMinusExpOverK(0.5, 2)).toBeCloseTo((1 - Math.exp(-1)) / 0.5, 14);
  });
});

describe('hyp2f1', () => {
  it.each(HYP2F1)('2F1(%d, %d; %d; %d) to 1e-13 relative', (a, b, c, z, want) => {
    expect(rel(hyp2f1(a, b, c, z), want)).toBeLessThan(1e-13);
  });
  it('2F1(a, b; b; z) = (1 − z)^−a', () => {
    expect(rel(hyp2f1(2.7, 1.3, 1.3, 0.8), 0.2 ** -2.7)).toBeLessThan(1e-13);
  });
  it('rejects z ≥ 1 and poles in c', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(/below 1/);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(/pole/);
  });
});

describe('lnHyp2f1One', () => {
  it('matches hyp2f1(1, b; c; z), including z near 1', () => {
    for (const [b, c, z] of [
      [0.7, 1.9, 0.3],
      [12.3, 13.9, 0.95],
      [0.2, 1.5, 0.999],
      [300, 301.6, 0.5],
      [2, 3, 0],
    ] as const) {
      expect(rel(lnHyp2f1One(b, c, z), Math.log(hyp2f1(1, b, c, z)))).toBeLessThan(1e-12);
    }
  });
  it('term-by-term derivatives match finite differences', () => {
    const g = new Float64Array(3);
    for (const [b, c, z] of [
      [0.7, 1.9, 0.3],
      [12.3, 13.9, 0.95],
      [5.5, 6.1, 0.001],
    ] as const) {
      lnHyp2f1One(b, c, z, g);
      const h = 1e-6;
      const fd = [
        (lnHyp2f1One(b + h, c, z) - lnHyp2f1One(b - h, c, z)) / (2 * h),
        (lnHyp2f1One(b, c + h, z) - lnHyp2f1One(b, c - h, z)) / (2 * h),
        (lnHyp2f1One(b, c, z + h * z) - lnHyp2f1One(b, c, z - h * z)) / (2 * h * z),
      ];
      for (let i = 0; i < 3; i++) expect(Math.abs(g[i]! - fd[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd[i]!)));
    }
  });
});
