/**
 * Shared set-up of the list benchmarks (bench/recovery-list.ts, bench/customers.ts): a fresh PostgreSQL schema,
 * a large synthetic customer base written by INSERT … SELECT over generate_series (a million customers in
 * seconds, far faster than the importer, which bench:import measures), and median timing.
 */
import { cpus, totalmem } from 'node:os';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/engine.js';
import { dropSchema, uniqueSchemaName } from '../src/db/test-support/engines.js';

export const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** WINBACK_BENCH_DATABASE_URL, DATABASE_URL, or the local test server. */
export function benchUrl(explicit?: string): string {
  return explicit ?? process.env.WINBACK_BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_BENCH_URL;
}

/** A migrated database in a schema of its own, and the cleanup that drops it. */
export async function freshPostgres(url: string): Promise<{ database: Database; schema: string; cleanup: () => Promise<void> }> {
  const schema = uniqueSchemaName();
  const database = await openDatabase({ databaseUrl: url, schema });
  return {
    database,
    schema,
    cleanup: async () => {
      await database.close();
      await dropSchema(url, schema);
    },
  };
}

/** A schema kept by an earlier run (`--keep`), opened as it is. */
export async function reusePostgres(url: string, schema: string): Promise<{ database: Database; schema: string; cleanup: () => Promise<void> }> {
  const database = await openDatabase({ databaseUrl: url, schema });
  return { database, schema, cleanup: () => dropSchema(url, schema).then(() => database.close()) };
}

export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

const FIRST = ['Anna', 'Ben', 'Cara', 'David', 'Eva', 'Felix', 'Greta', 'Hanna', 'Ivan', 'Jana', 'Karl', 'Lena', 'Marc', 'Nina', 'Otto', 'Paula', 'Quirin', 'Rosa', 'Sven', 'Tina', 'Uwe', 'Vera', 'Wim', 'Xenia', 'Yusuf', 'Zoe'];
const LAST = ['Berg', 'Cole', 'Diaz', 'Engel', 'Fischer', 'Graf', 'Huber', 'Jung', 'Keller', 'Lang', 'Meyer', 'Neumann', 'Otto', 'Peters', 'Richter', 'Schmidt', 'Schulz', 'Vogel', 'Wagner', 'Weber', 'Wolf', 'Zimmer'];
const LEGAL = ['GmbH', 'AG', 'KG', 'Ltd', 'SE', 'UG'];

/**
 * N customers in 8 teams (with 4 employees each): names, companies and e-mail addresses built from the lists
 * above and the row number (so a name prefix matches some thousands, an e-mail or external id exactly one), in
 * five currencies with a rate and 1 % in SEK without one.
 */
export async function generateCustomers(database: Database, n: number): Promise<void> {
  const db = database.db;
  await sql`INSERT INTO teams (code, name) SELECT 'T' || g, 'Team ' || g FROM generate_series(1, 8) g`.execute(db);
  await sql`INSERT INTO employees (code, name, team_id, role)
            SELECT 'E' || g, 'Employee ' || g, 1 + (g - 1) / 4, 'frontline' FROM generate_series(1, 32) g`.execute(db);
  await sql`
    INSERT INTO customers (external_id, name, email, company, country, currency, team_id, employee_id)
    SELECT 'C' || lpad(g::text, 7, '0'), f || ' ' || l, lower(f || '.' || l || '.' || g) || '@example.com',
           l || ' ' || (${sql.val(LEGAL)}::text[])[1 + g % ${LEGAL.length}], (ARRAY['DE','AT','CH','GB','US','PL'])[1 + g % 6],
           CASE WHEN r < 0.01 THEN 'SEK' ELSE (ARRAY['EUR','EUR','EUR','EUR','GBP','CHF','USD','PLN'])[1 + floor(random() * 8)::int] END,
           t, (t - 1) * 4 + 1 + floor(random() * 4)::int
    FROM (SELECT g, random() AS r, 1 + floor(random() * 8)::int AS t,
                 (${sql.val(FIRST)}::text[])[1 + floor(random() * ${FIRST.length})::int] AS f,
                 (${sql.val(LAST)}::text[])[1 + floor(random() * ${LAST.length})::int] AS l
          FROM generate_series(1, ${n}::int) g) x`.execute(db);
}

/**
 * Recovery scores as a scoring run writes them (src/analyse/recovery.ts), converted into EUR at the seeded rates
 * (SEK has none: no reporting value, listed last). `from`: every customer with a random lost/sleeping state, or
 * the lost and sleeping customers of customer_states.
 */
export async function generateRecoveryScores(database: Database, from: 'all customers' | 'customer_states'): Promise<void> {
  const targets =
    from === 'all customers'
      ? sql`SELECT c.id, c.team_id, c.currency, CASE WHEN random() < 0.4 THEN 'lost' ELSE 'sleeping' END AS state,
                   '2025-01-01'::timestamptz - (random() * 1000)::int * interval '1 day' AS since
            FROM customers c`
      : sql`SELECT c.id, c.team_id, c.currency, s.state, s.entered_at AS since
            FROM customer_states s JOIN customers c ON c.id = s.customer_id WHERE s.state IN ('lost', 'sleeping')`;
  await sql`
    INSERT INTO recovery_scores (customer_id, as_of, state, state_since, segment, reason_code, team_id, currency, measure,
                                 p_recovery, value_if_recovered, cost, expected_value, explanation,
                                 reporting_currency, exchange_rate, value_if_recovered_reporting, cost_reporting, expected_value_reporting)
    SELECT id, '2025-01-01', state, since,
           (ARRAY['true_friends','butterflies','barnacles','strangers'])[1 + floor(random() * 4)::int],
           (ARRAY['price.too_expensive','price','service.poor_support','relocation','unknown','billing.error','competitor.switched'])[1 + floor(random() * 7)::int],
           team_id, currency, 'agent_call', p, v, 1500, round(p * v)::bigint - 1500,
           jsonb_build_object('pRecovery', jsonb_build_object('value', p), 'valueIfRecovered', jsonb_build_object('value', v, 'method', 'contract'),
                              'cost', jsonb_build_object('amount', 1500, 'measure', 'agent_call')),
           'EUR', rate, round(v * rate)::bigint, round(1500 * rate)::bigint, round((round(p * v)::bigint - 1500) * rate)::bigint
    FROM (SELECT t.*, 0.01 + random() * 0.4 AS p, (random() ^ 3 * 500000)::bigint AS v, x.rate
          FROM (${targets}) t LEFT JOIN (SELECT currency::text, rate FROM exchange_rates UNION ALL SELECT 'EUR', 1) x ON x.currency = t.currency) y`.execute(database.db);
}

export interface Timing {
  median: number;
  max: number;
}

/** Runs `fn` `runs` times; the median and the worst in milliseconds. */
export async function time(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, max: times.at(-1)! };
}

export function timingLine(name: string, t: Timing, width = 46): string {
  return `${name.padEnd(width)} ${t.median.toFixed(1).padStart(10)} ${t.max.toFixed(1).padStart(8)}`;
}
