import { describe, it, expect } from 'vitest';
import {
  churnCounts,
  fitSbg,
  sbgChurnProbability,
  sbgDert,
  sbgLogLikelihood,
  sbgProjectSurvivors,
  sbgRetentionRate,
  sbgSurvival,
} from './sbg.js';
import { StatsError } from './errors.js';
import { lnBeta } from './special.js';
import { readNumericCsv, sharedFile } from './test-support/shared-data.js';

describe('sBG probabilities', () => {
  const params = { alpha: 0.704, beta: 1.182 };

  it('P(T = t) and S(t) match their Beta-function forms (FH 2007)', () => {
    for (const t of [1, 2, 5, 12, 40]) {
      const p = Math.exp(lnBeta(params.alpha + 1, params.beta + t - 1) - lnBeta(params.alpha, params.beta));
      const s = Math.exp(lnBeta(params.alpha, params.beta + t) - lnBeta(params.alpha, params.beta));
      expect(sbgChurnProbability(params, t)).toBeCloseTo(p, 12);
      expect(sbgSurvival(params, t)).toBeCloseTo(s, 12);
    }
  });

  it('S(t) = 1 − Σ P(T ≤ t), r(t) = S(t)/S(t−1), and r increases with t', () => {
    let cumulative = 0;
    let previousR = 0;
    for (let t = 1; t <= 20; t++) {
      cumulative += sbgChurnProbability(params, t);
      expect(sbgSurvival(params, t)).toBeCloseTo(1 - cumulative, 12);
      const r = sbgRetentionRate(params, t);
      expect(r).toBeCloseTo(sbgSurvival(params, t) / sbgSurvival(params, t - 1), 12);
      expect(r).toBeGreaterThan(previousR);
      previousR = r;
    }
    expect(sbgSurvival(params, 0)).toBe(1);
    expect(sbgChurnProbability(params, 0)).toBe(0);
    expect(() => sbgRetentionRate(params, 0)).toThrow(StatsError);
  });

  it('projects size · S(t)', () => {
    const proj = sbgProjectSurvivors(params, 1000, 3);
    expect(proj[0]).toBe(1000);
    expect(proj[3]).toBeCloseTo(1000 * sbgSurvival(params, 3), 9);
  });
});

describe('sBG likelihood', () => {
  const alive = [1000, 631, 468, 382, 326, 289, 262, 241];

  it('equals the direct sum over churn periods and survivors, and has the right log-parameter gradient', () => {
    const params = { alpha: 0.9, beta: 1.4 };
    const { churned, stillAlive } = churnCounts(alive);
    let direct = 0;
    churned.forEach((n, i) => (direct += n * Math.log(sbgChurnProbability(params, i + 1))));
    direct += stillAlive * Math.log(sbgSurvival(params, 7));
    const g = new Float64Array(2);
    expect(sbgLogLikelihood(params, alive, g)).toBeCloseTo(direct, 9);
    const h = 1e-6;
    const ll = (a: number, b: number): number => sbgLogLikelihood({ alpha: a, beta: b }, alive);
    const numA = (ll(params.alpha * Math.exp(h), params.beta) - ll(params.alpha * Math.exp(-h), params.beta)) / (2 * h);
    const numB = (ll(params.alpha, params.beta * Math.exp(h)) - ll(params.alpha, params.beta * Math.exp(-h))) / (2 * h);
    expect(g[0]).toBeCloseTo(numA, 4);
    expect(g[1]).toBeCloseTo(numB, 4);
  });

  it('rejects increasing counts, empty cohorts and data without churn', () => {
    expect(() => churnCounts([100, 120])).toThrow(StatsError);
    expect(() => churnCounts([100])).toThrow(StatsError);
    expect(() => churnCounts([0, 0])).toThrow(StatsError);
    expect(() => fitSbg([100, 100, 100])).toThrow(StatsError);
    try {
      fitSbg([100, 100, 100]);
    } catch (e) {
      expect((e as StatsError).code).toBe('not_identifiable');
    }
  });

  it('fits several cohorts jointly as the sum of their likelihoods', () => {
    const a = [500, 320, 230, 180];
    const b = [500, 311, 238, 202];
    const joint = fitSbg([a, b]);
    const p = joint.params;
    expect(joint.logLikelihood).toBeCloseTo(sbgLogLikelihood(p, a) + sbgLogLikelihood(p, b), 8);
    expect(joint.size).toBe(1000);
  });
});

