import { describe, it, expect } from 'vitest';
import {
  compressTriples,
  CustomerStatus,
  dailyTransactionCounts,
  DAYS_PER_UNIT,
  expandToCustomers,
  summarizeTransactions,
  unitsFromDays,
  utcDay,
  type TransactionColumns,
} from './summary.js';
import { StatsError } from './errors.js';
import { createRng } from './random.js';
import {
  CDNOW_SAMPLE,
  cdnowWeeklySummary,
  loadCdnowSample,
  sharedFile,
} from './test-support/shared-data.js';

function columns(rows: Array<[number, string, number]>): TransactionColumns {
  return {
    customer: Int32Array.from(rows.map((r) => r[0])),
    time: Float64Array.from(rows.map((r) => Date.parse(r[1]))),
    amount: Float64Array.from(rows.map((r) => r[2])),
  };
}

describe('units and days', () => {
  it('uses exact day counts and a 365.25/12-day month', () => {
    expect(DAYS_PER_UNIT.month).toBe(30.4375);
    expect(unitsFromDays(14, 'week')).toBe(2);
    expect(unitsFromDays(30.4375 * 2, 'month')).toBe(2);
    expect(utcDay(Date.parse('1970-01-02T00:00:00Z'))).toBe(1);
    expect(utcDay(Date.parse('1970-01-01T23:59:59.999Z'))).toBe(0);
    expect(utcDay(Date.parse('1969-12-31T12:00:00Z'))).toBe(-1);
  });
});

