import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface RecordCounts {
  customers: number;
  contracts: number;
  orders: number;
  interactions: number;
  teams: number;
  employees: number;
}

/**
 * How much the system of record holds — the first thing a user checks after an import. Exact. The orders are the
 * sum of their monthly summary (migration 0012, kept by triggers): counting five million rows took a second.
 */
export async function countRecords(db: Kysely<DB>): Promise<RecordCounts> {
  const countOrders = () =>
    sql<{ n: string }>`SELECT coalesce(sum(orders), 0)::text AS n FROM order_revenue_months`.execute(db).then((r) => Number(r.rows[0]?.n ?? 0));
  const count = (table: Exclude<keyof RecordCounts, 'orders'>) =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  const [customers, contracts, orders, interactions, teams, employees] = await Promise.all([
    count('customers'),
    count('contracts'),
    countOrders(),
    count('interactions'),
    count('teams'),
    count('employees'),
  ]);
  return { customers, contracts, orders, interactions, teams, employees };
}

export interface ImportLogEntry {
  id: number;
  entity: string;
  fileName: string;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  finishedAt: Date;
}

export async function recentImports(db: Kysely<DB>, limit = 20): Promise<ImportLogEntry[]> {
  const rows = await db.selectFrom('imports').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    entity: r.entity,
    fileName: r.file_name,
    rowsRead: r.rows_read,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    rejected: r.rejected,
    finishedAt: r.finished_at,
  }));
}
