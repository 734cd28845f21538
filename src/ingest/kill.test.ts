import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase, type DatabaseOptions } from '../db/engine.js';
import { testEngines } from '../db/test-support/engines.js';
import { importFile } from './importer.js';
import { basicCompany, csvFolder } from './test-support/files.js';

const child = fileURLToPath(new URL('./test-support/import-child.ts', import.meta.url));

/** Starts an import in another process and SIGKILLs it once it has staged thousands of rows. */
function importAndKill(options: DatabaseOptions, file: string): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(options), file, 'orders'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('under way')) proc.kill('SIGKILL');
    });
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', output }));
  });
}

const counts = async (options: DatabaseOptions) => {
  const database = await openDatabase(options);
  try {
    const { rows } = await sql<{ orders: number; imports: number }>`
      SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM imports)::int AS imports`.execute(database.db);
    return rows[0];
  } finally {
    await database.close();
  }
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

for (const engine of testEngines) {
  it(`a killed import leaves the database as it was before [${engine.engine}]`, { timeout: 180_000 }, async () => {
    const files = csvFolder();
    cleanups.push(files.remove);
    const big = ['customer_id,occurred_at,amount,currency'];
    for (let i = 0; i < 200_000; i++) big.push(`C${(i % 3) + 1},2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z,${i}.00,EUR`);
    const bigFile = files.write('big-orders.csv', big);

    let options: DatabaseOptions;
    if (engine.engine === 'pglite') {
      // The embedded engine must survive a kill on disk, so this one uses a real data directory.
      const dir = mkdtempSync(join(tmpdir(), 'winback-kill-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      options = { dataDir: dir };
      const database = await openDatabase(options);
      for (const entity of ['teams', 'employees', 'customers', 'orders'] as const) {
        await importFile(database, files.write(`${entity}.csv`, basicCompany[entity]), { entity });
      }
      await database.close();
    } else {
      const database = await engine.open();
      cleanups.push(() => database.dispose());
      for (const entity of ['teams', 'employees', 'customers', 'orders'] as const) {
        await importFile(database, files.write(`${entity}.csv`, basicCompany[entity]), { entity });
      }
      options = database.reopenOptions;
    }

    const before = await counts(options);
    const { killed, output } = await importAndKill(options, bigFile);
    expect(killed, output).toBe(true);
    expect(output).not.toContain('finished');
    expect(await counts(options)).toEqual(before);
  });
}