describe('summarizeTransactions', () => {
  // Rows deliberately out of order, across customers and within a customer.
  const rows: Array<[number, string, number]> = [
    [0, '2024-01-15T09:00:00Z', 3000],
    [1, '2024-01-10T12:00:00Z', 999],
    [0, '2024-01-01T23:59:59.999Z', 500], // same UTC day as the next-but-one row
    [0, '2024-01-20T08:00:00Z', 700], // holdout
    [0, '2024-01-08T00:00:00Z', 2000],
    [0, '2024-01-01T00:00:00Z', 1000],
    [0, '2024-01-20T22:00:00Z', 300], // holdout, same day
    [2, '2024-01-16T00:00:00Z', 4000], // first purchase after calibration end
    [0, '2024-01-25T10:00:00Z', 100], // holdout
    [0, '2024-03-01T10:00:00Z', 99999], // after the holdout: ignored
    [4, '2023-12-31T23:59:59Z', 100],
    [4, '2024-01-15T23:59:59Z', 50], // last second of the calibration end day: calibration
    [4, '2024-01-16T00:00:00Z', 70], // first second after: holdout
  ];
  const summary = summarizeTransactions(columns(rows), {
    calibrationEnd: Date.parse('2024-01-15T06:00:00Z'), // any time on the day: the whole day counts
    holdoutEnd: new Date('2024-01-29T00:00:00Z'),
    unit: 'week',
    customerCount: 6,
  });

  it('computes x, t_x, T, spends for a hand-worked customer (same-day merge, holdout split)', () => {
    // Days: Jan 1 (1000 + 500), Jan 8 (2000), Jan 15 (3000) | holdout Jan 20 (700 + 300), Jan 25 (100).
    expect(summary.status[0]).toBe(CustomerStatus.calibration);
    expect(summary.x[0]).toBe(2);
    expect(summary.tx[0]).toBe(2); // 14 days
    expect(summary.T[0]).toBe(2);
    expect(summary.firstSpend[0]).toBe(1500);
    expect(summary.meanRepeatSpend[0]).toBe(2500); // (2000 + 3000) / 2, first purchase excluded
    expect(summary.holdoutX[0]).toBe(2);
    expect(summary.holdoutSpend[0]).toBe(1100);
    expect(summary.firstPurchase[0]).toBe(Date.parse('2024-01-01T00:00:00Z'));
  });

  it('a one-time buyer has x = 0, t_x = 0 and NaN mean repeat spend', () => {
    expect(summary.x[1]).toBe(0);
    expect(summary.tx[1]).toBe(0);
    expect(summary.T[1]).toBe(5 / 7);
    expect(summary.meanRepeatSpend[1]).toBeNaN();
    expect(summary.holdoutX[1]).toBe(0);
    expect(summary.holdoutSpend[1]).toBe(0);
  });

  it('excludes (and reports) customers first seen after calibration, and empty slots', () => {
    expect(summary.status[2]).toBe(CustomerStatus.firstAfterCalibration);
    expect(summary.x[2]).toBeNaN();
    expect(summary.firstPurchase[2]).toBe(Date.parse('2024-01-16T00:00:00Z'));
    expect(summary.status[3]).toBe(CustomerStatus.noTransactions);
    expect(summary.status[5]).toBe(CustomerStatus.noTransactions);
    expect(summary.counts).toEqual({
      rows: 13,
      transactions: 5 + 1 + 1 + 3,
      refundDays: 0,
      rowsAfterEnd: 1,
      calibrationCustomers: 3,
      firstAfterCalibration: 1,
      customersWithoutTransactions: 2,
      refundOnlyCustomers: 0,
      repeatCustomers: 2,
    });
  });

  it('puts day boundaries in UTC: the calibration end day is included whole', () => {
    expect(summary.x[4]).toBe(1);
    expect(summary.tx[4]).toBe(15 / 7);
    expect(summary.T[4]).toBe(15 / 7);
    expect(summary.holdoutX[4]).toBe(1);
    expect(summary.holdoutSpend[4]).toBe(70);
    expect(summary.holdoutLength).toBe(2);
  });

  it('without a holdout, later rows are ignored and holdout fields are 0', () => {
    const s = summarizeTransactions(columns(rows), {
      calibrationEnd: Date.parse('2024-01-15T00:00:00Z'),
      unit: 'day',
    });
    expect(s.customerCount).toBe(5);
    expect(s.x[0]).toBe(2);
    expect(s.tx[0]).toBe(14);
    expect(s.holdoutX[0]).toBe(0);
    expect(s.holdoutLength).toBe(0);
    expect(s.counts.rowsAfterEnd).toBe(6);
  });

  it('measures months as 30.4375 days', () => {
    const s = summarizeTransactions(columns(rows), {
      calibrationEnd: Date.parse('2024-01-15T00:00:00Z'),
      unit: 'month',
    });
    expect(s.T[0]).toBe(14 / 30.4375);
  });

  it('rejects malformed input with StatsError', () => {
    const bad = columns([[0, '2024-01-01T00:00:00Z', 1]]);
    expect(() =>
      summarizeTransactions({ ...bad, amount: new Float64Array(2) }, { calibrationEnd: 0, unit: 'week' }),
    ).toThrow(StatsError);
    expect(() =>
      summarizeTransactions(
        { ...bad, time: Float64Array.of(Number.NaN) },
        { calibrationEnd: Date.parse('2024-02-01'), unit: 'week' },
      ),
    ).toThrow(StatsError);
    expect(() =>
      summarizeTransactions(bad, { calibrationEnd: Date.parse('2024-02-01'), unit: 'week', customerCount: 0 }),
    ).toThrow(StatsError);
    expect(() =>
      summarizeTransactions(bad, {
        calibrationEnd: Date.parse('2024-02-01'),
        holdoutEnd: Date.parse('2024-01-01'),
        unit: 'week',
      }),
    ).toThrow(StatsError);
  });

  it('does not depend on row order', () => {
    const rng = createRng('summary-order');
    const shuffled = rng.shuffle([...rows]);
    const a = summarizeTransactions(columns(shuffled), {
      calibrationEnd: Date.parse('2024-01-15T06:00:00Z'),
      holdoutEnd: Date.parse('2024-01-29T00:00:00Z'),
      unit: 'week',
      customerCount: 6,
    });
    for (const key of ['x', 'tx', 'T', 'meanRepeatSpend', 'holdoutX', 'holdoutSpend', 'firstSpend'] as const) {
      expect(Array.from(a[key])).toEqual(Array.from(summary[key]));
    }
  });
});

