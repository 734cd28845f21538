import { describe, expect, it } from 'vitest';
import { finiteDifferenceGradient } from './optimize.js';
import {
  fitParetoNbd,
  paretoNbdConditionalExpected,
  paretoNbdExpected,
  paretoNbdLogLikelihood,
  paretoNbdObjective,
  paretoNbdPAlive,
  scoreParetoNbd,
  simulateParetoNbd,
  type ParetoNbdParams,
} from './paretonbd.js';
import { createRng } from './random.js';
import { EXTREME, expectRecovered, holdoutRatiosByFrequency, maxRelativeError, meanHoldout, statsErrorCode, triples } from './test-support/models.js';
import { hyp2f1, lnGamma } from './special.js';
import { compressTriples } from './summary.js';

const CDNOW: ParetoNbdParams = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

/** The FH note's likelihood (eqs. 22–24) with the plain 2F1, both branches. */
function directLogLikelihood(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const m = r + s + x;
  const A0 =
    alpha >= beta
      ? hyp2f1(m, s + 1, m + 1, (alpha - beta) / (alpha + tx)) / (alpha + tx) ** m -
        hyp2f1(m, s + 1, m + 1, (alpha - beta) / (alpha + T)) / (alpha + T) ** m
      : hyp2f1(m, r + x, m + 1, (beta - alpha) / (beta + tx)) / (beta + tx) ** m -
        hyp2f1(m, r + x, m + 1, (beta - alpha) / (beta + T)) / (beta + T) ** m;
  const lnC = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  return lnC + Math.log(1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + (s / m) * A0);
}

const PARAM_SETS: [string, ParetoNbdParams][] = [
  ['CDNOW estimates (α < β)', CDNOW],
  ['α ≫ β', { r: 1.2, alpha: 60, s: 0.4, beta: 0.3 }],
  ['α ≪ β', { r: 0.3, alpha: 0.2, s: 1.7, beta: 150 }],
  ['α = β', { r: 0.8, alpha: 7, s: 1, beta: 7 }],
  ['α ≈ β', { r: 0.8, alpha: 7, s: 2.2, beta: 7 * (1 + 1e-9) }],
];

describe('Pareto/NBD likelihood', () => {
  it.each(PARAM_SETS)('equals the FH note formula with the plain 2F1 (%s)', (_, p) => {
    const data = triples([0, 1, 4, 2, 12], [0, 20, 30, 0.5, 37], [38, 35, 36, 39, 37], [2, 1, 3, 1, 1]);
    let want = 0;
    for (let i = 0; i < data.x.length; i++) want += data.weight[i]! * directLogLikelihood(p, data.x[i]!, data.tx[i]!, data.T[i]!);
    expect(paretoNbdLogLikelihood(p, data)).toBeCloseTo(want, 9);
  });

  it.each(PARAM_SETS)('analytic gradient matches finite differences (%s), extreme histories included', (_, p) => {
    const f = paretoNbdObjective(EXTREME);
    const phi = Float64Array.of(Math.log(p.r), Math.log(p.alpha), Math.log(p.s), Math.log(p.beta));
    const g = new Float64Array(4);
    expect(Number.isFinite(f(phi, g))).toBe(true);
    expect(maxRelativeError(g, finiteDifferenceGradient(f, phi))).toBeLessThan(1e-5);
  });
});

