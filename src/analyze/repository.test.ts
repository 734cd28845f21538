import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { importFile } from '../ingest/importer.js';
import { csvFolder } from '../ingest/test-support/files.js';
import {
  compressTriples,
  dailyTransactionCounts,
  summarizeTransactions,
  utcDay,
  type TimeUnit,
  type TransactionColumns,
} from '../stats/index.js';
import { customerSummaries, dailyCounts, fromOrders, orderStats, rfTriples, summaryWindow } from './repository.js';
import { ordersAsColumns, useDemoDatabase } from './test-support/data.js';

const DEMO_AS_OF = new Date('2025-01-01T00:00:00Z');

// Hand-made histories around the edges of the definitions (calibration end 2024-06-30, holdout end 2024-09-30).
const EDGE = {
  customers: ['external_id,name,currency', ...'ABCDEFGHIJKLMN'.split('').map((c) => `${c},Customer ${c},EUR`)],
  orders: [
    'external_id,customer_id,occurred_at,amount,margin,currency',
    // A: two purchases on one UTC day, one at the last second of the calibration end day, one at the first
    // instant of the holdout, one after the holdout end.
    'A1,A,2024-01-10T08:00:00Z,10.00,3.00,EUR',
    'A2,A,2024-01-10T23:59:59Z,5.00,,EUR',
    'A3,A,2024-03-01T12:00:00Z,20.00,6.00,EUR',
    'A4,A,2024-06-30T23:59:59Z,7.50,2.00,EUR',
    'A5,A,2024-07-01T00:00:00Z,3.00,1.00,EUR',
    'A6,A,2024-10-01T00:00:00Z,9.99,,EUR',
    // B: first buys after the calibration end.
    'B1,B,2024-07-15T10:00:00Z,12.00,,EUR',
    'B2,B,2024-08-01T10:00:00Z,13.00,,EUR',
    // C: one purchase only.
    'C1,C,2023-12-31T23:30:00Z,50.00,,EUR',
    // D: a refund-only day (net < 0), a day netting to 0, then a purchase.
    'D1,D,2024-02-01T09:00:00Z,40.00,,EUR',
    'D2,D,2024-02-15T09:00:00Z,-40.00,,EUR',
    'D3,D,2024-04-01T09:00:00Z,30.00,,EUR',
    'D4,D,2024-04-01T10:00:00Z,-30.00,,EUR',
    'D5,D,2024-05-01T09:00:00Z,25.00,,EUR',
    // E: the first day nets negative.
    'E1,E,2024-01-05T09:00:00Z,-10.00,,EUR',
    'E2,E,2024-01-20T09:00:00Z,15.00,,EUR',
    // F: only after the holdout end.
    'F1,F,2024-12-01T09:00:00Z,99.00,,EUR',
    // H: local times whose UTC day differs from the local day.
    'H1,H,2024-01-01T00:30:00+02:00,11.00,,EUR',
    'H2,H,2024-06-30T23:30:00-02:00,12.00,,EUR',
    // I: partial refunds (net positive) on the first day and on a repeat day, refund row first.
    'I1,I,2024-02-01T09:00:00Z,50.00,10.00,EUR',
    'I2,I,2024-02-01T12:00:00Z,-20.00,-4.00,EUR',
    'I3,I,2024-03-01T08:00:00Z,-30.00,,EUR',
    'I4,I,2024-03-01T09:00:00Z,80.00,,EUR',
    // J: the only order is refunded the same day: no purchase at all.
    'J1,J,2024-03-10T09:00:00Z,20.00,,EUR',
    'J2,J,2024-03-10T18:00:00Z,-20.00,,EUR',
    // K: the only order is refunded on a later day: still a one-time buyer.
    'K1,K,2024-03-10T09:00:00Z,20.00,,EUR',
    'K2,K,2024-03-20T09:00:00Z,-20.00,,EUR',
    // L: a free order (0.00, no refund) is a purchase.
    'L1,L,2024-04-01T09:00:00Z,0.00,,EUR',
    // M: holdout: a refund-only day and a partially refunded day.
    'M1,M,2024-02-10T09:00:00Z,30.00,,EUR',
    'M2,M,2024-07-10T09:00:00Z,-30.00,,EUR',
    'M3,M,2024-08-10T09:00:00Z,40.00,,EUR',
    'M4,M,2024-08-10T10:00:00Z,-15.00,,EUR',
    // N: a refund in calibration, the first purchase in the holdout.
    'N1,N,2024-05-01T09:00:00Z,-10.00,,EUR',
    'N2,N,2024-08-01T09:00:00Z,20.00,,EUR',
  ],
};
const EDGE_CAL_END = new Date('2024-06-30T15:00:00Z');
const EDGE_HOLDOUT_END = new Date('2024-09-30T08:00:00Z');

const COLUMNS = ['x', 'tx', 'T', 'firstPurchase', 'firstSpend', 'meanRepeatSpend', 'holdoutX', 'holdoutSpend'] as const;

