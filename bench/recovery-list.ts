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
import { openDatabase } from '../src/db/engine.js';
import { dropSchema, uniqueSchemaName } from '../src/db/test-support/engines.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, url: { type: 'string' }, runs: { type: 'string', default: '7' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const url = values.url ?? process.env.WINBACK_BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniqueSchemaName();
const database = await openDatabase({ databaseUrl: url, schema });
try {
  const t0 = performance.now();
  await sql`INSERT INTO teams (code, name) SELECT 'T' || g, 'Team ' || g FROM generate_series(1, 8) g`.execute(database.db);
  // Customers in five currencies with a rate (the seeded ones) and 1 % in SEK without one: their scores have no
  // value in the reporting currency and sort last, as a scoring run writes them.
  await sql`INSERT INTO customers (external_id, name, currency, team_id)
            SELECT 'C' || g, 'Customer ' || g,
                   CASE WHEN r < 0.01 THEN 'SEK' ELSE (ARRAY['EUR','EUR','EUR','EUR','GBP','CHF','USD','PLN'])[1 + floor(random() * 8)::int] END,
                   1 + floor(random() * 8)::int
            FROM (SELECT g, random() AS r FROM generate_series(1, ${rows}::int) g) x`.execute(database.db);
  await sql`
    INSERT INTO recovery_scores (customer_id, as_of, state, state_since, segment, reason_code, team_id, currency, measure,
                                 p_recovery, value_if_recovered, cost, expected_value, explanation,
                                 reporting_currency, exchange_rate, value_if_recovered_reporting, cost_reporting, expected_value_reporting)
    SELECT id, '2025-01-01', CASE WHEN random() < 0.4 THEN 'lost' ELSE 'sleeping' END,
           '2025-01-01'::timestamptz - (random() * 1000)::int * interval '1 day',
           (ARRAY['true_friends','butterflies','barnacles','strangers'])[1 + floor(random() * 4)::int],
           (ARRAY['price.too_expensive','price','service.poor_support','relocation','unknown','billing.error','competitor.switched'])[1 + floor(random() * 7)::int],
           team_id, currency, 'agent_call', p, v, 1500, round(p * v)::bigint - 1500,
           jsonb_build_object('pRecovery', jsonb_build_object('value', p), 'valueIfRecovered', jsonb_build_object('value', v, 'method', 'contract'),
                              'cost', jsonb_build_object('amount', 1500, 'measure', 'agent_call')),
           'EUR', rate, round(v * rate)::bigint, round(1500 * rate)::bigint, round((round(p * v)::bigint - 1500) * rate)::bigint
    FROM (SELECT c.id, c.team_id, c.currency, 0.01 + random() * 0.4 AS p, (random() ^ 3 * 500000)::bigint AS v, x.rate
          FROM customers c LEFT JOIN (SELECT currency::text, rate FROM exchange_rates UNION ALL SELECT 'EUR', 1) x ON x.currency = c.currency) y`.execute(database.db);
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
  await database.close();
  await dropSchema(url, schema);
}