describe('summarizeTransactions with refunds (negative amounts): only purchase days count', () => {
  // Calibration ends 2024-03-31, holdout ends 2024-06-30, unit day.
  const rows: Array<[number, string, number]> = [
    // 0: a refund-only day (−40, not a repeat), a purchase fully refunded the same day (net 0), a purchase.
    [0, '2024-01-10T09:00:00Z', 4000],
    [0, '2024-01-20T09:00:00Z', -4000],
    [0, '2024-02-01T09:00:00Z', 3000],
    [0, '2024-02-01T18:00:00Z', -3000],
    [0, '2024-03-01T09:00:00Z', 2500],
    // 1: partial refunds, on the first day and on a repeat day: they count with the net amount.
    [1, '2024-01-05T09:00:00Z', 5000],
    [1, '2024-01-05T12:00:00Z', -2000],
    [1, '2024-02-05T12:00:00Z', -3000], // refund listed before the purchase of the same day
    [1, '2024-02-05T09:00:00Z', 8000],
    // 2: the only order is refunded the same day: no purchase at all.
    [2, '2024-02-10T09:00:00Z', 2000],
    [2, '2024-02-10T10:00:00Z', -2000],
    // 3: the first day nets negative; the first purchase is the first day with a positive net.
    [3, '2024-01-02T09:00:00Z', -1000],
    [3, '2024-01-12T09:00:00Z', 1500],
    // 4: the only order is refunded on a later day: still a one-time buyer (the refund day is no repeat).
    [4, '2024-02-10T09:00:00Z', 2000],
    [4, '2024-02-20T09:00:00Z', -2000],
    // 5: a free order (0.00, no refund) is a purchase, as CDNOW's $0.00 rows.
    [5, '2024-03-15T09:00:00Z', 0],
    // 6: holdout: a refund-only day (not counted) and a partially refunded day (counted, net).
    [6, '2024-01-15T09:00:00Z', 1000],
    [6, '2024-04-10T09:00:00Z', -1000],
    [6, '2024-05-10T09:00:00Z', 4000],
    [6, '2024-05-10T10:00:00Z', -1500],
    // 7: refunds in calibration only, first purchase in the holdout.
    [7, '2024-03-01T09:00:00Z', -500],
    [7, '2024-05-01T09:00:00Z', 700],
    // 8: a refund exceeding the day's purchase (net < 0) after a purchase.
    [8, '2024-01-01T09:00:00Z', 1000],
    [8, '2024-02-01T09:00:00Z', 500],
    [8, '2024-02-01T10:00:00Z', -900],
  ];
  const options = { calibrationEnd: Date.parse('2024-03-31T12:00:00Z'), holdoutEnd: Date.parse('2024-06-30T00:00:00Z'), unit: 'day' as const };
  const s = summarizeTransactions(columns(rows), options);
  const day = (iso: string) => utcDay(Date.parse(iso));
  const E = day('2024-03-31');

  it('drops refund-only and net-zero days, also as repeats', () => {
    expect([s.x[0], s.tx[0], s.T[0], s.firstSpend[0], s.meanRepeatSpend[0]]).toEqual([
      1,
      day('2024-03-01') - day('2024-01-10'),
      E - day('2024-01-10'),
      4000,
      2500,
    ]);
  });

  it('counts partially refunded days with their net amount', () => {
    expect([s.x[1], s.firstSpend[1], s.meanRepeatSpend[1]]).toEqual([1, 3000, 5000]);
  });

  it('a customer whose only order is refunded the same day has no transactions and is counted as refund-only', () => {
    expect(s.status[2]).toBe(CustomerStatus.noTransactions);
    expect([s.x[2], s.firstPurchase[2], s.firstSpend[2]]).toEqual([NaN, NaN, NaN]);
  });

  it('the first purchase is the first day with a positive net', () => {
    expect(s.firstPurchase[3]).toBe(Date.parse('2024-01-12T00:00:00Z'));
    expect([s.x[3], s.T[3], s.firstSpend[3]]).toEqual([0, E - day('2024-01-12'), 1500]);
    expect(s.firstPurchase[7]).toBe(Date.parse('2024-05-01T00:00:00Z'));
    expect(s.status[7]).toBe(CustomerStatus.firstAfterCalibration);
  });

  it('a refund on a later day does not undo the purchase; free orders are purchases', () => {
    expect([s.status[4], s.x[4], s.firstSpend[4], s.meanRepeatSpend[4]]).toEqual([CustomerStatus.calibration, 0, 2000, NaN]);
    expect([s.status[5], s.x[5], s.firstSpend[5]]).toEqual([CustomerStatus.calibration, 0, 0]);
    expect([s.x[8], s.meanRepeatSpend[8]]).toEqual([0, NaN]);
  });

  it('applies the same rule in the holdout', () => {
    expect([s.x[6], s.holdoutX[6], s.holdoutSpend[6]]).toEqual([0, 1, 2500]);
  });

  it('reports refund days and refund-only customers', () => {
    expect(s.counts).toEqual({
      rows: rows.length,
      transactions: 2 + 2 + 0 + 1 + 1 + 1 + 2 + 1 + 1,
      // 0: two; 2: one; 3: one; 4: one; 6: one; 7: one; 8: one.
      refundDays: 8,
      rowsAfterEnd: 0,
      calibrationCustomers: 7,
      firstAfterCalibration: 1,
      customersWithoutTransactions: 1,
      refundOnlyCustomers: 1,
      repeatCustomers: 2,
    });
    // Without a holdout, customer 7 has only a refund day within the observation.
    const c = summarizeTransactions(columns(rows), { calibrationEnd: options.calibrationEnd, unit: 'day' });
    expect(c.status[7]).toBe(CustomerStatus.noTransactions);
    expect([c.counts.refundOnlyCustomers, c.counts.refundDays, c.counts.customersWithoutTransactions]).toEqual([2, 7, 2]);
  });

  it('does not depend on row order, also for long histories (index sort)', () => {
    const rng = createRng('summary-refunds');
    const long: Array<[number, string, number]> = [...rows];
    for (let i = 0; i < 60; i++) {
      const d = new Date(Date.UTC(2024, 0, 1 + (i % 40))).toISOString();
      long.push([9, d, i % 3 === 0 ? -700 : 500 + i]);
    }
    const a = summarizeTransactions(columns(long), options);
    const b = summarizeTransactions(columns(rng.shuffle([...long])), options);
    for (const key of ['status', 'x', 'tx', 'T', 'firstPurchase', 'firstSpend', 'meanRepeatSpend', 'holdoutX', 'holdoutSpend'] as const) {
      expect(Array.from(b[key])).toEqual(Array.from(a[key]));
    }
    expect(b.counts).toEqual(a.counts);
    expect(a.x[9]).toBeGreaterThan(0);
  });
});

