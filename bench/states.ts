/**
 * Lifecycle-state recompute throughput: `npm run bench:states [-- --customers 100000 --runs 3 --engines pglite,postgresql]`.
 * Loads the demo company of N customers into a fresh database of each engine (through the importer, as
 * `winback demo` does), runs the analysis once (model scores, which the state rules read), then times
 *   - a full recompute: every customer classified from scratch (states and history emptied before each run), and
 *   - an incremental recompute with no new data: the same as-of again, which must write nothing, and
 *   - the daily refresh: as of one day later, same data (time alone moves some customers on),
 * and prints the median (and every run) in seconds and customers/s. PostgreSQL is used at
 * WINBACK_BENCH_DATABASE_URL (or WINBACK_TEST_DATABASE_URL, or the local test server) in a schema dropped
 * afterwards; PGlite in a temporary data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { runAnalysis } from '../src/analyze/index.js';
import { openDatabase, type Database, type DatabaseOptions } from '../src/db/engine.js';
import { dropSchema, uniqueSchemaName } from '../src/db/test-support/engines.js';
import { recomputeStates, type RecomputeResult } from '../src/identify/index.js';
import { loadDemoCompany } from '../src/ingest/demo/load.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'pglite,postgresql' },
    'batch-size': { type: 'string' },
  },
});
const customers = Number(values.customers);
const runs = Number(values.runs);
const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
const postgresUrl = process.env.WINBACK_BENCH_DATABASE_URL ?? process.env.WINBACK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// A fixed as-of keeps the demo (and so every figure) identical from day to day.
const AS_OF = new Date('2025-06-30T00:00:00Z');

async function fresh(engine: string): Promise<{ database: Database; cleanup: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'winback-bench-states-'));
    const database = await openDatabase({ dataDir });
    return { database, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const options: DatabaseOptions = { databaseUrl: postgresUrl, schema: uniqueSchemaName() };
  const database = await openDatabase(options);
  return { database, cleanup: () => dropSchema(postgresUrl, options.schema!) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const rate = (ms: number) => Math.round(customers / (ms / 1000)).toLocaleString('en-US');

console.log(`lifecycle-state benchmark: demo company of ${customers.toLocaleString('en-US')} customers, as of ${AS_OF.toISOString().slice(0, 10)}, ${runs} run(s) per measure`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);

for (const engine of values.engines!.split(',')) {
  const { database, cleanup } = await fresh(engine);
  try {
    let t = performance.now();
    await loadDemoCompany(database, { customers, seed: 1, asOf: AS_OF });
    const loadMs = performance.now() - t;
    t = performance.now();
    await runAnalysis(database, { asOf: AS_OF });
    const analysisMs = performance.now() - t;
    const { rows } = await sql<{ contracts: number; orders: number; interactions: number; version: string }>`
      SELECT (SELECT count(*) FROM contracts) AS contracts, (SELECT count(*) FROM orders) AS orders,
             (SELECT count(*) FROM interactions) AS interactions, split_part(version(), ' on ', 1) AS version`.execute(database.db);
    const sizes = rows[0]!;
    console.log(
      `\n${engine} (${sizes.version}): loaded in ${seconds(loadMs)} s (${Number(sizes.contracts).toLocaleString('en-US')} contracts, ${Number(sizes.orders).toLocaleString('en-US')} orders, ` +
        `${Number(sizes.interactions).toLocaleString('en-US')} interactions), analysis ${seconds(analysisMs)} s`,
    );

    const options = { asOf: AS_OF, ...(batchSize ? { batchSize } : {}) };
    const full: number[] = [];
    const incremental: number[] = [];
    const nextDay: number[] = [];
    let nextDayWritten = 0;
    let last: RecomputeResult | undefined;
    for (let run = 0; run < runs; run++) {
      // From scratch: no stored states, no history, no earlier recompute.
      await sql`TRUNCATE state_transitions, customer_states, state_recomputes`.execute(database.db);
      const first = await recomputeStates(database, options);
      full.push(first.elapsedMs);
      if (last && JSON.stringify(first.counts) !== JSON.stringify(last.counts)) throw new Error('a full recompute gave different counts than the one before');
      last = first;
      const again = await recomputeStates(database, options);
      if (again.transitionsWritten !== 0) throw new Error(`a recompute without new data wrote ${again.transitionsWritten} transitions`);
      incremental.push(again.elapsedMs);
      // The daily refresh: one day later, with the same data (time alone moves some customers on).
      const tomorrow = await recomputeStates(database, { ...options, asOf: new Date(AS_OF.getTime() + 86_400_000) });
      nextDay.push(tomorrow.elapsedMs);
      nextDayWritten = tomorrow.transitionsWritten;
    }
    console.log(`${last!.customers.toLocaleString('en-US')} customers, ${last!.transitionsWritten.toLocaleString('en-US')} transitions; ` +
      last!.counts.map((c) => `${c.state} ${c.customers}`).join(', '));
    console.log('measure                    median s   customers/s   runs (s)');
    for (const [name, times] of [['full recompute', full], ['incremental, no change', incremental], [`next day (${nextDayWritten} written)`, nextDay]] as const) {
      console.log(`${name.padEnd(26)} ${seconds(median(times)).padStart(8)}   ${rate(median(times)).padStart(11)}   ${times.map(seconds).join(', ')}`);
    }
  } finally {
    await database.close();
    await cleanup();
  }
}
