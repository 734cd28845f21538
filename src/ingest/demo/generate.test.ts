import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HEADERS, generateDemoCompany, type DemoFiles } from './generate.js';
import { REASON_CODES, demoReasonPhrases } from './reasons.js';

const AS_OF = new Date('2025-06-30T12:00:00Z');
const DAY_MS = 86_400_000;
const FILE_KEYS = Object.keys(DEMO_HEADERS) as (keyof DemoFiles)[];

type Row = Record<string, string>;
type Tables = Record<keyof DemoFiles, Row[]>;

const scratch: string[] = [];
async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'winback-demo-'));
  scratch.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function readTables(files: DemoFiles): Promise<Tables> {
  const tables = {} as Tables;
  for (const key of FILE_KEYS) {
    const text = await readFile(files[key], 'utf8');
    const records = parse(text, { columns: false, skip_empty_lines: true }) as string[][];
    expect(records[0]).toEqual(DEMO_HEADERS[key]);
    const header = records[0] as string[];
    tables[key] = records.slice(1).map((fields) => {
      expect(fields).toHaveLength(header.length);
      return Object.fromEntries(header.map((name, i) => [name, fields[i] as string]));
    });
  }
  return tables;
}

const instant = (text: string): number => Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
const share = (part: number, whole: number): number => part / whole;

