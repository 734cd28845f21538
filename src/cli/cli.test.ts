import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../db/engine.js';
import { csvFolder } from '../ingest/test-support/files.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const winback = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'winback-cli-'));
  dirs.push(dir);
  return dir;
};

it('`winback start` loads the demo into an empty database, serves the page with its counts, and stops cleanly on Ctrl-C', { timeout: 120_000 }, async () => {
  const dataDir = tempDir();
  const proc = spawn(process.execPath, ['--import', 'tsx', main, '--data-dir', dataDir, 'start', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.on('exit', () => reject(new Error(`winback start exited early:\n${output}`)));
  });
  expect(output).toContain('loading the demo company');
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const counts = (await (await fetch(`${url}api/v1/overview/counts`)).json()) as Record<string, number>;
  expect(counts.customers).toBe(2000);
  expect(counts.orders).toBeGreaterThan(2000);

  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  proc.kill('SIGINT');
  expect(await exited).toBe(130);
  // Closed cleanly: the data directory opens again with everything in it.
  const database = await openDatabase({ dataDir });
  const row = await database.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  expect(Number(row.n)).toBe(2000);
  await database.close();
});

it('`winback import` exits non-zero with file:line: column messages, and prints a one-line summary off a terminal', () => {
  const dataDir = tempDir();
  const files = csvFolder();
  try {
    const teams = files.write('teams.csv', ['code,name', 'north,North']);
    const ok = winback(['--data-dir', dataDir, 'import', 'teams', teams]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^teams\.csv: 1 teams rows read — 1 new, 0 updated, 0 unchanged \(.*rows\/s\)\n$/);
    const bad = files.write('employees.csv', ['code,team,role', 'E1,north,agent', 'E2,south,agent', 'E3,north,boss']);
    const failed = winback(['--data-dir', dataDir, 'import', 'employees', bad]);
    expect(failed.status).toBe(65);
    expect(failed.stderr).toContain('employees.csv:4: role: expected one of agent, executive, manager, analyst, frontline (boss)');
    const json = winback(['--data-dir', dataDir, '--json', 'import', 'employees', bad]);
    expect(JSON.parse(json.stdout).error).toMatchObject({ domain: 'import', code: 'invalid_rows' });
  } finally {
    files.remove();
  }
});
