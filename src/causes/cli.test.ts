import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../db/engine.js';
import { loadCompany, PERIOD, recordCalls } from './test-support/company.js';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
let dataDir: string;
const winback = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'winback-causes-cli-'));
  const database = await openDatabase({ dataDir });
  try {
    await recordCalls(database, await loadCompany(database));
  } finally {
    await database.close();
  }
}, 120_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('`winback causes` prints the Pareto and a team lead\'s feedback, records root-cause items, and exits 65 on an unknown reason', { timeout: 300_000 }, () => {
  const period = ['--from', PERIOD.from, '--to', PERIOD.to];
  const added = winback('--json', 'causes', 'items', 'add', 'Callbacks are not scheduled', '--owner', 'E1', '--reason', 'service.slow_response', '--customer', 'C1', '--customer', 'C3');
  expect(added.status, added.stderr).toBe(0);
  const item = JSON.parse(added.stdout) as { id: number; customerCount: number };
  expect(item.customerCount).toBe(2);

  const pareto = winback('causes', 'pareto', ...period, '--level', '1');
  expect(pareto.status, pareto.stderr).toBe(0);
  expect(pareto.stdout).toContain('All currencies in EUR: 7 customers, revenue lost EUR 8,143.20');
  expect(pareto.stdout).toContain('converted into EUR at the current rates: 1 GBP = 1.17 EUR');
  expect(pareto.stdout).toMatch(new RegExp(`1\\s+service\\s+Service\\s+3\\s+0\\s+4,200\\.00\\s+51\\.6%\\s+51\\.6%\\s+#${item.id} Callbacks are not scheduled \\(open, E1\\)`));
  expect(pareto.stdout).toContain('EUR: 6 customers, revenue lost EUR 7,020.00');

  const feedback = winback('causes', 'feedback', '--team', 'north', ...period);
  expect(feedback.status, feedback.stderr).toBe(0);
  expect(feedback.stdout).toContain('Customers lost — team north (North)');
  expect(feedback.stdout).toContain('5 customers left: 4 lost, 1 fell asleep (company: 7)');
  expect(feedback.stdout).toContain('2025-03-31  Beta AG (C2)  lost  EUR 2,400.00  served by Anna Berg (E1)');
  expect(feedback.stdout).toContain('reason: service.unresolved_complaint — Unresolved complaint (verified by a recovery call; before: price.too_expensive, mapped from the cancellation text)');

  const csv = join(dataDir, 'trends.csv');
  const trends = winback('causes', 'trends', ...period, '--by', 'quarter', '--out', csv);
  expect(trends.status, trends.stderr).toBe(0);
  expect(readFileSync(csv, 'utf8')).toContain('2025-Q1,2025-01-01,price.too_expensive,Too expensive,GBP,1,1,0,960.00,1123.20');

  const updated = winback('causes', 'items', 'update', String(item.id), '--status', 'in_progress', '--by', 'E1', '--note', 'reminders in the CRM');
  expect(updated.status, updated.stderr).toBe(0);
  expect(updated.stdout).toContain('open → in progress by E1: reminders in the CRM');

  const bad = winback('causes', 'items', 'link', String(item.id), '--reason', 'weather');
  expect(bad.status).toBe(65);
  expect(bad.stderr).toContain('no reason "weather" in the catalogue');
});
