import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../db/engine.js';
import { loadDemoCompany } from '../ingest/demo/load.js';
import { refreshCustomerBase } from '../pipeline/refresh.js';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const AS_OF = new Date('2025-06-30T00:00:00Z');
const AT = '2025-07-01T12:00:00Z';
let dataDir: string;
let agents: string[];
const winback = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
const json = (...args: string[]) => {
  const r = winback('--json', ...args);
  expect(r.status, r.stderr || r.stdout).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'winback-cycle-cli-'));
  const database = await openDatabase({ dataDir });
  try {
    await loadDemoCompany(database, { customers: 300, seed: 4, asOf: AS_OF });
    await refreshCustomerBase(database, { asOf: AS_OF });
    agents = (await database.db.selectFrom('employees').select('code').where('role', '=', 'agent').orderBy('code').limit(2).execute()).map((e) => e.code);
  } finally {
    await database.close();
  }
}, 180_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('`winback cycle`, `call`, `offers` and `contact` run a rescue cycle from the terminal', { timeout: 300_000 }, () => {
  const created = winback('cycle', 'create', '--name', 'July', '--from', '2025-07-01', '--to', '2025-08-01', '--budget', '20000', '--agent', agents.join(','), '--max-targets', '30');
  expect(created.status, created.stderr).toBe(0);
  const id = /created rescue cycle (\d+)/.exec(created.stdout)![1]!;
  const started = winback('cycle', 'start', id, '--seed', '9', '--at', AT);
  expect(started.status, started.stderr).toBe(0);
  expect(started.stdout).toMatch(/30 targets, 3 held out as the control group \(seed 9/);

  const claim = json('call', 'next', '--cycle', id, '--employee', agents[0]!, '--at', AT) as { customerId: number };
  const workspace = winback('call', 'workspace', '--cycle', id, '--customer', String(claim.customerId), '--employee', agents[0]!, '--at', AT);
  expect(workspace.status, workspace.stderr).toBe(0);
  expect(workspace.stdout).toContain('apologise → listen → diagnose and verify the reason → support → offer → outcome');
  expect(workspace.stdout).toContain('a call is allowed now');
  expect(workspace.stdout).toContain('offer budget left EUR 200.00 of EUR 200.00');

  const incomplete = winback('call', 'record', '--cycle', id, '--customer', String(claim.customerId), '--employee', agents[0]!, '--outcome', 'declined', '--at', AT);
  expect(incomplete.status).toBe(65);
  expect(incomplete.stderr).toContain('apology');

  const recorded = winback(
    'call', 'record', '--cycle', id, '--customer', String(claim.customerId), '--employee', agents[0]!, '--at', AT,
    '--apology', '--explanation', 'The app kept crashing', '--reason', 'product', '--confirmed', '--offer', 'apology', '--offer-response', 'accepted',
    '--outcome', 'won_back', '--next-step', 'send the new contract',
  );
  expect(recorded.status, recorded.stderr).toBe(0);
  expect(recorded.stdout).toMatch(/call \d+ recorded: won_back; customer is now won back; target done/);

  // The second agent works the queue through every other outcome.
  const talk = ['--apology', '--explanation', 'Support never called back', '--reason', 'service', '--confirmed'];
  const outcomes: [string, string[]][] = [
    ['declined', talk],
    ['considering', [...talk, '--callback-at', '2025-07-03T12:00:00Z', '--next-step', 'call back Thursday']],
    ['unreachable', []],
    ['asked_not_to_be_contacted', talk],
  ];
  for (const [outcome, flags] of outcomes) {
    const next = json('call', 'next', '--cycle', id, '--employee', agents[1]!, '--at', AT) as { customerId: number };
    const r = winback('call', 'record', '--cycle', id, '--customer', String(next.customerId), '--employee', agents[1]!, '--at', AT, '--outcome', outcome, ...flags);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`recorded: ${outcome}`);
  }

  const shown = winback('cycle', 'show', id);
  expect(shown.stdout).toContain('contacted 4, won back 1; outcomes: ');
  for (const outcome of ['won_back 1', 'declined 1', 'considering 1', 'unreachable 1', 'asked_not_to_be_contacted 1']) expect(shown.stdout).toContain(outcome);
  expect(shown.stdout).toContain('offer budget EUR 200.00, committed EUR 0.00, left EUR 200.00');

  // The customer was contacted today: a second contact within 30 days is refused, and says why.
  const check = winback('contact', 'check', '--customer', String(claim.customerId), '--channel', 'email', '--at', '2025-07-05T12:00:00Z');
  expect(check.stdout).toMatch(/^refused: .*30 days/m);
  const letter = winback('contact', 'log', '--customer', String(claim.customerId), '--channel', 'letter', '--at', '2025-07-05T12:00:00Z');
  expect(letter.status).toBe(77);
  expect(letter.stderr).toContain('contact refused');

  const added = winback('offers', 'add', 'loyalty_credit', '--name', 'Loyalty credit', '--type', 'account_credit', '--amount', '3000', '--currency', 'EUR', '--reason', 'billing');
  expect(added.status, added.stderr).toBe(0);
  expect(added.stdout).toMatch(/loyalty_credit\s+material\s+credit EUR 30\.00\s+any\s+billing/);
  const withdrawn = winback('offers', 'set', 'loyalty_credit', '--inactive');
  expect(withdrawn.stdout).toMatch(/loyalty_credit.*no$/m);
  const bad = winback('offers', 'add', 'broken', '--name', 'x', '--type', 'discount_percent', '--percent', '150', '--months', '1');
  expect(bad.status).toBe(65);
  expect(bad.stderr).toContain('terms.percent');

  const targets = winback('cycle', 'targets', id, '--status', 'done');
  expect(targets.status, targets.stderr).toBe(0);
  expect(targets.stdout).toMatch(/\bdone\b.*Won back|\bdone\b.*won_back/);
  expect(targets.stdout).toContain('1–3 of 3');

  const closed = winback('cycle', 'close', id);
  expect(closed.stdout).toContain(`cycle ${id} July (closed)`);
});
