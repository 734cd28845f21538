import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface RecordCounts {
  customers: number;
  contracts: number;
  orders: number;
  interactions: number;
  teams: number;
  employees: number;
}

/** How much the system of record holds — the first thing a user checks after an import. */
export async function countRecords(db: Kysely<DB>): Promise<RecordCounts> {
  const count = (table: keyof RecordCounts) =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  const [customers, contracts, orders, interactions, teams, employees] = await Promise.all([
    count('customers'),
    count('contracts'),
    count('orders'),
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