describe('generateDemoCompany at the default size', () => {
  let files: DemoFiles;
  let counts: Record<keyof DemoFiles, number>;
  let t: Tables;

  beforeAll(async () => {
    ({ files, counts } = await generateDemoCompany({ customers: 2000, seed: 7, asOf: AS_OF, outDir: await scratchDir() }));
    t = await readTables(files);
  });

  it('reports the rows it wrote and writes RFC 4180 CSV that parses back', () => {
    for (const key of FILE_KEYS) expect(counts[key]).toBe(t[key].length);
    expect(t.customers).toHaveLength(2000);
    // Quoting is exercised: company names with commas, and multi-line reasons, survive.
    expect(t.customers.some((c) => c.company.includes(','))).toBe(true);
    expect(t.contracts.some((k) => k.cancellation_reason.includes('\n'))).toBe(true);
  });

  it('has the organisation the product expects', () => {
    expect(t.teams.length).toBeGreaterThanOrEqual(4);
    expect(t.teams.length).toBeLessThanOrEqual(6);
    expect(t.teams.map((team) => team.name)).toContain('Retention');
    expect(t.employees.length).toBeGreaterThanOrEqual(25);
    const roles = t.employees.map((e) => e.role);
    expect(roles.filter((r) => r === 'executive').length).toBeGreaterThanOrEqual(3);
    expect(roles.filter((r) => r === 'executive').length).toBeLessThanOrEqual(4);
    const retention = t.teams.find((team) => team.name === 'Retention')?.code;
    const agents = t.employees.filter((e) => e.role === 'agent');
    expect(agents.length).toBeGreaterThan(0);
    expect(agents.every((a) => a.team === retention)).toBe(true);
    expect(new Set(roles)).toEqual(new Set(['agent', 'executive', 'manager', 'frontline']));
  });

  it('keeps every reference inside the files and every id unique', () => {
    const teams = new Set(t.teams.map((x) => x.code));
    const employees = new Set(t.employees.map((x) => x.code));
    const customers = new Set(t.customers.map((x) => x.external_id));
    expect(customers.size).toBe(t.customers.length);
    // Collected rather than asserted row by row: one expect per row is slow at this size.
    const dangling: string[] = [];
    const mustExist = (known: Set<string>, value: string, what: string): void => {
      if (value !== '' && !known.has(value)) dangling.push(`${what} ${value}`);
    };
    for (const e of t.employees) mustExist(teams, e.team, 'team');
    for (const c of t.customers) {
      mustExist(teams, c.team, 'team');
      mustExist(employees, c.employee, 'employee');
      expect(c.team).not.toBe('');
    }
    for (const key of ['contracts', 'orders', 'interactions', 'preferences'] as const) {
      for (const row of t[key]) mustExist(customers, row.customer_id as string, 'customer');
    }
    for (const i of t.interactions) mustExist(employees, i.handled_by as string, 'employee');
    for (const p of t.preferences) mustExist(employees, p.preferred_employee as string, 'employee');
    expect(dangling).toEqual([]);
    for (const key of ['contracts', 'orders', 'interactions'] as const) {
      const ids = t[key].map((row) => row.external_id).filter(Boolean);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(new Set(t.preferences.map((p) => p.customer_id)).size).toBe(t.preferences.length);
  });

  it('dates nothing after asOf or before the start of the history, in the documented formats', () => {
    const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    const date = /^\d{4}-\d\d-\d\d$/;
    const start = AS_OF.getTime() - 4 * 365.25 * DAY_MS;
    const asOfDay = Math.floor(AS_OF.getTime() / DAY_MS) * DAY_MS;
    const bad: string[] = [];
    const check = (value: string, format: RegExp): void => {
      if (value === '') return;
      const at = instant(value);
      const latest = format === date ? asOfDay : AS_OF.getTime();
      const earliest = format === date ? Math.floor(start / DAY_MS) * DAY_MS : start;
      if (!format.test(value) || !(at <= latest && at >= earliest)) bad.push(value);
    };
    for (const c of t.customers) check(c.acquired_at, timestamp);
    for (const o of t.orders) check(o.occurred_at, timestamp);
    for (const i of t.interactions) check(i.occurred_at, timestamp);
    for (const k of t.contracts) for (const f of ['started_at', 'ends_at', 'cancelled_at']) check(k[f] as string, date);
    for (const p of t.preferences) check(p.do_not_contact_at, date);
    expect(bad).toEqual([]);
  });

  it('writes money as decimals with two places and keeps contracts consistent', () => {
    const money = /^\d+\.\d\d$/;
    const badOrders = t.orders.filter(
      (o) => !money.test(o.amount) || (o.margin !== '' && (!money.test(o.margin) || Number(o.margin) >= Number(o.amount))),
    );
    expect(badOrders).toEqual([]);
    for (const k of t.contracts) {
      expect(k.monthly_value).toMatch(money);
      expect(['basic', 'standard', 'premium']).toContain(k.plan);
      if (k.cancelled_at) {
        expect(k.ends_at).not.toBe('');
        expect(k.cancelled_at >= k.started_at && k.cancelled_at <= k.ends_at).toBe(true);
      } else {
        expect(k.ends_at).toBe('');
      }
    }
    const missingOrderIds = t.orders.filter((o) => o.external_id === '').length;
    expect(share(missingOrderIds, t.orders.length)).toBeGreaterThan(0.02);
    expect(share(missingOrderIds, t.orders.length)).toBeLessThan(0.1);
    const missingMargins = t.orders.filter((o) => o.margin === '').length;
    expect(share(missingMargins, t.orders.length)).toBeGreaterThan(0.03);
    expect(share(missingMargins, t.orders.length)).toBeLessThan(0.2);
  });

  it('has plausible shares of subscribers, cancellations, win-backs and reason codes', () => {
    const subscribers = new Set(t.contracts.map((k) => k.customer_id));
    const buyers = new Set(t.orders.map((o) => o.customer_id));
    expect(share(subscribers.size, 2000)).toBeGreaterThan(0.35);
    expect(share(subscribers.size, 2000)).toBeLessThan(0.45);
    expect(share(buyers.size, 2000)).toBeGreaterThan(0.55);

    // Lost = a cancelled contract not followed by a downgrade starting the day it ends.
    const lostContracts = t.contracts.filter(
      (k) => k.cancelled_at && !t.contracts.some((n) => n.customer_id === k.customer_id && n.started_at === k.ends_at),
    );
    const lost = new Set(lostContracts.map((k) => k.customer_id));
    expect(share(lost.size, subscribers.size)).toBeGreaterThan(0.15);
    expect(share(lost.size, subscribers.size)).toBeLessThan(0.4);
    const wonBack = lostContracts.filter((k) =>
      t.contracts.some((n) => n.customer_id === k.customer_id && n.started_at > k.ends_at),
    );
    expect(wonBack.length).toBeGreaterThan(0);
    const downgrades = t.contracts.length - lostContracts.length - t.contracts.filter((k) => !k.cancelled_at).length;
    expect(downgrades).toBeGreaterThan(0);

    const cancelled = t.contracts.filter((k) => k.cancelled_at);
    const coded = cancelled.filter((k) => k.reason_code);
    expect(share(coded.length, cancelled.length)).toBeGreaterThan(0.07);
    expect(share(coded.length, cancelled.length)).toBeLessThan(0.25);
    for (const k of coded) expect(REASON_CODES).toContain(k.reason_code);
    expect(cancelled.some((k) => k.cancellation_reason.trim() === '')).toBe(true);
    // The texts vary a lot (the point of the later reason mapping) …
    expect(new Set(cancelled.map((k) => k.cancellation_reason)).size).toBeGreaterThan(60);
    // … but every one is a variant of a phrase in the exported pool, so rules tested on the pool hold here.
    const pool = Object.values(demoReasonPhrases).flat().map((p) => p.toLowerCase());
    for (const k of cancelled) {
      const text = k.cancellation_reason.toLowerCase();
      if (text.trim()) expect(pool.some((p) => text.includes(p)), text).toBe(true);
    }
  });

  it('has shop customers who fall asleep, buy once, or buy a lot', () => {
    const perCustomer = new Map<string, number[]>();
    for (const o of t.orders) {
      const list = perCustomer.get(o.customer_id) ?? [];
      list.push(instant(o.occurred_at));
      perCustomer.set(o.customer_id, list);
    }
    const yearAgo = AS_OF.getTime() - 365 * DAY_MS;
    const acquired = new Map(t.customers.map((c) => [c.external_id, instant(c.acquired_at)]));
    const established = [...perCustomer.keys()].filter((c) => (acquired.get(c) as number) < yearAgo);
    const asleep = established.filter((c) => Math.max(...(perCustomer.get(c) as number[])) < yearAgo);
    expect(share(asleep.length, established.length)).toBeGreaterThan(0.4);
    expect(share(asleep.length, established.length)).toBeLessThan(0.75);

    const orderCounts = [...perCustomer.values()].map((list) => list.length);
    expect(share(orderCounts.filter((n) => n === 1).length, orderCounts.length)).toBeGreaterThan(0.12);
    expect(Math.max(...orderCounts)).toBeGreaterThanOrEqual(50);
  });

  it('makes contact denser before a cancellation, and shows latent need after it', () => {
    const contacts = new Map<string, number[]>();
    for (const i of t.interactions) {
      const list = contacts.get(i.customer_id) ?? [];
      list.push(instant(i.occurred_at));
      contacts.set(i.customer_id, list);
    }
    const cancelled = t.contracts.filter((k) => k.cancelled_at);
    let near = 0;
    let long = 0;
    let afterwards = 0;
    for (const k of cancelled) {
      const at = instant(k.cancelled_at);
      for (const when of contacts.get(k.customer_id) ?? []) {
        if (when >= at - 90 * DAY_MS && when <= at) near++;
        if (when >= at - 450 * DAY_MS && when < at - 180 * DAY_MS) long++;
      }
    }
    // Per day: the last 90 days against a 270-day stretch well before.
    expect(near / 90).toBeGreaterThan((3 * long) / 270);
    for (const i of t.interactions) if (i.summary.includes('after cancellation')) afterwards++;
    expect(afterwards).toBeGreaterThan(0);
    expect(new Set(t.interactions.map((i) => i.type))).toEqual(new Set(['service_call', 'support_ticket', 'complaint', 'usage']));
  });

  it('gives most customers contact preferences and about 5 % do-not-contact', () => {
    expect(share(t.preferences.length, 2000)).toBeGreaterThan(0.6);
    expect(share(t.preferences.length, 2000)).toBeLessThan(0.8);
    const dnc = t.preferences.filter((p) => p.do_not_contact === 'true');
    expect(share(dnc.length, 2000)).toBeGreaterThan(0.03);
    expect(share(dnc.length, 2000)).toBeLessThan(0.08);
    for (const p of dnc) {
      expect(p.do_not_contact_at).not.toBe('');
      expect(['customer_request', 'legal', 'complaint']).toContain(p.do_not_contact_source);
    }
    for (const p of t.preferences) {
      for (const channel of p.allowed_channels.split(';')) expect(['phone', 'email', 'sms', 'letter', 'visit']).toContain(channel);
      expect(Number(p.max_contacts)).toBeGreaterThan(0);
      expect((p.contact_hours_start === '') === (p.contact_hours_end === '')).toBe(true);
    }
  });
});

describe('generateDemoCompany determinism', () => {
  const options = (outDir: string, customers: number, seed = 11) => ({ customers, seed, asOf: AS_OF, outDir });

  it('writes byte-identical files for the same options, and different ones for another seed', async () => {
    const first = await generateDemoCompany(options(await scratchDir(), 2000));
    const second = await generateDemoCompany(options(await scratchDir(), 2000));
    const other = await generateDemoCompany(options(await scratchDir(), 2000, 12));
    for (const key of FILE_KEYS) {
      // Buffer#equals: a deep toEqual over a megabyte of bytes takes seconds.
      expect((await readFile(second.files[key])).equals(await readFile(first.files[key])), key).toBe(true);
    }
    expect((await readFile(other.files.orders)).equals(await readFile(first.files.orders))).toBe(false);
  });

  it("does not let the number of customers change customer i's history", async () => {
    const small = await generateDemoCompany(options(await scratchDir(), 300));
    const large = await generateDemoCompany(options(await scratchDir(), 1000));
    for (const key of FILE_KEYS) {
      const smallText = await readFile(small.files[key], 'utf8');
      const largeText = await readFile(large.files[key], 'utf8');
      expect(largeText.startsWith(smallText), key).toBe(true);
    }
  });

  it('rejects nonsense options', async () => {
    const outDir = await scratchDir();
    await expect(generateDemoCompany(options(outDir, -1))).rejects.toThrow(RangeError);
    await expect(generateDemoCompany({ ...options(outDir, 10), asOf: new Date(Number.NaN) })).rejects.toThrow(RangeError);
    await expect(generateDemoCompany({ ...options(outDir, 10), years: 0 })).rejects.toThrow(RangeError);
  });
});

describe('generateDemoCompany at scale', () => {
  it('streams to disk with flat memory', async () => {
    const outDir = await scratchDir();
    const baseline = process.memoryUsage().heapUsed;
    let peakHeap = baseline;
    let ordersOnDiskHalfway = 0;
    let lastProgress = 0;
    const customers = 50_000;
    const { files, counts } = await generateDemoCompany({ customers, seed: 3, asOf: AS_OF, outDir }, (done) => {
      expect(done).toBeGreaterThan(lastProgress);
      lastProgress = done;
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      if (ordersOnDiskHalfway === 0 && done >= customers / 2) {
        // Progress callbacks are synchronous, so a sync stat is fine here.
        ordersOnDiskHalfway = statSync(join(outDir, 'orders.csv')).size;
      }
    });
    expect(lastProgress).toBe(customers);
    const ordersAtEnd = (await stat(files.orders)).size;
    expect(counts.orders).toBeGreaterThan(5 * customers * 0.6);
    // Rows reach the disk while the generator runs, not in one go at the end …
    expect(ordersOnDiskHalfway).toBeGreaterThan(ordersAtEnd * 0.3);
    // … and the heap stays far below what holding the output would take. (Uncollected garbage makes
    // the peak noisy, so this only catches gross regressions; the check above is the sharp one.)
    console.info(`demo 50k: peak heap growth ${((peakHeap - baseline) / 1e6).toFixed(1)} MB, orders.csv ${(ordersAtEnd / 1e6).toFixed(1)} MB`);
    expect(peakHeap - baseline).toBeLessThan(100 * 1024 * 1024);
  });
});
