import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { openDatabase, type Database, type DatabaseOptions, type Engine } from '../engine.js';

/**
 * The storage suite runs against every real engine, the way kysely's own suite runs every dialect:
 * PGlite always, PostgreSQL when WINBACK_TEST_DATABASE_URL is set. Each test database is private to its
 * test (PGlite in memory; PostgreSQL in a fresh schema dropped afterwards), so runs never see each other's rows.
 */
export interface TestEngine {
  engine: Engine;
  /** Opens a new, empty, migrated database private to the caller. */
  open(options?: Pick<DatabaseOptions, 'migrate'>): Promise<TestDatabase>;
}

export interface TestDatabase extends Database {
  /** Options that reopen this same database (after close), e.g. from a child process. */
  reopenOptions: DatabaseOptions;
  /** Closes and deletes the database. */
  dispose(): Promise<void>;
}

const postgresUrl = process.env.WINBACK_TEST_DATABASE_URL;

export const testEngines: TestEngine[] = [
  {
    engine: 'pglite',
    async open(options) {
      const reopenOptions = { dataDir: 'memory://' };
      // Creating a PGlite database runs initdb (seconds); a migrated snapshot made once per worker loads in a fraction.
      const pgliteDump = options?.migrate === false ? undefined : await migratedPgliteSnapshot();
      const database = await openDatabase({ ...reopenOptions, ...options, ...(pgliteDump ? { pgliteDump } : {}) });
      return Object.assign(database, { reopenOptions, dispose: () => database.close() });
    },
  },
  ...(postgresUrl
    ? [
        {
          engine: 'postgresql' as const,
          async open(options?: Pick<DatabaseOptions, 'migrate'>) {
            const schema = uniqueSchemaName();
            const reopenOptions = { databaseUrl: postgresUrl, schema };
            const database = await openDatabase({ ...reopenOptions, ...options });
            return Object.assign(database, {
              reopenOptions,
              dispose: async () => {
                await database.close();
                await dropSchema(postgresUrl, schema);
              },
            });
          },
        },
      ]
    : []),
];

/** Defines the same suite once per engine: `describeEachEngine('imports', (engine) => { ... })`. */
export function describeEachEngine(name: string, suite: (engine: TestEngine) => void): void {
  for (const engine of testEngines) describe(`${name} [${engine.engine}]`, () => suite(engine));
}

let snapshot: Promise<Blob> | undefined;
function migratedPgliteSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const template = await openDatabase({ dataDir: 'memory://' });
    try {
      return await template.dumpPglite!();
    } finally {
      await template.close();
    }
  })();
  return snapshot;
}

export function uniqueSchemaName(): string {
  return `wb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
