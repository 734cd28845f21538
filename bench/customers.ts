/**
 * Timing of the customer list (src/customers) on a generated base of N customers (default 1,000,000) on
 * PostgreSQL: `npm run bench:customers -- [--customers 1000000] [--runs 7] [--url postgres://…]` (default URL:
 * WINBACK_BENCH_DATABASE_URL, DATABASE_URL or the local test server). Works in a fresh schema dropped afterwards.
 *
 * The base has what the list reads, in realistic shares: lifecycle states, a current analysis scoring 70 % of the
 * customers (P(alive), CLV in six currencies, one without a rate; none of the lost, as in the demo), segments, recovery scores of the lost and
 * sleeping, preferences (2 % do-not-contact) and three orders per scored customer. Each query goes through
 * `listCustomers` — the code the API and the CLI run, with the page's column lookups and the total counted up to
 * the default 10,000 — and prints the median and the worst of several runs.
 *
 * The matrix (`--suite matrix`) times every realistic combination the Customers page can ask for: each single filter
 * (each state, each segment, a reason, a team, a P(alive) range, a CLV range, a search, do-not-contact) and pairs of
 * them, under each sort the page offers, on its first page (with the total, as the page shows it) and on a later page
 * by keyset cursor (page 10, without the total: the page counted it once). `--only REGEX` times just the cases whose
 * name matches; `--reuse SCHEMA` times a base kept by an earlier `--keep` run without generating it again.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { customerBatches, listCustomers, type CustomerListQueryInput } from '../src/customers/index.js';
import { benchUrl, freshPostgres, reusePostgres, generateCustomers, generateRecoveryScores, machine, time, timingLine } from './support.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    url: { type: 'string' },
    runs: { type: 'string', default: '7' },
    // Keep the generated schema (for EXPLAIN), or time an earlier kept one without generating again.
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    // Also time the CSV export's reads of every lost customer (minutes on a million customers).
    export: { type: 'boolean', default: false },
    // Which parts to time: basic (the list's features one by one), matrix (filters × sorts × first/later page).
    suite: { type: 'string', default: 'basic,matrix' },
    only: { type: 'string' },
    // Runs per matrix cell (the matrix has some 400 cells).
    'matrix-runs': { type: 'string', default: '3' },
  },
});
const suites = new Set(values.suite.split(','));
const only = values.only ? new RegExp(values.only, 'i') : null;
const n = Number(values.customers);
const runs = Number(values.runs);
const url = benchUrl(values.url);
const { database, schema, cleanup } = values.reuse ? await reusePostgres(url, values.reuse) : await freshPostgres(url);
const db = database.db;
async function generate(): Promise<void> {
  await generateCustomers(database, n);
  await sql`
    INSERT INTO customer_states (customer_id, state, entered_at, evidence)
    SELECT id, s, '2025-06-30'::timestamptz - (random() * 1000)::int * interval '1 day', '{}'::jsonb
    FROM (SELECT id, CASE WHEN r < 0.45 THEN 'active' WHEN r < 0.55 THEN 'at_risk' WHEN r < 0.75 THEN 'sleeping' WHEN r < 0.95 THEN 'lost' ELSE 'won_back' END AS s
          FROM (SELECT id, random() AS r FROM customers) x) y`.execute(db);
  const { rows: run } = await sql<{ id: number }>`
    INSERT INTO analysis_runs (is_current, purchase_model, time_unit, calibration_end, customers_scored, options)
    VALUES (true, 'bgnbd', 'week', '2025-06-30', ${Math.round(n * 0.7)}, '{}'::jsonb) RETURNING id`.execute(db);
  const runId = Number(run[0]!.id);
  const { rows: model } = await sql<{ id: number }>`
    INSERT INTO model_runs (analysis_run_id, model, status, selected, parameters, log_likelihood, time_unit, calibration_end, customers)
    VALUES (${runId}, 'bgnbd', 'fitted', true, '{"r":0.24,"alpha":4.4,"a":0.79,"b":2.4}'::jsonb, -9582.4, 'week', '2025-06-30', ${Math.round(n * 0.7)})
    RETURNING id`.execute(db);
  // 70 % of the customers have orders and scores: three orders each, the last one recency days before the as-of.
  // Lost customers have none — in the demo (and in a contract business) they are contract customers whom the
  // purchase model does not score — so a lost filter walking the CLV or P(alive) index meets none at all (with even
  // 5 % of them scored the walk finds its page quickly and the benchmark hid the demo's slowest case).
  await sql`
    INSERT INTO customer_scores (analysis_run_id, customer_id, model_run_id, frequency, recency_days, age_days, p_alive,
                                 expected_transactions_90d, expected_transactions_365d, expected_spend, margin_ratio, clv, currency)
    SELECT ${runId}, id, ${Number(model[0]!.id)}, 2, age - since_last, age, random(), random(), random() * 4, 2000 + random() * 20000, 0.3,
           (random() ^ 2 * 300000)::bigint, coalesce(currency, 'EUR')
    FROM (SELECT c.id, c.currency, 400 + (random() * 1000)::int AS age, (random() * 390)::int AS since_last
          FROM customers c JOIN customer_states st ON st.customer_id = c.id
          WHERE st.state <> 'lost' AND random() < 0.87) x`.execute(db);
  await sql`
    INSERT INTO orders (customer_id, order_key, occurred_at, amount, currency)
    SELECT s.customer_id, 'k' || k, '2025-06-30'::timestamptz - ((s.age_days - s.recency_days) + (k - 1) * s.recency_days / 2.0) * interval '1 day',
           (1000 + random() * 50000)::bigint, s.currency
    FROM customer_scores s CROSS JOIN generate_series(1, 3) k`.execute(db);
  await sql`
    INSERT INTO customer_segments (customer_id, as_of, tenure_days, profit, currency, tenure_threshold_days, profit_threshold, threshold_source,
                                   long_relationship, high_profit, segment, recency_days, frequency, monetary, r_score, f_score, m_score)
    SELECT id, '2025-06-30', t, p, currency, 500, 10000, 'median', t > 500, p > 10000,
           CASE WHEN t > 500 THEN (CASE WHEN p > 10000 THEN 'true_friends' ELSE 'barnacles' END) ELSE (CASE WHEN p > 10000 THEN 'butterflies' ELSE 'strangers' END) END,
           (random() * 900)::int, 1 + (random() * 20)::int, p, 1 + (random() * 4)::int, 1 + (random() * 4)::int, 1 + (random() * 4)::int
    FROM (SELECT id, currency, (random() * 1500)::int AS t, (random() * 30000)::bigint AS p FROM customers) x`.execute(db);
  await generateRecoveryScores(database, 'customer_states');
  await sql`
    INSERT INTO contact_preferences (customer_id, allowed_channels, do_not_contact, do_not_contact_at, do_not_contact_source)
    SELECT id, ARRAY['phone','email'], r < 0.2, CASE WHEN r < 0.2 THEN now() END, CASE WHEN r < 0.2 THEN 'bench' END
    FROM (SELECT id, random() AS r FROM customers WHERE random() < 0.1) x`.execute(db);
  // Written in bulk as the pipeline writes them; VACUUM sets the visibility maps as autovacuum would shortly after.
  await sql`VACUUM ANALYZE`.execute(db);
}

/**
 * Filters × sorts: the median of the first page (with the total) and of page 10 reached by cursor (without it),
 * one line per filter; the worst cell of all at the end.
 */
