import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DbError } from './errors.js';
import { migrate, type MigrationStatus } from './migrate.js';
import type { DB } from './schema.js';

export type Engine = 'pglite' | 'postgresql';

export interface Database {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  /** Where the data lives: the PGlite data directory, or the server URL without its password. */
  readonly location: string;
  readonly migrations: MigrationStatus;
  /** PGlite only: a snapshot of the whole database (tests start many databases from one migrated snapshot). */
  dumpPglite?: () => Promise<Blob>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite engine is used. */
  databaseUrl?: string;
  /** PGlite data directory ('memory://' for a throw-away database). */
  dataDir?: string;
  /** PostgreSQL schema to work in (created if missing); tests use one per run. */
  schema?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** PGlite only: start from a dump of another database (see dumpPglite) instead of an empty one. */
  pgliteDump?: Blob;
}

export const DEFAULT_DATA_DIR = './winback-data';

/** Reads the engine choice from the environment: DATABASE_URL selects PostgreSQL, WINBACK_DATA_DIR moves PGlite. */
export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  return env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.WINBACK_DATA_DIR ?? DEFAULT_DATA_DIR };
}

// bigint and numeric come back from pg as strings; winback's amounts are integer minor units and counts,
// both far inside 2^53, so they are read as numbers — and a value that would lose precision is an error,
// never a silent rounding.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${value} is too large to be represented exactly`);
  return n;
}
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === NUMERIC_OID) return Number;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export async function openDatabase(options: DatabaseOptions = databaseOptionsFromEnv()): Promise<Database> {
  const opened = options.databaseUrl ? await openPostgres(options.databaseUrl, options.schema) : await openPglite(options.dataDir ?? DEFAULT_DATA_DIR, options.pgliteDump);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: opened.pool }) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
    await opened.release();
  };
  try {
    const migrations = options.migrate === false ? { version: 0, applied: [] } : await migrate(db);
    return { db, engine: opened.engine, location: opened.location, migrations, close, ...(opened.dump ? { dumpPglite: opened.dump } : {}) };
  } catch (error) {
    await close();
    throw error;
  }
}

interface OpenedPool {
  pool: pg.Pool;
  engine: Engine;
  location: string;
  /** PGlite: a snapshot of the whole database, to start other databases from. */
  dump?: () => Promise<Blob>;
  /** Frees what the pool does not own; the pool itself is ended by Kysely's destroy(). */
  release(): Promise<void>;
}

async function openPostgres(url: string, schema?: string): Promise<OpenedPool> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  try {
    const client = await pool.connect();
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new DbError('connection_failed', `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`);
  }
  return { pool, engine: 'postgresql', location: redactUrl(url), release: async () => {} };
}

async function openPglite(dataDir: string, dump?: Blob): Promise<OpenedPool> {
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? dataDir : resolve(dataDir);
  const unlock = inMemory ? () => {} : lockDataDir(location);
  let lite: PGlite;
  try {
    lite = await PGlite.create(inMemory ? dataDir : location, dump ? { loadDataDir: dump } : {});
  } catch (error) {
    unlock();
    throw error;
  }
  // PGlite is one backend in this process: one connection, and the node-postgres bridge queues the rest.
  const pool = new pg.Pool({ ...(createPgConfig(lite) as unknown as pg.PoolConfig), types });
  return {
    pool,
    engine: 'pglite',
    location,
    dump: () => lite.dumpDataDir('none'),
    release: async () => {
      await lite.close();
      unlock();
    },
  };
}

/**
 * PGlite's files may be opened by one process at a time; a second writer would corrupt them. A lock file with
 * the owner's pid turns that into a clear refusal, and a lock left behind by a dead process is taken over.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockFile = resolve(dir, 'winback.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8').trim());
      if (owner && isAlive(owner)) {
        throw new DbError(
          'data_dir_locked',
          owner === process.pid
            ? `the database in ${dir} is already open in this process`
            : `the database in ${dir} is in use by process ${owner} (is \`winback serve\` running?); stop it or use the HTTP API`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new DbError('data_dir_locked', `cannot lock the database in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://(unparseable url)';
  }
}
