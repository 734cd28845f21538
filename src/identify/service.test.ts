import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { importFile } from '../ingest/importer.js';
import { csvFolder } from '../ingest/test-support/files.js';
import { registerIdentifyRoutes } from '../server/routes/identify.js';
import { reportError } from '../shared/errors.js';
import { countsByState, customerStates, formatLossCsv, formatLossTable, lossReport, recomputeStates, transitionsOf } from './index.js';

/*
 * A hand-computed company, as of 2025-06-30:
 *   C1 north EUR  contract 2023-01-01 … 2024-03-15, cancelled 2024-01-10 (price), 100.00/month → lost 2024-03-15, 1,200.00
 *   C2 north GBP  contract 2023-03-31 … 2024-03-31, renewed the same day (running)            → active
 *   C3 south EUR  contract 2023-06-01 … 2025-09-30, cancelled 2025-05-01, 30.00/month          → at_risk (cancellation pending)
 *   C4 south EUR  contract 2023-02-01 … 2024-02-20 (not renewed), 50.00/month; new one 2024-09-01 → lost 2024-02-20, 600.00; won back
 *   C5 north EUR  orders 2023-01-10 10.00, 2023-02-10 20.00, 2023-03-10 30.00: median gap 29.5 → allowed 90 days
 *                 → sleeping 2023-06-08, trailing 12 months 60.00
 *   C6 south GBP  one order 2025-05-01                                                          → active
 * Losses by quarter: 2023-Q2 one sleeping (EUR 60.00); 2024-Q1 two lost (EUR 1,800.00).
 * Active at 2024-01-01: C1, C2, C3, C4 (C5 asleep) = 4 → churn 2 / 4 = 0.5.
 * Revenue base at 2024-01-01, EUR: contracts 1,200 + 360 + 600 = 2,160.00, orders of 2023 60.00 → 2,220.00;
 *   revenue churn 1,800 / 2,220 = 0.810811. GBP: 240.00 base, nothing lost.
 * By team, 2024-Q1: north C1 lost of C1, C2 active → 0.5; south C4 lost of C3, C4 → 0.5.
 */
const AS_OF = '2025-06-30';
const files = {
  teams: ['code,name', 'north,North', 'south,South'],
  customers: [
    'external_id,name,country,acquired_at,acquisition_channel,team,currency',
    'C1,One,DE,2023-01-01,web,north,EUR',
    'C2,Two,GB,2023-03-31,partner,north,GBP',
    'C3,Three,DE,2023-06-01,web,south,EUR',
    'C4,Four,AT,2023-02-01,referral,south,EUR',
    'C5,Five,DE,2023-01-10,web,north,EUR',
    'C6,Six,GB,2025-05-01,web,south,GBP',
  ],
  contracts: [
    'external_id,customer_id,plan,started_at,ends_at,cancelled_at,cancellation_reason,reason_code,monthly_value,currency',
    'K1,C1,basic,2023-01-01,2024-03-15,2024-01-10,too expensive,price,100.00,EUR',
    'K2,C2,basic,2023-03-31,2024-03-31,,,,20.00,GBP',
    'K3,C2,basic,2024-03-31,,,,,20.00,GBP',
    'K4,C3,standard,2023-06-01,2025-09-30,2025-05-01,moving,relocation,30.00,EUR',
    'K5,C4,premium,2023-02-01,2024-02-20,,,,50.00,EUR',
    'K6,C4,basic,2024-09-01,,,,,19.00,EUR',
  ],
  orders: [
    'external_id,customer_id,occurred_at,amount,currency',
    'O1,C5,2023-01-10,10.00,EUR',
    'O2,C5,2023-02-10,20.00,EUR',
    'O3,C5,2023-03-10,30.00,EUR',
    'O4,C6,2025-05-01,15.00,GBP',
  ],
};

