/**
 * PostgreSQL settings for the statements of one transaction (set_config(…, true): they end with it), so a step can
 * give its own statements what they need — memory for a large sort, no parallel workers or JIT for short queries, a
 * timeout — without changing the session the pool hands to the next caller.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from './schema.js';

export interface LocalSettings {
  /** Memory per sort or hash before it spills to disk, e.g. '64MB'. */
  work_mem?: string;
  max_parallel_workers_per_gather?: number;
  jit?: 'on' | 'off';
  /** Milliseconds; 0: none. */
  statement_timeout?: number;
}

export async function applyLocalSettings(trx: Kysely<DB> | Transaction<DB>, settings: LocalSettings): Promise<void> {
  const entries = Object.entries(settings).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return;
  await sql`SELECT ${sql.join(entries.map(([name, value]) => sql`set_config(${name}, ${String(value)}, true)`))}`.execute(trx);
}

/**
 * Runs `work` with `settings` in a transaction of its own, or in the caller's transaction when `db` is one (where the
 * settings then hold until it ends).
 */
export async function withLocalSettings<T>(db: Kysely<DB> | Transaction<DB>, settings: LocalSettings, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) {
    await applyLocalSettings(db, settings);
    return work(db);
  }
  return db.transaction().execute(async (trx) => {
    await applyLocalSettings(trx, settings);
    return work(trx);
  });
}

/** The rows of one statement, run with `settings` (withLocalSettings). */
export function rowsWithSettings<R>(db: Kysely<DB> | Transaction<DB>, settings: LocalSettings, statement: RawBuilder<R>): Promise<R[]> {
  return withLocalSettings(db, settings, async (trx) => (await statement.execute(trx)).rows);
}