async function matrix(email: string): Promise<void> {
  const matrixRuns = Number(values['matrix-runs']);
  const sorts: [string, CustomerListQueryInput][] = [
    ['name', { sort: 'name' }],
    ['state', { sort: 'state' }],
    ['p_alive', { sort: 'p_alive' }],
    ['clv', { sort: 'clv' }],
    ['clv asc', { sort: 'clv', order: 'asc' }],
    ['exp.value', { sort: 'expected_value' }],
    ['last order', { sort: 'last_order' }],
  ];
  const singles: [string, CustomerListQueryInput][] = [
    ['(no filter)', {}],
    ['state=lost', { state: 'lost' }],
    ['state=sleeping', { state: 'sleeping' }],
    ['state=active', { state: 'active' }],
    ['state=at_risk', { state: 'at_risk' }],
    ['state=won_back', { state: 'won_back' }],
    ['state=lost,sleeping', { state: 'lost,sleeping' }],
    ['segment=true_friends', { segment: 'true_friends' }],
    ['segment=butterflies', { segment: 'butterflies' }],
    ['segment=barnacles', { segment: 'barnacles' }],
    ['segment=strangers', { segment: 'strangers' }],
    ['reason=price', { reason: 'price' }],
    ['reason=relocation', { reason: 'relocation' }],
    ['team=T3', { team: 'T3' }],
    ['employee=E9', { employee: 'E9' }],
    ['P(alive) 0.2–0.4', { pAliveMin: 0.2, pAliveMax: 0.4 }],
    ['P(alive) ≥ 0.9', { pAliveMin: 0.9 }],
    ['CLV ≥ 1,000 EUR', { clvMin: 100_000 }],
    ['CLV 100–200 EUR', { clvMin: 10_000, clvMax: 20_000 }],
    ['search "anna"', { q: 'anna' }],
    ['search "anna b"', { q: 'anna b' }],
    ['search "sch"', { q: 'sch' }],
    ['search e-mail', { q: email }],
    ['do-not-contact', { doNotContact: true }],
    ['may be contacted', { doNotContact: false }],
  ];
  const pairs: [string, CustomerListQueryInput][] = [
    ['lost + true_friends', { state: 'lost', segment: 'true_friends' }],
    ['sleeping + strangers', { state: 'sleeping', segment: 'strangers' }],
    ['lost + reason=price', { state: 'lost', reason: 'price' }],
    ['lost + team=T3', { state: 'lost', team: 'T3' }],
    ['won_back + team=T3', { state: 'won_back', team: 'T3' }],
    ['active + P(alive) ≥ 0.9', { state: 'active', pAliveMin: 0.9 }],
    ['lost + P(alive) 0.2–0.4', { state: 'lost', pAliveMin: 0.2, pAliveMax: 0.4 }],
    ['lost + CLV ≥ 1,000 EUR', { state: 'lost', clvMin: 100_000 }],
    ['lost + search "anna"', { state: 'lost', q: 'anna' }],
    ['lost,sleeping + may be contacted', { state: 'lost,sleeping', doNotContact: false }],
    ['true_friends + team=T3', { segment: 'true_friends', team: 'T3' }],
    ['true_friends + reason=price', { segment: 'true_friends', reason: 'price' }],
    ['true_friends + CLV ≥ 1,000 EUR', { segment: 'true_friends', clvMin: 100_000 }],
    ['reason=price + team=T3', { reason: 'price', team: 'T3' }],
    ['team=T3 + P(alive) 0.2–0.4', { team: 'T3', pAliveMin: 0.2, pAliveMax: 0.4 }],
    ['team=T3 + search "anna"', { team: 'T3', q: 'anna' }],
    ['P(alive) 0.2–0.4 + CLV ≥ 1,000', { pAliveMin: 0.2, pAliveMax: 0.4, clvMin: 100_000 }],
    ['do-not-contact + lost', { doNotContact: true, state: 'lost' }],
    ['do-not-contact + employee=E9', { doNotContact: true, employee: 'E9' }],
  ];
  const cell = 11;
  const width = 34;
  console.log(`\nmatrix: median ms of ${matrixRuns} runs — first page with the total / page 10 by keyset cursor (limit 50); total: = counted, > at least, ~ estimate`);
  console.log(`${'filter'.padEnd(width)}${sorts.map(([s]) => s.padStart(cell)).join('')}   total`);
  const all: { name: string; ms: number }[] = [];
  for (const [fname, filter] of [...singles, ...pairs]) {
    const line: string[] = [];
    let total = '';
    for (const [sname, sort] of sorts) {
      const name = `${fname} | ${sname}`;
      if (only && !only.test(name)) {
        line.push('-'.padStart(cell));
        continue;
      }
      const query = { limit: 50, ...filter, ...sort };
      const first = await listCustomers(database, query);
      const t1 = await time(matrixRuns, () => listCustomers(database, query));
      let after = first.next;
      for (let p = 2; p < 10 && after; p++) after = (await listCustomers(database, { ...query, countLimit: 0, after })).next;
      const t2 = after ? await time(matrixRuns, () => listCustomers(database, { ...query, countLimit: 0, after: after! })) : null;
      all.push({ name: `${name} (first)`, ms: t1.median }, ...(t2 ? [{ name: `${name} (page 10)`, ms: t2.median }] : []));
      line.push(`${t1.median.toFixed(0)}/${t2 ? t2.median.toFixed(0) : '-'}`.padStart(cell));
      if (first.total) total = `${{ counted: '=', at_least: '>', estimate: '~' }[first.total.basis]}${fmtN(first.total.count)}`;
    }
    console.log(`${fname.padEnd(width)}${line.join('')}   ${total}`);
  }
  if (all.length === 0) return;
  all.sort((a, b) => b.ms - a.ms);
  const over = all.filter((c) => c.ms >= 300);
  console.log(`\n${all.length} cells; median ${all[Math.floor(all.length / 2)]!.ms.toFixed(0)} ms; ${over.length} at 300 ms or more; slowest:`);
  for (const c of all.slice(0, 8)) console.log(`  ${c.ms.toFixed(0).padStart(6)} ms  ${c.name}`);
}
const fmtN = (x: number) => Number(x).toLocaleString('en-US');

