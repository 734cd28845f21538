import { afterEach, beforeEach, expect, it } from 'vitest';
import { listRecovery } from '../analyse/index.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { lossReport } from '../identify/index.js';
import { loadDemoCompany } from '../ingest/demo/load.js';
import { refreshCustomerBase } from './refresh.js';

describeEachEngine('refreshing the customer base', (engine) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.dispose());

  it('after loading the demo, one refresh yields states, a loss report and a ranked recovery list with explanations', async () => {
    const asOf = new Date('2025-06-30T00:00:00Z');
    await loadDemoCompany(database, { customers: 400, seed: 3, asOf });
    const result = await refreshCustomerBase(database, { asOf });
    expect(result.analysis?.customersScored).toBeGreaterThan(100);
    const lost = result.states.counts.find((c) => c.state === 'lost')!.customers;
    expect(lost).toBeGreaterThan(0);
    const report = await lossReport(database, { by: 'quarter' });
    // Every customer lost now became lost in some reported quarter (won-back customers were lost before, too).
    expect(report.rows.reduce((n, row) => n + row.lostCustomers, 0)).toBeGreaterThanOrEqual(lost);
    expect(report.rows.some((row) => row.money.some((m) => m.lostValue > 0))).toBe(true);
    // Broken down by Reinartz-Kumar segment, the same customers, each counted once, with a churn rate per segment.
    const bySegment = await lossReport(database, { by: 'quarter', groupBy: 'segment' });
    const total = (rows: { lostCustomers: number }[]) => rows.reduce((n, row) => n + row.lostCustomers, 0);
    expect(total(bySegment.rows)).toBe(total(report.rows));
    expect(new Set(bySegment.rows.map((r) => r.group))).toSatisfy((groups: Set<string | null>) =>
      [...groups].every((g) => ['true_friends', 'butterflies', 'barnacles', 'strangers', '(none)'].includes(g ?? '')),
    );
    expect(bySegment.rows.some((r) => r.customerChurnRate !== null)).toBe(true);
    const list = await listRecovery(database, { limit: 5 });
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items[0]!.explanation).toBeTruthy();
    // Ranked in the reporting currency, customers without an exchange rate last.
    const values = list.items.map((i) => i.expectedValueReporting ?? -Infinity);
    expect(values).toEqual([...values].sort((a, b) => b - a));

    // A second refresh at the same date writes no new transitions.
    const again = await refreshCustomerBase(database, { asOf });
    expect(again.states.transitionsWritten).toBe(0);
  });
});
