/**
 * `winback demo`: writes a realistic, deterministic synthetic business as CSV files that the
 * normal importer loads. The business model and its parameters are documented in customer.ts;
 * reasons.ts holds the cancellation-reason catalogue and phrasings; organisation.ts the staff.
 *
 * Determinism: the organisation comes from a stream derived from the seed, and customer i from a
 * stream derived from (seed, i) alone, so customer i's history does not depend on how many
 * customers are generated, and the same options give byte-identical files. Running ids
 * (contracts, orders, interactions) are numbered in customer order, so they depend only on the
 * customers before.
 *
 * Streaming: customers are simulated one at a time and their rows appended to per-file buffers
 * that are flushed to disk (awaiting `drain`) every few hundred customers, so memory stays flat
 * for a million customers.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createRng } from '../../stats/random.js';
import { CsvWriter } from './csv.js';
import { YEAR_MS, isoDate, isoTimestamp } from './dates.js';
import { simulateCustomer, type SimulatedCustomer, type HistoryWindow } from './customer.js';
import { buildOrganisation } from './organisation.js';

export interface DemoOptions {
  customers: number;
  seed: number;
  /** End of the history (UTC); nothing in the files is dated after it. */
  asOf: Date;
  /** Length of the history in years; default 4. */
  years?: number;
  outDir: string;
}

/** Absolute paths of the CSV files written. */
export interface DemoFiles {
  teams: string;
  employees: string;
  customers: string;
  contracts: string;
  orders: string;
  interactions: string;
  preferences: string;
}

export const DEMO_HEADERS: Record<keyof DemoFiles, readonly string[]> = {
  teams: ['code', 'name'],
  employees: ['code', 'name', 'email', 'team', 'role'],
  customers: [
    'external_id', 'name', 'email', 'phone', 'company', 'country', 'timezone', 'acquired_at',
    'acquisition_channel', 'team', 'employee', 'currency', 'industry', 'newsletter',
  ],
  contracts: [
    'external_id', 'customer_id', 'plan', 'started_at', 'ends_at', 'cancelled_at',
    'cancellation_reason', 'reason_code', 'monthly_value', 'currency',
  ],
  orders: ['external_id', 'customer_id', 'occurred_at', 'amount', 'margin', 'currency'],
  interactions: ['external_id', 'customer_id', 'type', 'channel', 'occurred_at', 'severity', 'handled_by', 'summary'],
  preferences: [
    'customer_id', 'allowed_channels', 'max_contacts', 'per_days', 'preferred_employee',
    'contact_hours_start', 'contact_hours_end', 'do_not_contact', 'do_not_contact_at', 'do_not_contact_source',
  ],
};

const FILE_KEYS = Object.keys(DEMO_HEADERS) as (keyof DemoFiles)[];

function perFile<T>(valueFor: (key: keyof DemoFiles) => T): Record<keyof DemoFiles, T> {
  return Object.fromEntries(FILE_KEYS.map((key) => [key, valueFor(key)])) as Record<keyof DemoFiles, T>;
}

/** How many customers are simulated between flushes / progress reports. */
const CHECKPOINT_EVERY = 50;

export async function generateDemoCompany(
  opts: DemoOptions,
  onProgress?: (customersDone: number) => void,
): Promise<{ files: DemoFiles; counts: Record<keyof DemoFiles, number> }> {
  const window = validate(opts);
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });

  const files: DemoFiles = perFile((key) => resolve(outDir, `${key}.csv`));
  const writers = {} as Record<keyof DemoFiles, CsvWriter>;
  try {
    for (const key of FILE_KEYS) writers[key] = await CsvWriter.open(files[key], DEMO_HEADERS[key]);

    const org = buildOrganisation(createRng(`winback-demo:${opts.seed}:organisation`));
    for (const team of org.teams) writers.teams.write([team.code, team.name]);
    for (const e of org.employees) writers.employees.write([e.code, e.name, e.email, e.team, e.role]);

    const ids = { contract: 0, order: 0, interaction: 0 };
    for (let i = 0; i < opts.customers; i++) {
      const simulated = simulateCustomer(createRng(`winback-demo:${opts.seed}:customer:${i}`), org, window);
      writeCustomer(writers, ids, externalId('C', i + 1), simulated);
      const done = i + 1;
      if (done % CHECKPOINT_EVERY === 0) {
        for (const key of FILE_KEYS) await writers[key].flushIfFull();
        onProgress?.(done);
      }
    }
    for (const key of FILE_KEYS) await writers[key].close();
    if (opts.customers % CHECKPOINT_EVERY !== 0) onProgress?.(opts.customers);
  } catch (error) {
    for (const writer of Object.values(writers)) writer.destroy();
    throw error;
  }
  return { files, counts: perFile((key) => writers[key].rows) };
}

function validate(opts: DemoOptions): HistoryWindow {
  if (!Number.isInteger(opts.customers) || opts.customers < 0) {
    throw new RangeError(`demo: customers must be a non-negative integer (got ${opts.customers})`);
  }
  if (!Number.isFinite(opts.seed)) throw new RangeError(`demo: seed must be a finite number (got ${opts.seed})`);
  const years = opts.years ?? 4;
  if (!(years > 0 && years <= 50)) throw new RangeError(`demo: years must be in (0, 50] (got ${years})`);
  const end = opts.asOf.getTime();
  if (!Number.isFinite(end)) throw new RangeError('demo: asOf is not a valid date');
  return { start: end - years * YEAR_MS, end };
}

/** `C-000001`; widens naturally beyond a million. */
function externalId(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(6, '0')}`;
}

/** Minor units → `37.40`. Integer arithmetic, so no binary-fraction surprises. */
function money(minor: number): string {
  const cents = minor % 100;
  return `${(minor - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
}

function dateOrNull(ms: number | null): string | null {
  return ms === null ? null : isoDate(ms);
}

function writeCustomer(
  writers: Record<keyof DemoFiles, CsvWriter>,
  ids: { contract: number; order: number; interaction: number },
  customerId: string,
  { customer: c, contracts, orders, interactions, preference: p }: SimulatedCustomer,
): void {
  writers.customers.write([
    customerId, c.name, c.email, c.phone, c.company, c.country, c.timezone, isoTimestamp(c.acquiredAt),
    c.acquisitionChannel, c.team, c.employee, c.currency, c.industry, c.newsletter,
  ]);
  for (const k of contracts) {
    writers.contracts.write([
      externalId('CT', ++ids.contract), customerId, k.plan, isoDate(k.startedAt), dateOrNull(k.endsAt),
      dateOrNull(k.cancelledAt), k.cancellationReason, k.reasonCode, money(k.monthlyValue), c.currency,
    ]);
  }
  for (const o of orders) {
    // The running number advances for id-less orders too, so ids stay stable if the rate changes.
    const id = externalId('O', ++ids.order);
    writers.orders.write([
      o.hasExternalId ? id : null, customerId, isoTimestamp(o.occurredAt), money(o.amount),
      o.margin === null ? null : money(o.margin), c.currency,
    ]);
  }
  for (const x of interactions) {
    writers.interactions.write([
      externalId('I', ++ids.interaction), customerId, x.type, x.channel, isoTimestamp(x.occurredAt), x.severity,
      x.handledBy, x.summary,
    ]);
  }
  if (p) {
    writers.preferences.write([
      customerId, p.allowedChannels, p.maxContacts, p.perDays, p.preferredEmployee, p.contactHoursStart,
      p.contactHoursEnd, p.doNotContact, dateOrNull(p.doNotContactAt), p.doNotContactSource,
    ]);
  }
}
