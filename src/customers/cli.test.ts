import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../db/engine.js';
import { loadDemo } from './test-support/demo.js';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
let dataDir: string;
const winback = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'winback-customers-cli-'));
  const database = await openDatabase({ dataDir });
  try {
    await loadDemo(database, 150);
  } finally {
    await database.close();
  }
}, 180_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('`winback customers` lists and exports the same customers, shows a profile, sets do-not-contact, and exits 66 on an unknown id', { timeout: 300_000 }, () => {
  const listed = winback('--json', 'customers', 'list', '--state', 'lost,sleeping', '--sort', 'expected_value', '--limit', '1000');
  expect(listed.status, listed.stderr).toBe(0);
  const list = JSON.parse(listed.stdout) as { items: { id: number; externalId: string; doNotContact: boolean }[]; total: { count: number; exact: boolean } };
  expect(list.items.length).toBeGreaterThan(0);
  expect(list.total).toEqual({ count: list.items.length, exact: true, basis: 'counted' });

  const out = join(dataDir, 'lost.csv');
  const exported = winback('customers', 'list', '--state', 'lost,sleeping', '--sort', 'expected_value', '--format', 'csv', '--out', out);
  expect(exported.status, exported.stderr).toBe(0);
  expect(exported.stdout).toContain(`${list.items.length} customers written to ${out}`);
  const records = parse(readFileSync(out, 'utf8'), { columns: true }) as { id: string; external_id: string }[];
  expect(records.map((r) => Number(r.id))).toEqual(list.items.map((i) => i.id));

  const someone = list.items.find((i) => !i.doNotContact)!;
  const table = winback('customers', 'list', '-q', someone.externalId);
  expect(table.stdout).toMatch(new RegExp(`^${someone.id}\\s+${someone.externalId}\\s`, 'm'));
  expect(table.stdout).toContain('1 customer; page 1, sorted by name asc');

  const prefs = winback('customers', 'prefs', String(someone.id), '--do-not-contact', '--source', 'asked on the phone', '--at', '2025-07-01', '--channels', 'email,letter');
  expect(prefs.status, prefs.stderr).toBe(0);
  expect(prefs.stdout).toContain('do not contact (since 2025-07-01, asked on the phone)');
  expect(prefs.stdout).toContain('channels: email, letter');

  const shown = winback('customers', 'show', String(someone.id));
  expect(shown.status, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`(${someone.externalId}, id ${someone.id})`);
  expect(shown.stdout).toMatch(/State: (lost|sleeping) since \d{4}-\d{2}-\d{2}/);
  expect(shown.stdout).toContain('do not contact (since 2025-07-01, asked on the phone)');

  const missing = winback('customers', 'show', '987654321');
  expect(missing.status).toBe(66);
  expect(missing.stderr).toContain('no customer with id 987654321');
  const both = winback('customers', 'prefs', String(someone.id), '--do-not-contact', '--allow-contact');
  expect(both.status).toBe(65);
});