describe('DERT (Fader & Hardie 2010)', () => {
  it('equals the discounted survival series Σ_{k≥1} S(n+k)/S(n) / (1+d)^(k−1)', () => {
    for (const [params, d, n] of [
      [{ alpha: 0.704, beta: 1.182 }, 0.1, 0],
      [{ alpha: 0.668, beta: 3.806 }, 0.1, 4],
      [{ alpha: 3.8, beta: 15.2 }, 0.02, 10],
      [{ alpha: 0.3, beta: 0.5 }, 0.01, 1],
    ] as const) {
      let series = 0;
      let ratio = 1; // S(n + k) / S(n), advanced by r(n + k)
      for (let k = 1; k < 20_000; k++) {
        ratio *= sbgRetentionRate(params, n + k);
        series += ratio / (1 + d) ** (k - 1);
      }
      expect(ratio).toBeCloseTo(sbgSurvival(params, n + 19_999) / sbgSurvival(params, n), 12);
      expect(sbgDert(params, d, n)).toBeCloseTo(series, 6);
    }
  });

  it('a homogeneous-looking population (large α, β) approaches the geometric value', () => {
    // θ ≡ α/(α+β) = 0.2: DERT → Σ_k 0.8^k / 1.1^(k−1) = 0.8 / (1 − 0.8/1.1)
    const dert = sbgDert({ alpha: 2e5, beta: 8e5 }, 0.1, 0);
    expect(dert).toBeCloseTo(0.8 / (1 - 0.8 / 1.1), 3);
  });

  it('rejects a non-positive discount rate', () => {
    expect(() => sbgDert({ alpha: 1, beta: 1 }, 0, 0)).toThrow(StatsError);
  });
});

describe('Fader & Hardie (2007) cohorts (../shared)', () => {
  const file = sharedFile('data/retention/fader_hardie_2007_survival.csv');
  it.skipIf(file === null)('reproduces the published (α, β) and projects years 8–12', () => {
    const data = readNumericCsv(file as string);
    const published = {
      regular_alive: { alpha: 0.704, beta: 1.182 },
      highend_alive: { alpha: 0.668, beta: 3.806 },
    } as const;
    const lines: string[] = [];
    for (const column of ['regular_alive', 'highend_alive'] as const) {
      const alive = data[column] as number[];
      const fit = fitSbg(alive.slice(0, 8)); // years 0–7: 7 periods of data, as in the paper
      expect(fit.converged).toBe(true);
      expect(fit.periods).toBe(7);
      expect(fit.params.alpha.toFixed(3)).toBe(published[column].alpha.toFixed(3));
      expect(fit.params.beta.toFixed(3)).toBe(published[column].beta.toFixed(3));
      lines.push(
        `${column}: α = ${fit.params.alpha.toFixed(4)} (published ${published[column].alpha}), ` +
          `β = ${fit.params.beta.toFixed(4)} (published ${published[column].beta}), LL = ${fit.logLikelihood.toFixed(2)}`,
      );
      const projected = sbgProjectSurvivors(fit.params, alive[0] as number, 12);
      lines.push('  year  actual  projected  error%');
      for (let year = 8; year <= 12; year++) {
        const actual = alive[year] as number;
        const predicted = projected[year] as number;
        const errorPct = (100 * (predicted - actual)) / actual;
        lines.push(`  ${String(year).padStart(4)}  ${String(actual).padStart(6)}  ${predicted.toFixed(1).padStart(9)}  ${errorPct.toFixed(1).padStart(6)}`);
        // FH 2007: the sBG projection tracks the actual survival within a few percent.
        expect(Math.abs(errorPct)).toBeLessThan(6);
      }
    }
    console.log(lines.join('\n'));
  });
});
