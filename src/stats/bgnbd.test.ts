import { describe, expect, it } from 'vitest';
import {
  bgNbdConditionalExpected,
  bgNbdExpected,
  bgNbdLogLikelihood,
  bgNbdObjective,
  bgNbdPAlive,
  fitBgNbd,
  scoreBgNbd,
  simulateBgNbd,
  type BgNbdParams,
} from './bgnbd.js';
import { finiteDifferenceGradient } from './optimize.js';
import { createRng } from './random.js';
import { EXTREME, expectRecovered, holdoutRatiosByFrequency, maxRelativeError, meanHoldout, statsErrorCode, triples } from './test-support/models.js';
import { compressTriples } from './summary.js';
import { hyp2f1 } from './special.js';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('BG/NBD likelihood', () => {
  it.each<[string, BgNbdParams]>([
    ['CDNOW estimates', CDNOW],
    ['a < 1, large α', { r: 2.5, alpha: 80, a: 0.3, b: 0.9 }],
    ['a ≈ 1', { r: 0.7, alpha: 1.3, a: 1.0000001, b: 12 }],
    ['small r and b', { r: 0.02, alpha: 0.05, a: 4, b: 0.05 }],
  ])('analytic gradient matches finite differences (%s), extreme histories included', (_, p) => {
    const f = bgNbdObjective(EXTREME);
    const phi = Float64Array.of(Math.log(p.r), Math.log(p.alpha), Math.log(p.a), Math.log(p.b));
    const g = new Float64Array(4);
    const value = f(phi, g);
    expect(Number.isFinite(value)).toBe(true);
    expect(maxRelativeError(g, finiteDifferenceGradient(f, phi))).toBeLessThan(1e-5);
  });

  it('equals FHL eq. 6 evaluated directly', () => {
    const { r, alpha, a, b } = CDNOW;
    const lnB = (p: number, q: number) => Math.log(gammaFn(p) * gammaFn(q) / gammaFn(p + q));
    const direct = (x: number, tx: number, T: number) => {
      const common = gammaFn(r + x) * alpha ** r / gammaFn(r);
      const l1 = Math.exp(lnB(a, b + x) - lnB(a, b)) * common / (alpha + T) ** (r + x);
      const l2 = x > 0 ? Math.exp(lnB(a + 1, b + x - 1) - lnB(a, b)) * common / (alpha + tx) ** (r + x) : 0;
      return Math.log(l1 + l2);
    };
    const data = triples([0, 1, 4], [0, 20, 30], [38, 35, 36], [2, 1, 3]);
    const want = 2 * direct(0, 0, 38) + direct(1, 20, 35) + 3 * direct(4, 30, 36);
    expect(bgNbdLogLikelihood(CDNOW, data)).toBeCloseTo(want, 10);
  });
});

/** Γ by Lanczos for the small arguments of the direct check above. */
function gammaFn(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let s = c[0]!;
  for (let i = 1; i < g + 2; i++) s += c[i]! / (x + i);
  const t = x + g + 0.5;
  return Math.sqrt(2 * Math.PI) * t ** (x + 0.5) * Math.exp(-t) * s;
}