/** SQL and in-memory summaries agree bit for bit, customer by customer. */
async function expectSqlEqualsInMemory(
  database: TestDatabase,
  window: { calibrationEnd: Date; holdoutEnd?: Date; unit: TimeUnit },
): Promise<{ compared: number; refundDays: number; refundOnlyCustomers: number }> {
  const { columns, customerIds, indexOf } = await ordersAsColumns(database);
  const memory = summarizeTransactions(columns, {
    calibrationEnd: window.calibrationEnd,
    ...(window.holdoutEnd ? { holdoutEnd: window.holdoutEnd } : {}),
    unit: window.unit,
    customerCount: customerIds.length,
  });
  const w = summaryWindow(window.calibrationEnd, window.holdoutEnd);
  const fromSql = await customerSummaries(database.db, w, window.unit);
  const seen = new Set<number>();
  const mismatches: string[] = [];
  fromSql.customerId.forEach((id, i) => {
    const c = indexOf.get(id)!;
    seen.add(c);
    if (fromSql.status[i] !== memory.status[c]) mismatches.push(`customer ${id}: status ${fromSql.status[i]} vs ${memory.status[c]}`);
    for (const column of COLUMNS) {
      const a = fromSql[column][i]!;
      const b = memory[column][c]!;
      if (!Object.is(a, b)) mismatches.push(`customer ${id}: ${column} ${a} (SQL) vs ${b} (in memory)`);
    }
  });
  for (let c = 0; c < customerIds.length; c++) {
    if (!seen.has(c) && memory.status[c] !== 0) mismatches.push(`customer ${customerIds[c]} missing from SQL (status ${memory.status[c]})`);
  }
  expect(mismatches).toEqual([]);
  expect(fromSql.counts.calibrationCustomers).toBe(memory.counts.calibrationCustomers);
  expect(fromSql.counts.firstAfterCalibration).toBe(memory.counts.firstAfterCalibration);
  expect(fromSql.counts.repeatCustomers).toBe(memory.counts.repeatCustomers);
  expect(fromSql.counts.transactions).toBe(memory.counts.transactions);
  // Refund days and refund-only customers (absent from the SQL summary, status noTransactions in memory).
  const orders = await orderStats(database.db, w);
  expect([orders.refundDays, orders.refundOnlyCustomers]).toEqual([memory.counts.refundDays, memory.counts.refundOnlyCustomers]);

  // The compressed triples straight from SQL equal compressTriples of the per-customer summaries.
  const triples = await rfTriples(database.db, fromOrders(w), window.unit);
  const compressed = compressTriples(memory.x, memory.tx, memory.T);
  const asRows = (t: { x: Float64Array; tx: Float64Array; T: Float64Array; weight: Float64Array }) =>
    Array.from(t.x, (x, i) => [x, t.tx[i]!, t.T[i]!, t.weight[i]!]).sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]! || p[2]! - q[2]!);
  expect(asRows(triples)).toEqual(asRows(compressed));
  expect(triples.customers).toBe(compressed.customers);
  return { compared: fromSql.customerId.length, refundDays: memory.counts.refundDays, refundOnlyCustomers: memory.counts.refundOnlyCustomers };
}

