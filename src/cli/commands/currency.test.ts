import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { dropSchema, uniqueSchemaName } from '../../db/test-support/engines.js';
import { failWith } from '../context.js';
import { registerAnalyse } from './analyse.js';
import { registerCurrency } from './currency.js';

/*
 * The commands in-process, as main.ts wires them: same global options, errors through failWith (the exit code a
 * shell sees). Every command opens the database anew, as from a shell: on PostgreSQL (a private schema) when
 * WINBACK_TEST_DATABASE_URL is set, which opens in milliseconds, else in an embedded data directory.
 */
const postgresUrl = process.env.WINBACK_TEST_DATABASE_URL;
let target: string[];
let cleanup: () => Promise<void>;
beforeAll(async () => {
  if (postgresUrl) {
    const schema = uniqueSchemaName();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    target = ['--database-url', url.toString()];
    cleanup = () => dropSchema(postgresUrl, schema);
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'winback-cli-currency-'));
    target = ['--data-dir', dataDir];
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
  }
});
afterAll(() => cleanup());

async function winback(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command().option('--data-dir <dir>').option('--database-url <url>').option('--json').exitOverride();
  registerAnalyse(program);
  registerCurrency(program);
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += parts.join(' ') + '\n'));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'winback', ...target, ...args]);
  } catch (error) {
    failWith(error, args.includes('--json'));
  } finally {
    log.mockRestore();
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, err, code };
}

it('shows and changes the reporting currency and rates, saying when changes apply', { timeout: 120_000 }, async () => {
  const show = await winback('currency', 'show');
  expect(show.code, show.err).toBe(0);
  expect(show.out).toContain('reporting currency: EUR');
  expect(show.out).toMatch(/1 GBP = 1\.17 EUR\s+set \S+ \S+ by migration 0006/);

  const rate = await winback('currency', 'set-rate', 'sek', '0.0870', '--by', 'ana');
  expect(rate.out).toBe(
    '1 SEK = 0.087 EUR (new)\ntakes effect at the next recovery scoring (`winback recovery score`, `winback analyze`) and the next loss report; stored scores keep the rate they were computed with\n',
  );
  expect((await winback('currency', 'set-rate', 'SEK', '0.09')).out).toContain('1 SEK = 0.09 EUR (was 0.087)');

  const reporting = await winback('currency', 'set-reporting', 'CHF', '--by', 'ana');
  expect(reporting.code, reporting.err).toBe(0);
  expect(reporting.out).toContain('reporting currency: EUR → CHF; rates now:');
  expect(reporting.out).toMatch(/1 EUR = 0\.934579439252 CHF\s+set .* by ana/);
  expect(reporting.out).toContain('takes effect at the next recovery scoring');
  const json = JSON.parse((await winback('--json', 'currency', 'show')).out);
  expect(json).toMatchObject({ reportingCurrency: 'CHF', updatedBy: 'ana' });

  const refused = await winback('currency', 'set-reporting', 'NOK');
  expect(refused.code).toBe(65);
  expect(refused.err).toContain('winback: no exchange rate for NOK');
  const badRate = await winback('currency', 'set-rate', 'GBP', '1,17');
  expect(badRate.code).toBe(65);
  expect(badRate.err).toContain('rate: not a decimal amount');
});

it('lists and sets the priors and costs of recovery scoring', { timeout: 120_000 }, async () => {
  const set = await winback('recovery', 'priors', 'set', '--segment', 'true_friends', '--reason', 'price', '--rate', '0.2', '--weight', '20', '--rationale', 'loyal');
  expect(set.code, set.err).toBe(0);
  expect(set.out).toBe('prior true_friends × price: Beta(4, 16) — mean 20.0%, weighs as 20 attempts\napplies from the next scoring (winback recovery score)\n');
  const list = await winback('recovery', 'priors', 'list');
  expect(list.out).toMatch(/^true_friends\s+price\s+4\s+16\s+20\.0%\s+20\s+loyal$/m);
  expect(list.out).toMatch(/^any\s+any\s+2\s+18\s+10\.0%\s+20\s+Any lost customer/m);
  const direct = JSON.parse((await winback('--json', 'recovery', 'priors', 'set', '--reason', 'relocation', '--alpha', '0.5', '--beta', '19.5')).out);
  expect(direct).toMatchObject({ segment: null, reasonCode: 'relocation', alpha: 0.5, beta: 19.5, mean: 0.025 });

  const unknownReason = await winback('recovery', 'priors', 'set', '--reason', 'weather', '--alpha', '1', '--beta', '2');
  expect(unknownReason.code).toBe(65);
  expect(unknownReason.err).toContain('no reason code "weather" in the catalogue');
  const unknownSegment = await winback('--json', 'recovery', 'priors', 'set', '--segment', 'vip', '--alpha', '1', '--beta', '2');
  expect(unknownSegment.code).toBe(65);
  expect(JSON.parse(unknownSegment.out).error).toMatchObject({ domain: 'analyse', code: 'invalid_options', message: expect.stringContaining('unknown segment') });

  const cost = await winback('recovery', 'costs', 'set', '--measure', 'agent_call', '--currency', 'eur', '--amount', '12.50');
  expect(cost.out).toBe('cost of agent_call in EUR: 12.50 EUR\napplies from the next scoring (winback recovery score --measure agent_call)\n');
  const costs = JSON.parse((await winback('--json', 'recovery', 'costs', 'list')).out) as { measure: string; currency: string; amount: number }[];
  expect(costs.find((c) => c.measure === 'agent_call' && c.currency === 'EUR')!.amount).toBe(1250);
  expect((await winback('recovery', 'costs', 'list')).out).toMatch(/^agent_call\s+12\.50 EUR/m);
  const rounded = await winback('recovery', 'costs', 'set', '--measure', 'agent_call', '--currency', 'EUR', '--amount', '12.505');
  expect(rounded.code).toBe(65);
  expect(rounded.err).toContain('amount: has 3 decimal places but EUR has 2; winback does not round money');
});