describe('Pareto/NBD predictions', () => {
  it('P(alive) is 1 when the last purchase is at T and falls with time since it', () => {
    expect(paretoNbdPAlive(CDNOW, 3, 30, 30)).toBeCloseTo(1, 14);
    expect(paretoNbdPAlive(CDNOW, 3, 30, 38)).toBeGreaterThan(paretoNbdPAlive(CDNOW, 3, 10, 38));
  });

  it('P(alive) agrees with SMC eq. 11 via the FH note (eq. 20) evaluated directly', () => {
    for (const [, p] of PARAM_SETS) {
      for (const [x, tx, T] of [[0, 0, 38], [4, 12, 38], [1, 0.5, 20]] as const) {
        const ll = directLogLikelihood(p, x, tx, T);
        const alive = lnGamma(p.r + x) - lnGamma(p.r) + p.r * Math.log(p.alpha) + p.s * Math.log(p.beta) -
          (p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T);
        expect(paretoNbdPAlive(p, x, tx, T)).toBeCloseTo(Math.exp(alive - ll), 9);
      }
    }
  });

  it('E[X(t)] is the conditional expectation at T = 0 and is continuous through s = 1', () => {
    expect(paretoNbdExpected(CDNOW, 39)).toBeCloseTo(paretoNbdConditionalExpected(CDNOW, 39, 0, 0, 0), 14);
    const at1 = paretoNbdExpected({ ...CDNOW, s: 1 }, 39);
    expect(at1).toBeCloseTo((CDNOW.r * CDNOW.beta / CDNOW.alpha) * Math.log((CDNOW.beta + 39) / CDNOW.beta), 12);
    expect(paretoNbdExpected({ ...CDNOW, s: 1 + 1e-9 }, 39)).toBeCloseTo(at1, 7);
  });

  it('stays finite for extreme histories and the batch scorer agrees with the one-customer functions', () => {
    for (const [, p] of PARAM_SETS) {
      const s = scoreParetoNbd(p, EXTREME, 39);
      for (let i = 0; i < EXTREME.x.length; i++) {
        const [x, tx, T] = [EXTREME.x[i]!, EXTREME.tx[i]!, EXTREME.T[i]!];
        expect(Number.isFinite(s.expected[i]!) && s.expected[i]! >= 0).toBe(true);
        expect(s.pAlive[i]! >= 0 && s.pAlive[i]! <= 1 + 1e-12).toBe(true);
        expect(s.pAlive[i]).toBeCloseTo(paretoNbdPAlive(p, x, tx, T), 12);
        expect(s.expected[i]).toBeCloseTo(paretoNbdConditionalExpected(p, 39, x, tx, T), 10);
      }
    }
  });

  it('matches Monte-Carlo simulation: holdout counts overall and by frequency, and E[X(t)]', () => {
    const p: ParetoNbdParams = { r: 0.9, alpha: 8, s: 0.8, beta: 15 };
    const sim = simulateParetoNbd(p, 60_000, { T: (g) => 10 + 30 * g.uniform(), holdout: 25 }, createRng('pnbd-holdout'));
    const s = scoreParetoNbd(p, sim, 25);
    for (const ratio of holdoutRatiosByFrequency(sim, s, [[0, 0], [1, 1], [2, 3], [4, Infinity]])) {
      expect(Math.abs(ratio - 1)).toBeLessThan(0.05);
    }
    const fresh = simulateParetoNbd(p, 60_000, { T: 0, holdout: 20 }, createRng('pnbd-new'));
    const mean = meanHoldout(fresh);
    expect(Math.abs(mean / paretoNbdExpected(p, 20) - 1)).toBeLessThan(0.03);
  });
});

describe('fitParetoNbd', () => {
  it.each<[string, ParetoNbdParams, number]>([
    ['CDNOW-like', CDNOW, 1],
    ['α > β', { r: 1.5, alpha: 6, s: 0.7, beta: 3 }, 2],
    ['long lives', { r: 0.8, alpha: 2, s: 1.5, beta: 60 }, 3],
  ])('recovers known parameters (%s): true values inside 99 percent confidence intervals', (_, truth, seed) => {
    const sim = simulateParetoNbd(truth, 40_000, { T: (g) => 5 + 47 * g.uniform() }, createRng(seed));
    const fit = fitParetoNbd(compressTriples(sim.x, sim.tx, sim.T));
    expect(fit.converged).toBe(true);
    expectRecovered(fit, truth, ['r', 'alpha', 's', 'beta'], 2.576);
  });

  it('refuses data that cannot identify the model', () => {
    const code = statsErrorCode;
    expect(code(() => fitParetoNbd(triples([], [], [])))).toBe('no_data');
    expect(code(() => fitParetoNbd(triples([0, 0], [0, 0], [10, 20])))).toBe('not_identifiable');
    expect(code(() => fitParetoNbd(triples([1, 2], [5, 3], [Number.POSITIVE_INFINITY, 20])))).toBe('invalid_input');
  });
});