describe('dailyTransactionCounts', () => {
  it('counts purchase days only: refund days are neither first purchases nor repeats', () => {
    const rows = columns([
      [0, '2024-01-01T10:00:00Z', -100], // refund-only: not the first purchase
      [0, '2024-01-02T10:00:00Z', 100],
      [0, '2024-01-03T10:00:00Z', 100],
      [0, '2024-01-03T11:00:00Z', -100], // fully refunded the same day: no repeat
      [0, '2024-01-04T10:00:00Z', 100],
      [0, '2024-01-04T11:00:00Z', -50], // partial refund: a repeat
      [1, '2024-01-03T10:00:00Z', 100],
      [1, '2024-01-03T12:00:00Z', -100], // only order refunded: not a customer
    ]);
    const c = dailyTransactionCounts(rows, { end: Date.parse('2024-01-05') });
    expect(c.startDay).toBe(utcDay(Date.parse('2024-01-02')));
    expect(Array.from(c.firstPurchases)).toEqual([1, 0, 0, 0]);
    expect(Array.from(c.repeats)).toEqual([0, 0, 1, 0]);
  });


  it('counts first purchases and day-merged repeats per UTC day, for customers acquired in the window', () => {
    const rows = columns([
      [0, '2024-01-02T10:00:00Z', 1],
      [0, '2024-01-02T11:00:00Z', 1], // same day as the first purchase: not a repeat
      [0, '2024-01-04T23:00:00Z', 1],
      [0, '2024-01-04T01:00:00Z', 1], // merged with the row above
      [1, '2024-01-04T12:00:00Z', 1],
      [1, '2024-01-05T12:00:00Z', 1],
      [2, '2023-12-30T12:00:00Z', 1], // acquired before the window: left out entirely
      [2, '2024-01-03T12:00:00Z', 1],
      [1, '2024-02-01T12:00:00Z', 1], // after the end: ignored
    ]);
    const c = dailyTransactionCounts(rows, { start: Date.parse('2024-01-01'), end: Date.parse('2024-01-06T18:00:00Z') });
    expect(c.startDay).toBe(utcDay(Date.parse('2024-01-01')));
    expect(Array.from(c.firstPurchases)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(Array.from(c.repeats)).toEqual([0, 0, 0, 1, 1, 0]);
    expect(c.customersBeforeStart).toBe(1);
    const all = dailyTransactionCounts(rows, { end: Date.parse('2024-01-06') });
    expect(all.startDay).toBe(utcDay(Date.parse('2023-12-30')));
    expect(all.customersBeforeStart).toBe(0);
  });
});

describe('compressTriples / expandToCustomers', () => {
  it('groups identical triples with weights and maps customers back', () => {
    const x = Float64Array.of(0, 1, 0, 1, Number.NaN, 0, -0);
    const tx = Float64Array.of(0, 2, 0, 2, Number.NaN, 0, 0);
    const T = Float64Array.of(5, 6, 5, 6, Number.NaN, 4, 5);
    const c = compressTriples(x, tx, T);
    expect(Array.from(c.x)).toEqual([0, 1, 0]);
    expect(Array.from(c.T)).toEqual([5, 6, 4]);
    expect(Array.from(c.weight)).toEqual([3, 2, 1]); // −0 joins +0
    expect(c.customers).toBe(6);
    expect(Array.from(c.tripleOfCustomer)).toEqual([0, 1, 0, 1, -1, 2, 0]);
    const perTriple = Float64Array.of(10, 20, 30);
    expect(Array.from(expandToCustomers(perTriple, c.tripleOfCustomer))).toEqual([10, 20, 10, 20, NaN, 30, 10]);
    expect(Array.from(expandToCustomers(perTriple, c.tripleOfCustomer, 0))[4]).toBe(0);
  });

  it('weighted sums over triples equal sums over customers (random data)', () => {
    const rng = createRng('compress');
    const n = 20_000;
    const x = new Float64Array(n);
    const tx = new Float64Array(n);
    const T = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      T[i] = (20 + rng.int(20)) / 7;
      x[i] = rng.int(4);
      tx[i] = x[i] === 0 ? 0 : rng.int(20) / 7;
    }
    const c = compressTriples(x, tx, T);
    expect(c.x.length).toBeLessThan(n / 5);
    let direct = 0;
    for (let i = 0; i < n; i++) direct += (x[i] as number) * 3 + (tx[i] as number) - Math.log(T[i] as number);
    let viaTriples = 0;
    for (let j = 0; j < c.x.length; j++) {
      viaTriples += (c.weight[j] as number) * ((c.x[j] as number) * 3 + (c.tx[j] as number) - Math.log(c.T[j] as number));
    }
    expect(viaTriples).toBeCloseTo(direct, 6);
    for (let i = 0; i < n; i += 997) {
      const j = c.tripleOfCustomer[i] as number;
      expect([c.x[j], c.tx[j], c.T[j]]).toEqual([x[i], tx[i], T[i]]);
    }
  });

  it('rejects mismatched lengths', () => {
    expect(() => compressTriples(new Float64Array(2), new Float64Array(1), new Float64Array(2))).toThrow(StatsError);
  });
});