describeEachEngine('lifecycle states and losses', (engine) => {
  let database: TestDatabase;
  let folder: ReturnType<typeof csvFolder>;
  const load = async (entity: 'teams' | 'customers' | 'contracts' | 'orders', lines: string[]) =>
    importFile(database, folder.write(`${entity}.csv`, lines), { entity });
  const ids = async () => {
    const rows = await database.db.selectFrom('customers').select(['id', 'external_id']).execute();
    return Object.fromEntries(rows.map((r) => [r.external_id, r.id]));
  };

  beforeAll(() => {
    folder = csvFolder();
  });
  afterAll(() => folder.remove());
  beforeEach(async () => {
    database = await engine.open();
    for (const entity of ['teams', 'customers', 'contracts', 'orders'] as const) await load(entity, files[entity]);
  });
  afterEach(async () => database.dispose());

  it('finds each state on the constructed histories, and a second recompute writes nothing', async () => {
    const first = await recomputeStates(database, { asOf: AS_OF });
    expect(first.customers).toBe(6);
    const id = await ids();
    const states = Object.fromEntries((await customerStates(database.db, Object.values(id))).map((s) => [s.customerId, s]));
    expect(states[id.C1!]).toMatchObject({ state: 'lost', enteredAt: new Date('2024-03-15T00:00:00Z'), doNotContact: false });
    expect(states[id.C2!]!.state).toBe('active'); // renewed on the day it ended: never lost
    expect(states[id.C3!]).toMatchObject({ state: 'at_risk', evidence: { rule: 'cancellation_pending' } });
    expect(states[id.C4!]).toMatchObject({ state: 'won_back', enteredAt: new Date('2024-09-01T00:00:00Z') });
    expect(states[id.C5!]).toMatchObject({ state: 'sleeping', enteredAt: new Date('2023-06-08T00:00:00Z') });
    expect(states[id.C6!]!.state).toBe('active');
    expect((await transitionsOf(database.db, id.C4!)).map((t) => t.to)).toEqual(['active', 'lost', 'won_back']);

    const second = await recomputeStates(database, { asOf: AS_OF });
    expect(second.transitionsWritten).toBe(0);
    expect(second.counts).toEqual(first.counts);
    await expect(recomputeStates(database, { asOf: '2025-01-01' })).rejects.toMatchObject({ code: 'as_of_before_last_recompute' });
  });

  it('counts the losses per quarter and month as computed by hand', async () => {
    await recomputeStates(database, { asOf: AS_OF });
    const report = await lossReport(database, { by: 'quarter', from: '2023-01-01', to: AS_OF });
    const q = Object.fromEntries(report.rows.map((r) => [r.period, r]));
    expect(report.currencies).toEqual(['EUR', 'GBP']);
    expect(q['2023-Q2']).toMatchObject({ lostCustomers: 0, sleepingCustomers: 1 });
    expect(q['2023-Q2']!.money.find((m) => m.currency === 'EUR')).toMatchObject({ sleepingValue: 6_000, lostValue: 0 });
    expect(q['2024-Q1']).toMatchObject({ lostCustomers: 2, sleepingCustomers: 0, activeAtStart: 4, customerChurnRate: 0.5 });
    expect(q['2024-Q1']!.money).toEqual([
      { currency: 'EUR', lostValue: 180_000, sleepingValue: 0, forecastValue: 0, revenueBase: 222_000, revenueChurnRate: 0.810811 },
      { currency: 'GBP', lostValue: 0, sleepingValue: 0, forecastValue: 0, revenueBase: 24_000, revenueChurnRate: 0 },
    ]);
    const months = await lossReport(database, { by: 'month', from: '2024-02-01', to: '2024-03-31T23:59:59Z' });
    expect(months.rows.map((r) => [r.period, r.lostCustomers])).toEqual([['2024-02', 1], ['2024-03', 1]]);

    const byTeam = await lossReport(database, { by: 'quarter', groupBy: 'team', from: '2024-01-01', to: '2024-03-31' });
    expect(byTeam.rows.map((r) => [r.group, r.lostCustomers, r.activeAtStart, r.customerChurnRate])).toEqual([
      ['north', 1, 2, 0.5],
      ['south', 1, 2, 0.5],
    ]);
    const byReason = await lossReport(database, { by: 'quarter', groupBy: 'reason', from: '2024-01-01', to: '2024-03-31' });
    expect(byReason.rows.map((r) => [r.group, r.lostCustomers, r.customerChurnRate, r.money.map((m) => m.lostValue)])).toEqual([
      ['(none)', 1, null, [60_000]],
      ['price', 1, null, [120_000]],
    ]);
  });

  it('keeps "who became lost in March" when new data arrives later', async () => {
    await recomputeStates(database, { asOf: AS_OF });
    const march = { by: 'month' as const, from: '2024-03-01', to: '2024-03-31T23:59:59Z' };
    const before = await lossReport(database, march);
    const knownAt = new Date();
    await load('contracts', [files.contracts[0]!, 'K7,C1,basic,2025-06-01,,,,,90.00,EUR']);
    const after = await recomputeStates(database, { asOf: AS_OF });
    expect(after.transitionsWritten).toBe(1);
    const id = await ids();
    expect((await transitionsOf(database.db, id.C1!)).map((t) => [t.to, t.effectiveAt.toISOString().slice(0, 10)])).toEqual([
      ['active', '2023-01-01'],
      ['lost', '2024-03-15'],
      ['won_back', '2025-06-01'],
    ]);
    expect((await lossReport(database, march)).rows).toEqual(before.rows);
    expect((await lossReport(database, { ...march, knownAt })).rows).toEqual(before.rows);
  });

  it('gives the same states and history whether the customers go in one batch or in several', async () => {
    const split = await engine.open();
    try {
      const loadBoth = async (entity: 'teams' | 'customers' | 'contracts' | 'orders', lines: string[]) => {
        await load(entity, lines);
        await importFile(split, folder.write(`${entity}-split.csv`, lines), { entity });
      };
      for (const entity of ['teams', 'customers', 'contracts', 'orders'] as const) await importFile(split, folder.write(`${entity}-split.csv`, files[entity]), { entity });
      // A first recompute, new data, and an incremental one: six customers in one batch, or in three of two each.
      const steps = async (step: (db: TestDatabase, options: { batchSize?: number }) => Promise<unknown>) => {
        await step(database, {});
        await step(split, { batchSize: 2 });
      };
      await steps((db, options) => recomputeStates(db, { asOf: '2024-06-30', ...options }));
      await loadBoth('contracts', [files.contracts[0]!, 'K7,C1,basic,2025-06-01,,,,,90.00,EUR', 'K8,C4,basic,2023-01-15,2023-02-10,,,,5.00,EUR']);
      await steps((db, options) => recomputeStates(db, { asOf: AS_OF, ...options }));

      const snapshot = async (db: TestDatabase) => ({
        transitions: (
          await sql`SELECT c.external_id, t.from_state, t.to_state, t.effective_at, t.reason, t.analysis_run_id, t.currency, t.value_lost, t.value_basis,
                           t.forecast_value, t.reason_code, t.plan, t.team_id, t.acquisition_channel, t.country
                    FROM state_transitions t JOIN customers c ON c.id = t.customer_id ORDER BY c.external_id, t.id`.execute(db.db)
        ).rows,
        states: (
          await sql`SELECT c.external_id, s.state, s.entered_at, s.evidence, s.latent_need, s.latent_need_evidence
                    FROM customer_states s JOIN customers c ON c.id = s.customer_id ORDER BY c.external_id`.execute(db.db)
        ).rows,
      });
      const one = await snapshot(database);
      expect(one.states).toHaveLength(6);
      expect(one.transitions.length).toBeGreaterThan(6);
      expect(await snapshot(split)).toEqual(one);
    } finally {
      await split.dispose();
    }
  });

  it('two recomputes at once never append a transition twice', async () => {
    const [a, b] = await Promise.all([recomputeStates(database, { asOf: AS_OF, batchSize: 2 }), recomputeStates(database, { asOf: AS_OF, batchSize: 2 })]);
    const { rows } = await sql<{ n: number; distinct: number }>`
      SELECT count(*)::int AS n, count(DISTINCT (customer_id, to_state, effective_at))::int AS distinct FROM state_transitions`.execute(database.db);
    expect(rows[0]!.n).toBe(rows[0]!.distinct);
    expect(a.transitionsWritten + b.transitionsWritten).toBe(rows[0]!.n);
    const again = await recomputeStates(database, { asOf: AS_OF });
    expect(again.transitionsWritten).toBe(0);
    const id = await ids();
    expect((await transitionsOf(database.db, id.C4!)).map((t) => t.to)).toEqual(['active', 'lost', 'won_back']);
  });

  it('serves recompute, counts and the loss report over HTTP with validated input, and formats table and CSV', async () => {
    const app: FastifyInstance = Fastify();
    app.setErrorHandler((error, _request, reply) => {
      const report = reportError(error);
      return reply.status(report.status).send(report.body);
    });
    registerIdentifyRoutes(app, database);
    try {
      const recompute = await app.inject({ method: 'POST', url: '/api/v1/states/recompute', payload: { asOf: AS_OF } });
      expect(recompute.statusCode, recompute.body).toBe(201);
      expect(recompute.json()).toMatchObject({ customers: 6, transitionsTo: { lost: 2, won_back: 1, sleeping: 1 } });
      const counts = await app.inject({ method: 'GET', url: '/api/v1/states/counts' });
      expect(counts.json().counts).toEqual(await countsByState(database));
      const report = await app.inject({ method: 'GET', url: '/api/v1/reports/losses?by=quarter&groupBy=team&from=2024-01-01&to=2024-03-31' });
      expect(report.statusCode).toBe(200);
      expect(report.json()).toEqual(JSON.parse(JSON.stringify(await lossReport(database, { by: 'quarter', groupBy: 'team', from: '2024-01-01', to: '2024-03-31', knownAt: report.json().knownAt }))));
      const bad = await app.inject({ method: 'GET', url: '/api/v1/reports/losses?by=week' });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.message).toContain('by: expected one of month, quarter');
    } finally {
      await app.close();
    }
    const q1 = await lossReport(database, { by: 'quarter', from: '2024-01-01', to: '2024-03-31' });
    // Totals in EUR at the seeded 1 GBP = 1.17 EUR: 1,800.00 lost of a base 2,220.00 + 240.00 × 1.17 = 2,500.80 → 71.98 %.
    expect(formatLossTable(q1)).toBe(
      [
        'money in EUR (reporting currency), converted at the current rates: 1 GBP = 1.17 EUR',
        'period   lost  sleeping  active_at_start  churn_rate  total_lost_value_EUR  total_sleeping_value_EUR  total_forecast_EUR  total_revenue_churn',
        '-------  ----  --------  ---------------  ----------  --------------------  ------------------------  ------------------  -------------------',
        '2024-Q1     2         0                4      50.00%               1800.00                      0.00                0.00               71.98%',
      ].join('\n'),
    );
    expect(formatLossCsv(q1).split('\n')[1]).toBe('2024-Q1,2,0,4,0.5,1800.00,0.00,0.00,0.71977,1800.00,0.00,0.00,0.810811,1,0.00,0.00,0.00,0,1.17');
  });
});
