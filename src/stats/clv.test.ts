import { describe, it, expect } from 'vitest';
import {
  conditionalExpectationOf,
  contractClv,
  discountedExpectedTransactions,
  monthlyDiscountRate,
  recoveredCustomerValue,
  residualClv,
  type ConditionalExpectation,
} from './clv.js';
import { sbgDert } from './sbg.js';
import { StatsError } from './errors.js';
import { bgNbdConditionalExpected, bgNbdExpected, fitBgNbd, scoreBgNbd } from './bgnbd.js';
import { fitParetoNbd, paretoNbdConditionalExpected, paretoNbdExpected, scoreParetoNbd } from './paretonbd.js';
import { conditionalExpectedSpend, fitGammaGamma } from './gammagamma.js';
import { compressTriples, expandToCustomers } from './summary.js';
import { CDNOW_SAMPLE, cdnowWeeklySummary, loadCdnowSample, sharedFile } from './test-support/shared-data.js';

/** Σ_{m=1}^{H} v^m with v = 1/(1+d): the annuity factor. */
const annuity = (d: number, H: number): number => (d === 0 ? H : (1 - (1 + d) ** -H) / d);

describe('residualClv', () => {
  // Customers buying at constant rates λ_i per week, forever: E[X(t)] = λ_i t.
  const rates = Float64Array.of(0, 0.1, 0.5, 2);
  const constantRates: ConditionalExpectation = (t, out) => {
    for (let i = 0; i < rates.length; i++) out[i] = (rates[i] as number) * t;
  };
  const weeksPerMonth = 30.4375 / 7;

  it('constant rates give margin · spend · λ·(units per month) · annuity factor', () => {
    const spend = Float64Array.of(50, 50, 20, 10);
    const options = { horizonMonths: 24, monthlyDiscountRate: 0.01, marginRatio: 0.3, unitsPerMonth: weeksPerMonth };
    const clv = residualClv(constantRates, spend, options);
    for (let i = 0; i < rates.length; i++) {
      const expected = 0.3 * (spend[i] as number) * (rates[i] as number) * weeksPerMonth * annuity(0.01, 24);
      expect(clv[i]).toBeCloseTo(expected, 9);
    }
  });

  it('without discounting the value is margin · spend · E[X(H)]', () => {
    const clv = residualClv(constantRates, Float64Array.of(1, 1, 1, 1), {
      horizonMonths: 12,
      monthlyDiscountRate: 0,
      marginRatio: 1,
      unitsPerMonth: 1,
    });
    [0, 1.2, 6, 24].forEach((v, i) => expect(clv[i]).toBeCloseTo(v, 12));
  });

  it('a customer who will surely stop after k months only counts those months', () => {
    // E[X(t)] = min(t, 3) per month: value = Σ_{m=1}^{3} v^m.
    const f: ConditionalExpectation = (t, out) => {
      out[0] = Math.min(t, 3);
    };
    const det = discountedExpectedTransactions(f, 1, { horizonMonths: 60, monthlyDiscountRate: 0.02, unitsPerMonth: 1 });
    expect(det[0]).toBeCloseTo(annuity(0.02, 3), 12);
  });

  it('rejects bad options', () => {
    const spend = new Float64Array(4);
    const base = { horizonMonths: 12, monthlyDiscountRate: 0.01, marginRatio: 0.3, unitsPerMonth: 1 };
    expect(() => residualClv(constantRates, spend, { ...base, horizonMonths: 0 })).toThrow(StatsError);
    expect(() => residualClv(constantRates, spend, { ...base, horizonMonths: 1.5 })).toThrow(StatsError);
    expect(() => residualClv(constantRates, spend, { ...base, monthlyDiscountRate: -0.1 })).toThrow(StatsError);
    expect(() => residualClv(constantRates, spend, { ...base, unitsPerMonth: 0 })).toThrow(StatsError);
  });
});

describe('conditionalExpectationOf', () => {
  it('vectorises a scalar model expectation over histories', () => {
    const f = (p: { k: number }, t: number, x: number, tx: number, T: number): number => p.k * t * (x + 1) + tx - T;
    const e = conditionalExpectationOf(f, { k: 2 }, {
      x: Float64Array.of(0, 3),
      tx: Float64Array.of(0, 5),
      T: Float64Array.of(10, 10),
    });
    const out = new Float64Array(2);
    e(1.5, out);
    expect(Array.from(out)).toEqual([2 * 1.5 - 10, 2 * 1.5 * 4 - 5]);
  });
});

describe('recoveredCustomerValue', () => {
  it('uses the new-customer curve for everyone, scaled by each customer’s spend', () => {
    // A new customer buys 0.4 times a month for sure: ΔE = 0.4 per month.
    const options = { horizonMonths: 36, monthlyDiscountRate: 0.008, marginRatio: 0.25, unitsPerMonth: 1 };
    const v = recoveredCustomerValue((t) => 0.4 * t, Float64Array.of(40, 100), options);
    expect(v[0]).toBeCloseTo(0.25 * 40 * 0.4 * annuity(0.008, 36), 9);
    expect((v[1] as number) / (v[0] as number)).toBeCloseTo(2.5, 12);
    const withReturn = recoveredCustomerValue((t) => 0.4 * t, Float64Array.of(40), {
      ...options,
      includeReturnPurchase: true,
    });
    expect(withReturn[0]).toBeCloseTo((v[0] as number) + 0.25 * 40, 9);
  });
});

