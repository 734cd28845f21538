import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../db/engine.js';
import type { TestDatabase, TestEngine } from '../../db/test-support/engines.js';
import { generateDemoCompany, type DemoFiles } from '../../ingest/demo/generate.js';
import { importFile } from '../../ingest/importer.js';
import type { TransactionColumns } from '../../stats/index.js';

/** Demo CSVs generated once per test file (deterministic for the options). */
export async function demoFiles(customers: number, seed: number, asOf: Date): Promise<{ files: DemoFiles; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'winback-analyze-'));
  const { files } = await generateDemoCompany({ customers, seed, asOf, outDir: dir });
  return { files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Loads what an analysis reads (teams, employees, customers, orders) the way users do. */
export async function importForAnalysis(database: Database, files: DemoFiles): Promise<void> {
  for (const entity of ['teams', 'employees', 'customers', 'orders'] as const) {
    await importFile(database, files[entity], { entity });
  }
}

/**
 * Inside a describe block: before its tests, open a database of `engine` and import a demo company
 * of `customers` (see `demoFiles`) for analysis; after them, dispose it and delete the CSVs.
 * `database` is the open database, valid once the tests run.
 */
export function useDemoDatabase(engine: TestEngine, customers: number, seed: number, asOf: Date): { readonly database: TestDatabase } {
  let database: TestDatabase | undefined;
  let remove = () => {};
  beforeAll(async () => {
    const demo = await demoFiles(customers, seed, asOf);
    remove = demo.remove;
    database = await engine.open();
    await importForAnalysis(database, demo.files);
  });
  afterAll(async () => {
    await database?.dispose();
    remove();
  });
  return {
    get database(): TestDatabase {
      return database!;
    },
  };
}

/** The orders table as in-memory transaction columns, customers numbered densely in id order. */
export async function ordersAsColumns(database: Database): Promise<{ columns: TransactionColumns; customerIds: number[]; indexOf: Map<number, number> }> {
  const { rows: customers } = await sql<{ id: number }>`SELECT id FROM customers ORDER BY id`.execute(database.db);
  const customerIds = customers.map((c) => Number(c.id));
  const indexOf = new Map(customerIds.map((id, i) => [id, i]));
  const { rows } = await sql<{ customer_id: number; occurred_at: Date; amount: number }>`
    SELECT customer_id, occurred_at, amount FROM orders`.execute(database.db);
  const columns: TransactionColumns = {
    customer: Int32Array.from(rows, (r) => indexOf.get(Number(r.customer_id))!),
    time: Float64Array.from(rows, (r) => r.occurred_at.getTime()),
    amount: Float64Array.from(rows, (r) => Number(r.amount)),
  };
  return { columns, customerIds, indexOf };
}