describeEachEngine('SQL customer summaries', (engine) => {
  describe('on the demo company', () => {
    const demo = useDemoDatabase(engine, 300, 1, DEMO_AS_OF);

    it('equal the in-memory summaries exactly in weeks without a holdout', async () => {
      const { compared } = await expectSqlEqualsInMemory(demo.database, { calibrationEnd: DEMO_AS_OF, unit: 'week' });
      expect(compared).toBeGreaterThan(150);
    });

    it('equal the in-memory summaries exactly with a holdout, in days and months', async () => {
      await expectSqlEqualsInMemory(demo.database, { calibrationEnd: new Date('2024-07-01T00:00:00Z'), holdoutEnd: DEMO_AS_OF, unit: 'day' });
      await expectSqlEqualsInMemory(demo.database, { calibrationEnd: new Date('2024-07-01T00:00:00Z'), holdoutEnd: DEMO_AS_OF, unit: 'month' });
    });

    it('count first purchases and repeats per day like dailyTransactionCounts', async () => {
      const { columns, customerIds } = await ordersAsColumns(demo.database);
      const memory = dailyTransactionCounts(columns, { end: DEMO_AS_OF, customerCount: customerIds.length });
      const fromSql = await dailyCounts(demo.database.db, summaryWindow(DEMO_AS_OF));
      expect(fromSql.startDay).toBe(memory.startDay);
      expect(Array.from(fromSql.firstPurchases)).toEqual(Array.from(memory.firstPurchases));
      expect(Array.from(fromSql.repeats)).toEqual(Array.from(memory.repeats));
    });
  });

  describe('on hand-made edge cases', () => {
    let database: TestDatabase;
    const folder = csvFolder();
    beforeAll(async () => {
      database = await engine.open();
      await importFile(database, folder.write('customers.csv', EDGE.customers), { entity: 'customers' });
      await importFile(database, folder.write('orders.csv', EDGE.orders), { entity: 'orders' });
    });
    afterAll(async () => {
      await database?.dispose();
      folder.remove();
    });

    for (const unit of ['day', 'week', 'month'] as const) {
      it(`merge same-day purchases, keep the calibration end day, set aside late first buyers (${unit})`, async () => {
        await expectSqlEqualsInMemory(database, { calibrationEnd: EDGE_CAL_END, holdoutEnd: EDGE_HOLDOUT_END, unit });
        await expectSqlEqualsInMemory(database, { calibrationEnd: EDGE_CAL_END, unit });
      });
    }

    it('count refund days and refund-only customers alike', async () => {
      expect(await expectSqlEqualsInMemory(database, { calibrationEnd: EDGE_CAL_END, holdoutEnd: EDGE_HOLDOUT_END, unit: 'week' })).toMatchObject({
        refundDays: 7, // D ×2 (02-15, 04-01), E, J, K, M, N; I's partial refunds net positive
        refundOnlyCustomers: 1, // J
      });
      // Without a holdout M's refund day is not read, and N has only its refund day: refund-only.
      expect(await expectSqlEqualsInMemory(database, { calibrationEnd: EDGE_CAL_END, unit: 'week' })).toMatchObject({
        refundDays: 6,
        refundOnlyCustomers: 2,
      });
    });

    it('count purchase days only: refund days are dropped, partial refunds count net', async () => {
      const s = await customerSummaries(database.db, summaryWindow(EDGE_CAL_END, EDGE_HOLDOUT_END), 'day');
      const byName = await idsByName(database);
      const at = (name: string) => s.customerId.indexOf(byName.get(name)!);
      const E = utcDay(EDGE_CAL_END.getTime());
      const day = (iso: string) => utcDay(Date.parse(iso));
      // A: days 01-10 (15.00), 03-01, 06-30 in calibration; 07-01 in the holdout; 10-01 ignored.
      expect([s.x[at('A')], s.firstSpend[at('A')], s.meanRepeatSpend[at('A')], s.holdoutX[at('A')], s.holdoutSpend[at('A')]]).toEqual([2, 1500, 1375, 1, 300]);
      expect(s.T[at('A')]).toBe(E - day('2024-01-10'));
      // D: the refund-only day (02-15) and the day refunded in full (04-01) are no purchases: days 02-01 and 05-01.
      expect([s.x[at('D')], s.tx[at('D')], s.meanRepeatSpend[at('D')]]).toEqual([1, day('2024-05-01') - day('2024-02-01'), 2500]);
      // E: the first day nets negative; the first purchase is 01-20.
      expect([s.x[at('E')], s.firstSpend[at('E')], s.firstPurchase[at('E')]]).toEqual([0, 1500, Date.parse('2024-01-20T00:00:00Z')]);
      // I: partial refunds count with the net amount.
      expect([s.x[at('I')], s.firstSpend[at('I')], s.meanRepeatSpend[at('I')]]).toEqual([1, 3000, 5000]);
      // J: its only order was refunded the same day: not in the summary.
      expect(at('J')).toBe(-1);
      // K: refunded on a later day: a one-time buyer; L: a free order is a purchase.
      expect([s.x[at('K')], s.firstSpend[at('K')]]).toEqual([0, 2000]);
      expect([s.x[at('L')], s.firstSpend[at('L')]]).toEqual([0, 0]);
      // M: in the holdout only the partially refunded day counts.
      expect([s.x[at('M')], s.holdoutX[at('M')], s.holdoutSpend[at('M')]]).toEqual([0, 1, 2500]);
      // N: the refund day before the calibration end is no purchase: first purchase in the holdout.
      expect([s.status[at('N')], s.firstPurchase[at('N')]]).toEqual([2, Date.parse('2024-08-01T00:00:00Z')]);
      // B first bought in the holdout; F only after it; G never.
      expect(s.status[at('B')]).toBe(2);
      expect(at('F')).toBe(-1);
      expect(at('G')).toBe(-1);
      // H: 2024-06-30T23:30-02:00 is 2024-07-01 UTC, a holdout purchase.
      expect([s.x[at('H')], s.holdoutX[at('H')], s.firstPurchase[at('H')]]).toEqual([0, 1, Date.parse('2023-12-31T00:00:00Z')]);
    });

    it('count first purchases and repeats per day like dailyTransactionCounts, refund days excluded', async () => {
      const { columns, customerIds } = await ordersAsColumns(database);
      for (const w of [summaryWindow(EDGE_CAL_END, EDGE_HOLDOUT_END), summaryWindow(EDGE_CAL_END)]) {
        const end = new Date((w.holdoutEndDay ?? w.calibrationEndDay) * 86_400_000);
        const memory = dailyTransactionCounts(columns, { end, customerCount: customerIds.length });
        const fromSql = await dailyCounts(database.db, w);
        expect(fromSql.startDay).toBe(memory.startDay);
        expect(Array.from(fromSql.firstPurchases)).toEqual(Array.from(memory.firstPurchases));
        expect(Array.from(fromSql.repeats)).toEqual(Array.from(memory.repeats));
      }
    });
  });
});

async function idsByName(database: TestDatabase): Promise<Map<string, number>> {
  const rows = await database.db.selectFrom('customers').select(['id', 'external_id']).execute();
  return new Map(rows.map((r) => [r.external_id, r.id]));
}