describe('BG/NBD predictions', () => {
  it('P(alive) is 1 without repeat purchases and falls with time since the last purchase', () => {
    expect(bgNbdPAlive(CDNOW, 0, 0, 30)).toBe(1);
    expect(bgNbdPAlive(CDNOW, 3, 30, 38)).toBeGreaterThan(bgNbdPAlive(CDNOW, 3, 10, 38));
  });

  it('E[Y(t) | x, t_x, T] equals FHL eq. 10 evaluated with the plain 2F1 series', () => {
    const { r, alpha, a, b } = CDNOW;
    for (const [x, tx, T, t] of [[0, 0, 38, 39], [2, 30.43, 38.86, 39], [5, 10, 35, 20], [1, 2, 30, 52]] as const) {
      const z = t / (alpha + T + t);
      const direct =
        ((a + b + x - 1) / (a - 1)) *
        (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)) /
        (1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0));
      expect(bgNbdConditionalExpected(CDNOW, t, x, tx, T)).toBeCloseTo(direct, 12);
    }
  });

  it('reproduces the worked example of Fader & Hardie\'s BG/NBD Excel note (E[Y(39)|2, 30.43, 38.86] = 1.226)', () => {
    const fhl = { r: 0.242594, alpha: 4.413602, a: 0.792922, b: 2.425907 };
    expect(bgNbdConditionalExpected(fhl, 39, 2, 30.43, 38.86).toFixed(3)).toBe('1.226');
  });

  it('E[X(t)] is the conditional expectation of a customer seen at T = 0, and continuous through a = 1', () => {
    expect(bgNbdExpected(CDNOW, 39)).toBeCloseTo(bgNbdConditionalExpected(CDNOW, 39, 0, 0, 0), 14);
    const at1 = bgNbdExpected({ ...CDNOW, a: 1 }, 39);
    expect(Number.isFinite(at1)).toBe(true);
    expect(bgNbdExpected({ ...CDNOW, a: 1 + 1e-7 }, 39)).toBeCloseTo(at1, 6);
    expect(bgNbdExpected({ ...CDNOW, a: 1 - 1e-7 }, 39)).toBeCloseTo(at1, 6);
  });

  it('stays finite for extreme histories', () => {
    const s = scoreBgNbd(CDNOW, EXTREME, 39);
    for (let i = 0; i < EXTREME.x.length; i++) {
      expect(Number.isFinite(s.expected[i]!) && s.expected[i]! >= 0).toBe(true);
      expect(s.pAlive[i]! >= 0 && s.pAlive[i]! <= 1).toBe(true);
    }
    expect(Number.isFinite(bgNbdExpected(CDNOW, 1e4))).toBe(true);
  });

  it('the batch scorer agrees with the one-customer functions', () => {
    const s = scoreBgNbd(CDNOW, EXTREME, 26);
    for (let i = 0; i < EXTREME.x.length; i++) {
      const [x, tx, T] = [EXTREME.x[i]!, EXTREME.tx[i]!, EXTREME.T[i]!];
      expect(s.pAlive[i]).toBeCloseTo(bgNbdPAlive(CDNOW, x, tx, T), 14);
      expect(s.expected[i]).toBeCloseTo(bgNbdConditionalExpected(CDNOW, 26, x, tx, T), 12);
    }
  });

  it('matches Monte-Carlo simulation: holdout counts overall and by frequency, and E[X(t)]', () => {
    const rng = createRng('bgnbd-holdout');
    const p: BgNbdParams = { r: 0.8, alpha: 6, a: 0.9, b: 3 };
    const sim = simulateBgNbd(p, 60_000, { T: (g) => 10 + 30 * g.uniform(), holdout: 25 }, rng);
    const s = scoreBgNbd(p, sim, 25);
    for (const ratio of holdoutRatiosByFrequency(sim, s, [[0, 0], [1, 1], [2, 3], [4, Infinity]])) {
      expect(Math.abs(ratio - 1)).toBeLessThan(0.05);
    }
    const fresh = simulateBgNbd(p, 60_000, { T: 0, holdout: 20 }, createRng('bgnbd-new'));
    const mean = meanHoldout(fresh);
    expect(Math.abs(mean / bgNbdExpected(p, 20) - 1)).toBeLessThan(0.03);
  });
});

describe('fitBgNbd', () => {
  it.each<[string, BgNbdParams, number]>([
    ['CDNOW-like', CDNOW, 1],
    ['frequent buyers, slow dropout', { r: 1.5, alpha: 3, a: 0.5, b: 6 }, 2],
    ['fast dropout', { r: 0.6, alpha: 2, a: 2.5, b: 3 }, 3],
  ])('recovers known parameters (%s): true values inside 99 percent confidence intervals', (_, truth, seed) => {
    const sim = simulateBgNbd(truth, 40_000, { T: (g) => 5 + 47 * g.uniform() }, createRng(seed));
    const fit = fitBgNbd(compressTriples(sim.x, sim.tx, sim.T));
    expect(fit.converged).toBe(true);
    expectRecovered(fit, truth, ['r', 'alpha', 'a', 'b'], 2.576);
  });

  it('refuses data that cannot identify the model', () => {
    const code = statsErrorCode;
    expect(code(() => fitBgNbd(triples([], [], [])))).toBe('no_data');
    expect(code(() => fitBgNbd(triples([0, 0], [0, 0], [10, 20])))).toBe('not_identifiable');
    expect(code(() => fitBgNbd(triples([1, 2], [5, Number.NaN], [10, 20])))).toBe('invalid_input');
    expect(code(() => fitBgNbd(triples([1.5], [5], [10])))).toBe('invalid_input');
    expect(code(() => fitBgNbd(triples([1], [15], [10])))).toBe('invalid_input');
    expect(code(() => bgNbdPAlive({ ...CDNOW, r: -1 }, 1, 1, 2))).toBe('invalid_input');
  });
});
