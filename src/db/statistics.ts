/**
 * Planner statistics after bulk writes. A step that rewrites a large table (an analysis writing a score per
 * customer, a state recompute, an import) changes its size and distributions at once; until autovacuum gets round
 * to it — minutes later, or never inside a long session — PostgreSQL plans with the old numbers (an empty table's
 * "14 rows" for 600,000 scores) and picks index walks and joins that take seconds instead of milliseconds.
 * ANALYZE samples a fixed number of rows (0.1–0.5 s on a million-row table) and is allowed inside a transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export async function refreshStatistics(db: Kysely<DB>, tables: readonly (keyof DB & string)[]): Promise<void> {
  await sql`ANALYZE ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
}
