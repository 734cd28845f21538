import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { DbError } from './errors.js';
import type { DB } from './schema.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  /** The schema version after migrating: the highest applied migration. */
  version: number;
  /** Versions applied by this call (empty when the database was already current). */
  applied: number[];
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations shipped with this code, in order: plain SQL files named NNNN_name.sql. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => FILE_PATTERN.test(file))
    .sort()
    .map((file) => {
      const [, version, name] = FILE_PATTERN.exec(file)!;
      const text = readFileSync(`${dir}/${file}`, 'utf8');
      return { version: Number(version), name: name!, sql: text, checksum: createHash('sha256').update(text).digest('hex') };
    });
}

/**
 * Brings the database to the code's schema version. All pending migrations run in one transaction under an
 * advisory lock, so two processes starting at once apply them once, and a failure leaves the schema as it was.
 * A database migrated by newer code, or whose applied migrations differ from the files, is refused.
 */
export async function migrate(db: Kysely<DB>, migrations: Migration[] = loadMigrations()): Promise<MigrationStatus> {
  return db.transaction().execute(async (trx) => {
    // The lock is per schema, so parallel test runs in their own schemas do not wait for each other.
    await sql`SELECT pg_advisory_xact_lock(hashtext('winback_migrations:' || current_schema()))`.execute(trx);
    await sql`
      CREATE TABLE IF NOT EXISTS winback_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`.execute(trx);
    const applied = await trx.selectFrom('winback_migrations').selectAll().orderBy('version').execute();
    const known = new Map(migrations.map((m) => [m.version, m]));
    const latestKnown = migrations.at(-1)?.version ?? 0;

    for (const row of applied) {
      const migration = known.get(row.version);
      if (!migration) {
        const latestApplied = applied.at(-1)!;
        throw new DbError(
          'database_newer_than_code',
          `the database is at schema version ${latestApplied.version} (${latestApplied.name}) but this winback only knows up to ${latestKnown}: upgrade winback before using this database`,
        );
      }
      if (migration.checksum !== row.checksum) {
        throw new DbError(
          'migration_changed',
          `migration ${String(row.version).padStart(4, '0')}_${row.name} was changed after it was applied to this database; restore the original file and add a new migration instead`,
        );
      }
    }

    const appliedVersions = new Set(applied.map((row) => row.version));
    const pending = migrations.filter((m) => !appliedVersions.has(m.version));
    for (const migration of pending) {
      await sql.raw(migration.sql).execute(trx);
      await trx
        .insertInto('winback_migrations')
        .values({ version: migration.version, name: migration.name, checksum: migration.checksum })
        .execute();
    }
    const version = Math.max(0, ...applied.map((row) => row.version), ...pending.map((m) => m.version));
    return { version, applied: pending.map((m) => m.version) };
  });
}
