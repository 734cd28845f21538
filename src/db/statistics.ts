/**
 * Planner statistics and visibility after bulk writes. A step that rewrites a large table (an analysis writing a
 * score per customer, a state recompute, an import) changes its size and distributions at once; until autovacuum
 * gets round to it — minutes later, or never where it is off or busy with a larger table — PostgreSQL plans with
 * the old numbers (an empty table's "14 rows" for 600,000 scores) and picks index walks and joins that take seconds
 * instead of milliseconds. And the customer list and the reports read indexes alone (index-only scans, migrations
 * 0013 and 0016) only where the table's visibility map says a page holds no row a reader might not see: freshly
 * written pages are not marked until a VACUUM, so every probe visited the table as well (a team's losses on the
 * 1M demo: 0.6 s of customer rows instead of a scan of the team's index).
 * VACUUM (ANALYZE) does both — what the PostgreSQL manual advises after a bulk load: about a second per million
 * freshly written rows. It cannot run inside a transaction: callers run it after theirs has committed.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * The report summaries of migration 0012 and the customer list's keys of 0019, kept by triggers (read with raw SQL:
 * not in the query builder's schema).
 */
export type SummaryTable = 'loss_facts' | 'loss_days' | 'active_deltas' | 'contract_value_deltas' | 'order_revenue_months' | 'state_counts' | 'customer_list_keys';

export async function refreshStatistics(db: Kysely<DB>, tables: readonly ((keyof DB & string) | SummaryTable)[]): Promise<void> {
  await sql`VACUUM (ANALYZE) ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
}
