import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { importFile } from '../ingest/importer.js';
import { csvFolder } from '../ingest/test-support/files.js';
import { AnalyzeError } from './errors.js';
import { latestScores, pAliveHistory } from './repository.js';
import { formatFitReport, formatValidationReport } from './report.js';
import { runAnalysis, type AnalyzeProgress } from './service.js';
import { useDemoDatabase } from './test-support/data.js';

const AS_OF = new Date('2025-01-01T00:00:00Z');

describeEachEngine('runAnalysis', (engine) => {
  describe('on the demo company', () => {
    const demo = useDemoDatabase(engine, 500, 1, AS_OF);

    it('writes one run per model and one score row per customer with orders, all within range', async () => {
      const phases: AnalyzeProgress['phase'][] = [];
      const result = await runAnalysis(demo.database, { asOf: AS_OF }, (p) => phases.push(p.phase));
      expect(new Set(phases)).toEqual(new Set(['summarising', 'fitting', 'scoring', 'writing', 'done']));

      const purchase = result.runs.filter((r) => r.model !== 'gammagamma');
      expect(purchase.map((r) => [r.model, r.status, r.selected])).toEqual([['bgnbd', 'fitted', true]]);
      const spend = result.runs.filter((r) => r.model === 'gammagamma');
      expect(spend.map((r) => r.currency).sort()).toEqual([...result.data.currencies].sort());
      expect(spend.some((r) => r.status === 'fitted')).toBe(true);
      for (const r of spend.filter((s) => s.status === 'skipped')) expect(r.message).toBeTruthy();
      // A currency with a handful of repeat customers cannot identify p, q, γ: it is skipped, not fitted.
      expect(spend.some((r) => r.customers < 30)).toBe(true);
      for (const r of spend) {
        if (r.customers < 30) expect([r.status, r.message]).toEqual(['skipped', expect.stringContaining('needs at least 30')]);
      }
      for (const v of Object.values(purchase[0]!.parameters!)) expect(v).toBeGreaterThan(0);
      expect(Number.isFinite(purchase[0]!.logLikelihood)).toBe(true);

      const { rows } = await sql<{ n: number }>`SELECT count(DISTINCT customer_id) AS n FROM orders WHERE occurred_at < ${new Date(AS_OF.getTime() + 86_400_000)}`.execute(demo.database.db);
      expect(result.customersScored).toBe(Number(rows[0]!.n));
      expect(result.current).toBe(true);

      const scores = await latestScores(demo.database.db);
      expect(scores).toHaveLength(result.customersScored);
      for (const s of scores) {
        expect(s.pAlive).toBeGreaterThanOrEqual(0);
        expect(s.pAlive).toBeLessThanOrEqual(1);
        expect(Number.isFinite(s.clv)).toBe(true);
        expect(s.clv).toBeGreaterThanOrEqual(0);
        expect(s.expectedTransactions365d).toBeGreaterThanOrEqual(s.expectedTransactions90d);
        expect(s.expectedSpend).toBeGreaterThan(0);
      }
      expect(scores.some((s) => s.pAlive < 0.5)).toBe(true);

      const report = formatFitReport(result);
      expect(report).toContain('BG/NBD');
      expect(report).toMatch(/alpha\s+\d/);
      expect(report).toContain('log-likelihood');
    });

    it('appends a new analysis on rerun and keeps the P(alive) history', async () => {
      const first = await sql<{ n: number }>`SELECT count(*) AS n FROM analysis_runs`.execute(demo.database.db);
      const result = await runAnalysis(demo.database, { asOf: AS_OF, model: 'auto', unit: 'day' });
      expect(result.runs.filter((r) => r.model !== 'gammagamma').map((r) => r.model)).toEqual(['bgnbd', 'paretonbd']);
      expect(result.runs.filter((r) => r.selected)).toHaveLength(1);
      const after = await sql<{ n: number; current: number }>`
        SELECT count(*) AS n, count(*) FILTER (WHERE is_current) AS current FROM analysis_runs`.execute(demo.database.db);
      expect(Number(after.rows[0]!.n)).toBe(Number(first.rows[0]!.n) + 1);
      expect(Number(after.rows[0]!.current)).toBe(1);

      const [score] = await latestScores(demo.database.db);
      expect(score!.analysisRunId).toBe(result.analysisRunId);
      const history = await pAliveHistory(demo.database.db, score!.customerId);
      expect(history.length).toBeGreaterThanOrEqual(2);
      expect(history.at(-1)!.analysisRunId).toBe(result.analysisRunId);
      expect(await latestScores(demo.database.db, [score!.customerId])).toHaveLength(1);
    });

    it('validates against a holdout period without replacing the current scores', async () => {
      const current = (await latestScores(demo.database.db))[0]!.analysisRunId;
      const result = await runAnalysis(demo.database, { asOf: AS_OF, holdout: new Date('2024-07-01T00:00:00Z') }, () => {});
      expect(result.current).toBe(false);
      expect((await latestScores(demo.database.db))[0]!.analysisRunId).toBe(current);
      const [v] = result.validation;
      expect(v!.model).toBe('bgnbd');
      expect(v!.holdoutDays).toBe(184);
      const customers = v!.buckets.reduce((s, b) => s + b.customers, 0);
      expect(customers).toBe(result.data.calibrationCustomers);
      expect(v!.metrics.actualTotal).toBe(result.data.holdoutTransactions);
      expect(v!.metrics.predictedTotal).toBeGreaterThan(0);
      // A model of this data should get the aggregate within a factor of two and rank customers positively.
      expect(Math.abs(v!.metrics.aggregatePercentError)).toBeLessThan(50);
      expect(v!.metrics.correlation).toBeGreaterThan(0.2);
      expect(v!.tracking!.periodEnd.length).toBeGreaterThan(v!.tracking!.calibrationPeriods);
      const text = formatValidationReport(result);
      expect(text).toContain('7+');
      expect(text).toContain('MAE');
    });
  });

  describe('refuses data it cannot analyse', () => {
    let database: TestDatabase;
    const folder = csvFolder();
    beforeAll(async () => {
      database = await engine.open();
    });
    afterAll(async () => {
      await database?.dispose();
      folder.remove();
    });

    it('with a clear error when there are no orders, and writes nothing', async () => {
      const error = await runAnalysis(database, { asOf: AS_OF }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnalyzeError);
      expect((error as AnalyzeError).code).toBe('no_orders');
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM analysis_runs`.execute(database.db);
      expect(Number(rows[0]!.n)).toBe(0);
    });

    it('with a clear error when nobody bought twice', async () => {
      await importFile(database, folder.write('customers.csv', ['external_id,currency', 'A,EUR', 'B,EUR']), { entity: 'customers' });
      await importFile(
        database,
        folder.write('orders.csv', ['customer_id,occurred_at,amount,currency', 'A,2024-01-01,10,EUR', 'A,2024-01-01,5,EUR', 'B,2024-03-01,7,EUR']),
        { entity: 'orders' },
      );
      const error = await runAnalysis(database, { asOf: AS_OF }).catch((e: unknown) => e);
      expect((error as AnalyzeError).code).toBe('no_repeat_customers');
    });

    it('with invalid options', async () => {
      const badUnit = await runAnalysis(database, { asOf: AS_OF, unit: 'year' as never }).catch((e: unknown) => e);
      expect((badUnit as AnalyzeError).code).toBe('invalid_options');
      expect((badUnit as AnalyzeError).message).toMatch(/unit/);
      const lateHoldout = await runAnalysis(database, { asOf: AS_OF, holdout: new Date('2025-02-01') }).catch((e: unknown) => e);
      expect((lateHoldout as AnalyzeError).code).toBe('invalid_options');
      expect((lateHoldout as AnalyzeError).message).toMatch(/holdout/);
    });
  });
});
