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
import { customerSummaries, dailyCounts, fromOrders, rfTriples, summaryWindow, type DayRule } from './repository.js';
import { demoFiles, importForAnalysis, ordersAsColumns } from './test-support/data.js';

const DEMO_AS_OF = new Date('2025-01-01T00:00:00Z');

// Hand-made histories around the edges of the definitions (calibration end 2024-06-30, holdout end 2024-09-30).
const EDGE = {
  customers: ['external_id,name,currency', ...'ABCDEFGH'.split('').map((c) => `${c},Customer ${c},EUR`)],
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
  ],
};
const EDGE_CAL_END = new Date('2024-06-30T15:00:00Z');
const EDGE_HOLDOUT_END = new Date('2024-09-30T08:00:00Z');

/** Drops (customer, day) groups whose net amount is ≤ 0 — the `positiveNet` rule applied before summarising. */
function positiveNetDays(c: TransactionColumns): TransactionColumns {
  const net = new Map<string, number>();
  for (let i = 0; i < c.customer.length; i++) {
    const key = `${c.customer[i]}:${utcDay(c.time[i]!)}`;
    net.set(key, (net.get(key) ?? 0) + c.amount[i]!);
  }
  const keep: number[] = [];
  for (let i = 0; i < c.customer.length; i++) if (net.get(`${c.customer[i]}:${utcDay(c.time[i]!)}`)! > 0) keep.push(i);
  return {
    customer: Int32Array.from(keep, (i) => c.customer[i]!),
    time: Float64Array.from(keep, (i) => c.time[i]!),
    amount: Float64Array.from(keep, (i) => c.amount[i]!),
  };
}

const COLUMNS = ['x', 'tx', 'T', 'firstPurchase', 'firstSpend', 'meanRepeatSpend', 'holdoutX', 'holdoutSpend'] as const;

/** SQL and in-memory summaries agree bit for bit, customer by customer. */
async function expectSqlEqualsInMemory(
  database: TestDatabase,
  window: { calibrationEnd: Date; holdoutEnd?: Date; unit: TimeUnit; dayRule?: DayRule },
): Promise<{ compared: number }> {
  const { columns, customerIds, indexOf } = await ordersAsColumns(database);
  const input = window.dayRule === 'positiveNet' ? positiveNetDays(columns) : columns;
  const memory = summarizeTransactions(input, {
    calibrationEnd: window.calibrationEnd,
    ...(window.holdoutEnd ? { holdoutEnd: window.holdoutEnd } : {}),
    unit: window.unit,
    customerCount: customerIds.length,
  });
  const w = summaryWindow(window.calibrationEnd, window.holdoutEnd, window.dayRule);
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

  // The compressed triples straight from SQL equal compressTriples of the per-customer summaries.
  const triples = await rfTriples(database.db, fromOrders(w), window.unit);
  const compressed = compressTriples(memory.x, memory.tx, memory.T);
  const asRows = (t: { x: Float64Array; tx: Float64Array; T: Float64Array; weight: Float64Array }) =>
    Array.from(t.x, (x, i) => [x, t.tx[i]!, t.T[i]!, t.weight[i]!]).sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]! || p[2]! - q[2]!);
  expect(asRows(triples)).toEqual(asRows(compressed));
  expect(triples.customers).toBe(compressed.customers);
  return { compared: fromSql.customerId.length };
}

describeEachEngine('SQL customer summaries', (engine) => {
  describe('on the demo company', () => {
    let database: TestDatabase;
    let remove = () => {};
    beforeAll(async () => {
      const demo = await demoFiles(300, 1, DEMO_AS_OF);
      remove = demo.remove;
      database = await engine.open();
      await importForAnalysis(database, demo.files);
    });
    afterAll(async () => {
      await database?.dispose();
      remove();
    });

    it('equal the in-memory summaries exactly in weeks without a holdout', async () => {
      const { compared } = await expectSqlEqualsInMemory(database, { calibrationEnd: DEMO_AS_OF, unit: 'week' });
      expect(compared).toBeGreaterThan(150);
    });

    it('equal the in-memory summaries exactly with a holdout, in days and months', async () => {
      await expectSqlEqualsInMemory(database, { calibrationEnd: new Date('2024-07-01T00:00:00Z'), holdoutEnd: DEMO_AS_OF, unit: 'day' });
      await expectSqlEqualsInMemory(database, { calibrationEnd: new Date('2024-07-01T00:00:00Z'), holdoutEnd: DEMO_AS_OF, unit: 'month' });
    });

    it('count first purchases and repeats per day like dailyTransactionCounts', async () => {
      const { columns, customerIds } = await ordersAsColumns(database);
      const memory = dailyTransactionCounts(columns, { end: DEMO_AS_OF, customerCount: customerIds.length });
      const fromSql = await dailyCounts(database.db, summaryWindow(DEMO_AS_OF));
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

    it('follow the in-memory rule for refunds: every day with an order counts, amounts net per day', async () => {
      const s = await customerSummaries(database.db, summaryWindow(EDGE_CAL_END, EDGE_HOLDOUT_END), 'day');
      const byName = await idsByName(database);
      const at = (name: string) => s.customerId.indexOf(byName.get(name)!);
      // A: days 01-10 (15.00), 03-01, 06-30 in calibration; 07-01 in the holdout; 10-01 ignored.
      expect([s.x[at('A')], s.firstSpend[at('A')], s.meanRepeatSpend[at('A')], s.holdoutX[at('A')], s.holdoutSpend[at('A')]]).toEqual([2, 1500, 1375, 1, 300]);
      expect(s.T[at('A')]).toBe(utcDay(EDGE_CAL_END.getTime()) - utcDay(Date.parse('2024-01-10T00:00:00Z')));
      // D: the refund-only day and the zero day are transactions (x = 3), repeat spend (−40 + 0 + 25) / 3.
      expect([s.x[at('D')], s.meanRepeatSpend[at('D')]]).toEqual([3, -1500 / 3]);
      // B first bought in the holdout; F only after it; G never.
      expect(s.status[at('B')]).toBe(2);
      expect(at('F')).toBe(-1);
      expect(at('G')).toBe(-1);
      // H: 2024-06-30T23:30-02:00 is 2024-07-01 UTC, a holdout purchase.
      expect([s.x[at('H')], s.holdoutX[at('H')], s.firstPurchase[at('H')]]).toEqual([0, 1, Date.parse('2023-12-31T00:00:00Z')]);
    });

    it('with dayRule positiveNet drop days whose net amount is not positive, like summarising the netted days in memory', async () => {
      await expectSqlEqualsInMemory(database, { calibrationEnd: EDGE_CAL_END, holdoutEnd: EDGE_HOLDOUT_END, unit: 'week', dayRule: 'positiveNet' });
      const s = await customerSummaries(database.db, summaryWindow(EDGE_CAL_END, EDGE_HOLDOUT_END, 'positiveNet'), 'day');
      const byName = await idsByName(database);
      const d = s.customerId.indexOf(byName.get('D')!);
      const e = s.customerId.indexOf(byName.get('E')!);
      expect([s.x[d], s.meanRepeatSpend[d]]).toEqual([1, 2500]);
      expect([s.x[e], s.firstSpend[e], s.firstPurchase[e]]).toEqual([0, 1500, Date.parse('2024-01-20T00:00:00Z')]);
    });
  });
});

async function idsByName(database: TestDatabase): Promise<Map<string, number>> {
  const rows = await database.db.selectFrom('customers').select(['id', 'external_id']).execute();
  return new Map(rows.map((r) => [r.external_id, r.id]));
}
