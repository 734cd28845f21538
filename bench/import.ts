/**
 * Import throughput: `npm run bench:import [-- --rows 1000000 --runs 3 --engines pglite,postgresql]`.
 * Writes an orders file of N rows for 10,000 customers, imports it into a fresh database of each engine and
 * prints rows/s (median of the runs) and the peak memory of this process: resident set (RSS), the JavaScript
 * heap in use, and WebAssembly/native memory (`external` minus array buffers: PGlite's WASM heap is counted
 * there, so RSS growth that shows up in that column is PGlite's, not the importer's). PostgreSQL is used at
 * WINBACK_BENCH_DATABASE_URL (or WINBACK_TEST_DATABASE_URL, or the local test server), in a schema dropped
 * afterwards.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, type Database, type DatabaseOptions } from '../src/db/engine.js';
import { dropSchema, uniqueSchemaName } from '../src/db/test-support/engines.js';
import { importFile } from '../src/ingest/importer.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'pglite,postgresql' },
    // Also import a second file of as many new orders into the table the first one filled (the staged path).
    incremental: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const CUSTOMERS = 10_000;
const postgresUrl = process.env.WINBACK_BENCH_DATABASE_URL ?? process.env.WINBACK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function writeLines(path: string, count: number, line: (i: number) => string, header: string) {
  const out = createWriteStream(path);
  out.write(header + '\n');
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += line(i) + '\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

const dir = mkdtempSync(join(tmpdir(), 'winback-bench-'));
const customersFile = join(dir, 'customers.csv');
const ordersFile = join(dir, 'orders.csv');
await writeLines(customersFile, CUSTOMERS, (i) => `C${i},Customer ${i},EUR`, 'external_id,name,currency');
const day0 = Date.UTC(2020, 0, 1);
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const orderLine = (prefix: string) => (i: number) =>
  `${prefix}${i},C${(i * 7919) % CUSTOMERS},${new Date(day0 + ((i * 104729) % 1_500) * 86_400_000 + (i % 86_400) * 1000).toISOString()},${money((i % 50_000) + 100)},${money(i % 9000)},EUR`;
const ORDERS_HEADER = 'external_id,customer_id,occurred_at,amount,margin,currency';
await writeLines(ordersFile, rows, orderLine('O'), ORDERS_HEADER);
const moreOrdersFile = join(dir, 'more-orders.csv');
if (values.incremental) await writeLines(moreOrdersFile, rows, orderLine('P'), ORDERS_HEADER);

const peak = { rss: 0, heapUsed: 0, wasm: 0, arrayBuffers: 0 };
const resetPeaks = () => Object.assign(peak, { rss: 0, heapUsed: 0, wasm: 0, arrayBuffers: 0 });
const sample = () => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  peak.wasm = Math.max(peak.wasm, m.external - m.arrayBuffers);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
};
const sampler = setInterval(sample, 25);
const before = process.memoryUsage();

async function fresh(engine: string): Promise<{ database: Database; cleanup: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dataDir = mkdtempSync(join(dir, 'pglite-'));
    const database = await openDatabase({ dataDir });
    return { database, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const options: DatabaseOptions = { databaseUrl: postgresUrl, schema: uniqueSchemaName() };
  const database = await openDatabase(options);
  return { database, cleanup: () => dropSchema(postgresUrl, options.schema!) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`import benchmark: ${rows.toLocaleString('en-US')} order rows for ${CUSTOMERS.toLocaleString('en-US')} customers, ${runs} run(s) per engine`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(`at start: RSS ${mib(before.rss)}, heap used ${mib(before.heapUsed)}, WASM/native ${mib(before.external - before.arrayBuffers)}`);
console.log('engine       rows/s (median)   runs (rows/s)              peak RSS   peak heap used   peak WASM/native   peak array buffers');
try {
  for (const engine of values.engines!.split(',')) {
    const rates: number[] = [];
    const incrementalRates: number[] = [];
    const phases: { reading: number; checking: number; writing: number; cpu: number }[] = [];
    resetPeaks();
    for (let run = 0; run < runs; run++) {
      const { database, cleanup } = await fresh(engine);
      try {
        await importFile(database, customersFile, { entity: 'customers' });
        const marks: Partial<Record<string, number>> = {};
        const cpuBefore = process.cpuUsage();
        const summary = await importFile(database, ordersFile, { entity: 'orders' }, { onProgress: (p) => void (marks[p.phase] ??= p.elapsedMs) });
        const cpu = process.cpuUsage(cpuBefore);
        phases.push({ reading: marks.checking!, checking: marks.writing! - marks.checking!, writing: marks.done! - marks.writing!, cpu: (cpu.user + cpu.system) / 1000 });
        if (summary.inserted !== rows) throw new Error(`expected ${rows} rows inserted, got ${summary.inserted}`);
        rates.push(summary.rowsPerSecond);
        if (values.incremental) {
          const more = await importFile(database, moreOrdersFile, { entity: 'orders' });
          if (more.inserted !== rows) throw new Error(`expected ${rows} more rows inserted, got ${more.inserted}`);
          incrementalRates.push(more.rowsPerSecond);
        }
      } finally {
        await database.close();
        await cleanup();
      }
    }
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    sample();
    console.log(
      `${engine.padEnd(12)} ${fmt(median(rates)).padStart(15)}   ${rates.map(fmt).join(', ').padEnd(27)}${mib(peak.rss).padStart(8)}   ${mib(peak.heapUsed).padStart(14)}   ${mib(peak.wasm).padStart(16)}   ${mib(peak.arrayBuffers).padStart(18)}`,
    );
    if (incrementalRates.length > 0) {
      console.log(`             into a table already holding ${fmt(rows)} orders (staged path): ${fmt(median(incrementalRates))} rows/s (runs ${incrementalRates.map(fmt).join(', ')})`);
    }
    const phaseMedian = (k: keyof (typeof phases)[number]) => `${k} ${(median(phases.map((p) => p[k])) / 1000).toFixed(1)} s`;
    console.log(`             phases (median): ${phaseMedian('reading')} (read, check, stage), ${phaseMedian('checking')} (duplicates, references), ${phaseMedian('writing')} (merge, indexes, statistics); CPU time of this process ${(median(phases.map((p) => p.cpu)) / 1000).toFixed(1)} s`);
    const growth = peak.rss - before.rss;
    const wasmGrowth = peak.wasm - (before.external - before.arrayBuffers);
    if (engine === 'pglite' && growth > 0) {
      console.log(`             RSS grew ${mib(growth)}; ${mib(wasmGrowth)} of it (${Math.round((100 * wasmGrowth) / growth)}%) is PGlite's WASM memory`);
    }
  }
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
