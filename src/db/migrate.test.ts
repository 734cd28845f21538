import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from './engine.js';
import { loadMigrations, migrate } from './migrate.js';
import { describeEachEngine, type TestDatabase } from './test-support/engines.js';

async function schemaFingerprint(database: TestDatabase): Promise<unknown[]> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
    SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`.execute(database.db);
  return rows;
}

describeEachEngine('migrations', (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it('applies every migration on a new database and records it', async () => {
    database = await engine.open({ migrate: false });
    const shipped = loadMigrations();
    const status = await migrate(database.db);
    expect(status.applied).toEqual(shipped.map((m) => m.version));
    expect(status.version).toBe(shipped.at(-1)!.version);
    const recorded = await database.db.selectFrom('winback_migrations').select(['version', 'checksum']).orderBy('version').execute();
    expect(recorded).toEqual(shipped.map((m) => ({ version: m.version, checksum: m.checksum })));
  });

  it('running the migrations twice is the same as once', async () => {
    database = await engine.open();
    const before = await schemaFingerprint(database);
    const again = await migrate(database.db);
    expect(again.applied).toEqual([]);
    expect(again.version).toBe(database.migrations.version);
    expect(await schemaFingerprint(database)).toEqual(before);
    expect(await database.db.selectFrom('reasons').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({
      n: 19,
    });
  });

  it('refuses a database migrated by newer code, naming both versions', async () => {
    database = await engine.open();
    await database.db.insertInto('winback_migrations').values({ version: 9999, name: 'from_the_future', checksum: 'x' }).execute();
    await expect(migrate(database.db)).rejects.toMatchObject({
      code: 'database_newer_than_code',
      message: expect.stringMatching(/schema version 9999 \(from_the_future\).*only knows up to \d+/),
    });
  });

  it('refuses when an applied migration file was edited', async () => {
    database = await engine.open();
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
    await expect(migrate(database.db, edited)).rejects.toMatchObject({ code: 'migration_changed' });
  });

  it('a failing migration leaves the schema as it was', async () => {
    database = await engine.open();
    const before = await schemaFingerprint(database);
    const broken = [
      ...loadMigrations(),
      { version: 9000, name: 'broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();', checksum: 'b' },
    ];
    await expect(migrate(database.db, broken)).rejects.toThrow(/no_such_function/);
    expect(await schemaFingerprint(database)).toEqual(before);
  });
});

it('PGlite data survives closing and reopening the data directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winback-pglite-'));
  try {
    const first = await openDatabase({ dataDir: dir });
    await first.db.insertInto('teams').values({ code: 'north', name: 'North' }).execute();
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    expect(second.migrations.applied).toEqual([]);
    expect(await second.db.selectFrom('teams').select(['code', 'name']).execute()).toEqual([{ code: 'north', name: 'North' }]);
    await expect(openDatabase({ dataDir: dir })).rejects.toMatchObject({ code: 'data_dir_locked' });
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
