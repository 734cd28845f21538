/**
 * Timing of the prioritised recovery list on a generated table of N recovery scores (default 1,000,000; six
 * currencies, one of them without an exchange rate) on
 * PostgreSQL: `npx tsx bench/recovery-list.ts [--rows 1000000] [--url postgres://…]` (default URL:
 * WINBACK_BENCH_DATABASE_URL, DATABASE_URL or postgres://postgres@127.0.0.1:5432/test). Works in a fresh schema
 * that is dropped afterwards. Prints the median and worst of several runs per query, through `listRecovery`
 * (the same code the CLI and the API use, including the page's customer lookup).
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { listRecovery, type RecoveryListQueryInput } from '../src/analyse/index.js';
import { benchUrl, freshPostgres, generateCustomers, generateRecoveryScores } from './support.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, url: { type: 'string' }, runs: { type: 'string', default: '7' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const url = benchUrl(values.url);
const { database, schema, cleanup } = await freshPostgres(url);
try {
  const t0 = performance.now();
  // Customers in five currencies with a rate (the seeded ones) and 1 % in SEK without one: their scores have no
  // value in the reporting currency and sort last, as a scoring run writes them.
  await generateCustomers(database, rows);
  await generateRecoveryScores(database, 'all customers');
  // Scores are written by one INSERT … SELECT in production too; VACUUM sets the visibility map (index-only
  // checks) as autovacuum would shortly after.
  await sql`VACUUM ANALYZE recovery_scores`.execute(database.db);
  await sql`ANALYZE customers`.execute(database.db);
  console.log(`generated ${rows} customers and recovery scores in ${((performance.now() - t0) / 1000).toFixed(1)} s (PostgreSQL, schema ${schema})`);

  const cases: [string, RecoveryListQueryInput][] = [
    ['default (expected value desc), page 1', {}],
    ['page 100 (offset 4,950)', { page: 100 }],
    ['state=lost', { state: 'lost' }],
    ['segment=true_friends', { segment: 'true_friends' }],
    ['reason=price (incl. children)', { reason: 'price' }],
    ['team=T3', { team: 'T3' }],
    ['min-value 50000', { minValue: 50000 }],
    ['state+segment+reason+team+min-value', { state: 'lost', segment: 'barnacles', reason: 'service', team: 'T2', minValue: 1000 }],
    ['no match: reason=business_closed (absent)', { reason: 'business_closed' }],
    ['no match: min-value above the maximum', { minValue: 10_000_000 }],
    ['ascending (unconverted still last)', { order: 'asc' }],
    ['sort value', { sort: 'value' }],
    ['sort p_recovery', { sort: 'p_recovery' }],
    ['sort lost_since', { sort: 'lost_since' }],
    ['sort lost_since asc', { sort: 'lost_since', order: 'asc' }],
    ['segment=strangers sort p_recovery', { segment: 'strangers', sort: 'p_recovery' }],
  ];
  // Keyset cursors (the `next` format of listRecovery) where the converted part ends: 20 rows before its end, and
  // the first unconverted row.
  const cursor = (key: number | null, id: number) => Buffer.from(JSON.stringify([key, id])).toString('base64url');
  const { rows: edge } = await sql<{ ev: number; id: number }>`
    SELECT expected_value_reporting AS ev, customer_id AS id FROM recovery_scores WHERE expected_value_reporting IS NOT NULL
    ORDER BY expected_value_reporting ASC, customer_id DESC LIMIT 1 OFFSET 20`.execute(database.db);
  if (edge[0]) cases.push(['keyset across into the unconverted part', { after: cursor(Number(edge[0].ev), Number(edge[0].id)) }]);
  cases.push(['keyset inside the unconverted part', { after: cursor(null, 0) }]);
  console.log(`${'query (limit 50)'.padEnd(42)} ${'median ms'.padStart(10)} ${'max ms'.padStart(8)}`);
  for (const [name, query] of cases) {
    const times: number[] = [];
    let next: string | null = null;
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const page = await listRecovery(database, { limit: 50, ...query });
      times.push(performance.now() - s);
      next = page.next;
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(42)} ${times[Math.floor(times.length / 2)]!.toFixed(1).padStart(10)} ${times.at(-1)!.toFixed(1).padStart(8)}`);
    if (name.startsWith('default') && next) {
      // Keyset: walk 200 pages deep and time the last one.
      let after: string | null = next;
      for (let p = 0; p < 200 && after; p++) after = (await listRecovery(database, { limit: 50, after })).next;
      const ks: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        await listRecovery(database, { limit: 50, after: after! });
        ks.push(performance.now() - s);
      }
      ks.sort((a, b) => a - b);
      console.log(`${'keyset page 202 (after cursor)'.padEnd(42)} ${ks[Math.floor(ks.length / 2)]!.toFixed(1).padStart(10)} ${ks.at(-1)!.toFixed(1).padStart(8)}`);
    }
  }
} finally {
  await cleanup();
}