describe('shared data lookup', () => {
  it('skips (null) outside CI but fails under CI when a file is missing', () => {
    const saved = process.env.CI;
    try {
      delete process.env.CI;
      expect(sharedFile('data/does-not-exist.txt')).toBeNull();
      process.env.CI = 'true';
      expect(() => sharedFile('data/does-not-exist.txt')).toThrow(/CI/);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});

describe('CDNOW sample (../shared)', () => {
  const file = sharedFile(CDNOW_SAMPLE);
  it.skipIf(file === null)('reproduces the literature’s calibration summary', () => {
    const s = cdnowWeeklySummary(loadCdnowSample(file as string));
    let maxT = 0;
    let sumX = 0;
    let sumHoldout = 0;
    for (let i = 0; i < s.customerCount; i++) {
      maxT = Math.max(maxT, s.T[i] as number);
      sumX += s.x[i] as number;
      sumHoldout += s.holdoutX[i] as number;
    }
    console.log(
      `CDNOW sample: ${s.counts.calibrationCustomers} customers, ${s.counts.repeatCustomers} repeaters, ` +
        `Σx = ${sumX}, Σholdout = ${sumHoldout}, max T = ${maxT.toFixed(2)} weeks, ` +
        `${s.counts.transactions} day-merged transactions from ${s.counts.rows} rows`,
    );
    expect(s.counts.calibrationCustomers).toBe(2357);
    expect(s.counts.firstAfterCalibration).toBe(0);
    expect(s.counts.repeatCustomers).toBe(946); // FHL 2005 (JMR): 946 of 2,357 repeat in calibration
    expect(maxT).toBeCloseTo(38.86, 2);
    // The BTYD package's CDNOW calibration/holdout summaries give the same totals.
    expect(sumX).toBe(2457);
    expect(sumHoldout).toBe(1882);
    expect(s.holdoutLength).toBe(39);
    const c = compressTriples(s.x, s.tx, s.T);
    expect(c.customers).toBe(2357);
  });
});