try {
  const t0 = performance.now();
  if (!values.reuse) await generate();

  const { rows: sizes } = await sql<{ orders: number; scores: number; recovery: number; version: string }>`
    SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM customer_scores) AS scores, (SELECT count(*) FROM recovery_scores) AS recovery,
           split_part(version(), ' on ', 1) AS version`.execute(db);
  const s = sizes[0]!;
  const fmt = (x: number) => Number(x).toLocaleString('en-US');
  console.log(`customer list benchmark: ${fmt(n)} customers, ${fmt(s.scores)} model scores, ${fmt(s.recovery)} recovery scores, ${fmt(s.orders)} orders`);
  console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${s.version} (schema ${schema}); machine: ${machine()}; ${runs} runs per query\n`);

  // Values to search for: a name prefix shared by some thousands, one e-mail, one external id.
  const someone = await db.selectFrom('customers').select(['email', 'external_id']).where('id', '=', Math.ceil(n / 2)).executeTakeFirstOrThrow();
  const cases: [string, CustomerListQueryInput][] = [
    ['first page (name asc)', {}],
    ['deep page 100 (offset 4,950, name)', { page: 100 }],
    ['filter state=lost', { state: 'lost' }],
    ['filter state=lost,sleeping + segment', { state: 'lost,sleeping', segment: 'true_friends' }],
    ['filter team=T3', { team: 'T3' }],
    ['filter employee=E9', { employee: 'E9' }],
    ['filter reason=price (incl. children)', { reason: 'price' }],
    ['filter P(alive) 0.2–0.4', { pAliveMin: 0.2, pAliveMax: 0.4 }],
    ['filter CLV ≥ 1,000.00 EUR', { clvMin: 100_000 }],
    ['filter do-not-contact', { doNotContact: true }],
    ['filter state+segment+team+dnc=false', { state: 'sleeping', segment: 'barnacles', team: 'T2', doNotContact: false }],
    ['sort p_alive desc', { sort: 'p_alive' }],
    ['sort clv desc (reporting currency)', { sort: 'clv' }],
    ['sort clv asc', { sort: 'clv', order: 'asc' }],
    ['sort expected_value desc', { sort: 'expected_value' }],
    ['sort last_order desc', { sort: 'last_order' }],
    ['sort lost_since desc', { sort: 'lost_since' }],
    ['sort state', { sort: 'state' }],
    ['sort external_id desc', { sort: 'external_id', order: 'desc' }],
    ['sort p_alive, filter state=lost', { sort: 'p_alive', state: 'lost' }],
    ['sort expected_value, filter team=T5', { sort: 'expected_value', team: 'T5' }],
    ['deep page 100, sort clv', { sort: 'clv', page: 100 }],
    ['search name prefix "anna b"', { q: 'anna b' }],
    ['search name prefix "sch" (company/name)', { q: 'sch' }],
    ['search e-mail (exact)', { q: someone.email! }],
    ['search external id', { q: someone.external_id }],
    ['search "anna" sorted by p_alive', { q: 'anna', sort: 'p_alive' }],
    ['search contains "mann" (a scan, on request)', { q: 'mann', match: 'contains' }],
  ];
  if (suites.has('basic')) {
    console.log(`${'query (limit 50, total counted up to 10,000)'.padEnd(46)} ${'median ms'.padStart(10)} ${'max ms'.padStart(8)}`);
    for (const [name, query] of cases) {
      if (only && !only.test(name)) continue;
      const first = await listCustomers(database, { limit: 50, ...query });
      const t = await time(runs, () => listCustomers(database, { limit: 50, ...query }));
      const total = first.total ? `${{ counted: '', at_least: '>', estimate: '~' }[first.total.basis]}${fmt(first.total.count)}` : '-';
      console.log(`${timingLine(name, t)}   ${first.items.length} rows, total ${total}`);
    }
    // Keyset paging deep into a sort: walk 200 pages by cursor, then time the next page.
    for (const query of [{}, { sort: 'p_alive' }, { sort: 'expected_value' }] as CustomerListQueryInput[]) {
      if (only && !only.test(`keyset page 202 (${query.sort ?? 'name'})`)) continue;
      let after = (await listCustomers(database, { limit: 50, ...query })).next;
      for (let p = 0; p < 200 && after; p++) after = (await listCustomers(database, { limit: 50, countLimit: 0, ...query, after })).next;
      const t = await time(runs, () => listCustomers(database, { limit: 50, ...query, after: after! }));
      console.log(timingLine(`keyset page 202 (${query.sort ?? 'name'})`, t));
    }
  }
  if (suites.has('matrix')) await matrix(someone.email!);
  // The CSV export's reads: every lost customer in batches of 1,000.
  if (values.export) {
    const e0 = performance.now();
    let exported = 0;
    const { batches } = await customerBatches(database, { state: 'lost', sort: 'expected_value' });
    for await (const batch of batches) exported += batch.length;
    const seconds = (performance.now() - e0) / 1000;
    console.log(`\nexport of state=lost by expected value: ${fmt(exported)} rows in ${seconds.toFixed(1)} s (${fmt(Math.round(exported / seconds))} rows/s)`);
  }
} finally {
  if (values.keep || values.reuse) {
    await database.close();
    console.log(`kept schema ${schema}`);
  } else await cleanup();
}