describe('contractClv and monthly discounting', () => {
  it('is period value × margin × DERT, per renewal count', () => {
    const params = { alpha: 0.704, beta: 1.182 };
    const out = contractClv(params, Float64Array.of(30, 30, 45), Float64Array.of(0, 5, 5), {
      discountRatePerPeriod: 0.01,
      marginRatio: 0.6,
    });
    expect(out[0]).toBeCloseTo(30 * 0.6 * sbgDert(params, 0.01, 0), 12);
    expect(out[1]).toBeCloseTo(30 * 0.6 * sbgDert(params, 0.01, 5), 12);
    expect(out[2]).toBeCloseTo(45 * 0.6 * sbgDert(params, 0.01, 5), 12);
    // Customers who have renewed more often are more loyal (heterogeneity sorts them): worth more.
    expect(out[1]).toBeGreaterThan(out[0] as number);
  });

  it('homogeneous churn θ gives the geometric closed form (1 − θ)(1 + d)/(d + θ)', () => {
    const theta = 0.05;
    const params = { alpha: theta * 1e6, beta: (1 - theta) * 1e6 };
    const out = contractClv(params, Float64Array.of(1), Float64Array.of(0), { discountRatePerPeriod: 0.01, marginRatio: 1 });
    expect(out[0]).toBeCloseTo(((1 - theta) * 1.01) / (0.01 + theta), 3);
  });

  it('monthlyDiscountRate compounds to the annual rate', () => {
    expect((1 + monthlyDiscountRate(0.1)) ** 12).toBeCloseTo(1.1, 14);
    expect(monthlyDiscountRate(0)).toBe(0);
    expect(() => monthlyDiscountRate(-1)).toThrow(StatsError);
  });
});

describe('CDNOW sample (../shared): BG/NBD × Gamma-Gamma CLV', () => {
  const file = sharedFile(CDNOW_SAMPLE);
  it.skipIf(file === null)('per-triple vectorised scoring equals the scalar adapter, per customer', () => {
    const s = cdnowWeeklySummary(loadCdnowSample(file as string), false);
    const triples = compressTriples(s.x, s.tx, s.T);
    const bg = fitBgNbd(triples).params;
    const gg = fitGammaGamma({ x: s.x, meanSpend: s.meanRepeatSpend.map((v) => v / 100) }).params;
    const spend = conditionalExpectedSpend(gg, s.x, s.meanRepeatSpend.map((v) => v / 100));
    const options = {
      horizonMonths: 24,
      monthlyDiscountRate: monthlyDiscountRate(0.15),
      marginRatio: 0.3,
      unitsPerMonth: 30.4375 / 7,
    };

    // Fast path: score the distinct histories once per month, expand to customers.
    const scratch = new Float64Array(triples.x.length);
    const det = discountedExpectedTransactions(
      (t, out) => void scoreBgNbd(bg, triples, t, { pAlive: scratch, expected: out }),
      triples.x.length,
      options,
    );
    const perCustomerDet = expandToCustomers(det, triples.tripleOfCustomer);
    const fast = perCustomerDet.map((v, i) => options.marginRatio * (spend[i] as number) * v);

    // Reference: the scalar conditional expectation through the generic adapter.
    const slow = residualClv(conditionalExpectationOf(bgNbdConditionalExpected, bg, s), spend, options);
    let total = 0;
    for (let i = 0; i < fast.length; i++) {
      expect(fast[i]).toBeCloseTo(slow[i] as number, 8);
      total += fast[i] as number;
    }
    const recovered = recoveredCustomerValue((t) => bgNbdExpected(bg, t), spend, options);
    let recoveredTotal = 0;
    for (const v of recovered) recoveredTotal += v;
    console.log(
      `CDNOW 24-month CLV at 30% margin, 15%/yr: total $${total.toFixed(0)} for ${fast.length} customers ` +
        `(mean $${(total / fast.length).toFixed(2)}); value if all were (re)acquired now: mean ` +
        `$${(recoveredTotal / recovered.length).toFixed(2)}`,
    );
    expect(total).toBeGreaterThan(0);

    // The same CLV code with the other purchase model: only the expectation functions change.
    const pn = fitParetoNbd(triples).params;
    const pnDet = discountedExpectedTransactions(
      (t, out) => void scoreParetoNbd(pn, triples, t, { pAlive: scratch, expected: out }),
      triples.x.length,
      options,
    );
    const pnSlow = residualClv(conditionalExpectationOf(paretoNbdConditionalExpected, pn, s), spend, options);
    let pnTotal = 0;
    const pnPerCustomer = expandToCustomers(pnDet, triples.tripleOfCustomer);
    for (let i = 0; i < pnPerCustomer.length; i++) {
      const v = options.marginRatio * (spend[i] as number) * (pnPerCustomer[i] as number);
      expect(v).toBeCloseTo(pnSlow[i] as number, 8);
      pnTotal += v;
    }
    const pnRecovered = recoveredCustomerValue((t) => paretoNbdExpected(pn, t), Float64Array.of(1), options);
    console.log(
      `Pareto/NBD: total $${pnTotal.toFixed(0)} (BG/NBD $${total.toFixed(0)}); recovered-customer value per $ of spend: ` +
        `Pareto/NBD ${pnRecovered[0]!.toFixed(3)}, BG/NBD ${(recovered[0]! / (spend[0] as number)).toFixed(3)}`,
    );
    expect(Math.abs(pnTotal / total - 1)).toBeLessThan(0.15);
  });
});
