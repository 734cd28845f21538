import type { Database } from '../db/engine.js';
import type { LifecycleState } from '../db/schema.js';
import { IdentifyError } from './errors.js';
import {
  batchRanges,
  customerRecords,
  finishRecompute,
  lastRecompute,
  lockStates,
  scoringRuns,
  startRecompute,
  stateCounts,
  tuneBatch,
  withStatesLock,
  writeBatch,
  type CustomerChange,
  type StateCount,
} from './repository.js';
import { classify, deriveFacts } from './rules.js';
import { LIFECYCLE_STATES, identifyOptionsSchema, type IdentifyOptionsInput } from './schemas.js';
import { refreshStatistics } from '../db/statistics.js';

export interface RecomputeResult {
  recomputeId: number;
  asOf: Date;
  analysisRunId: number | null;
  customers: number;
  transitionsWritten: number;
  /** Transitions written per target state. */
  transitionsTo: Record<LifecycleState, number>;
  counts: StateCount[];
  elapsedMs: number;
}

function parseOptions(input: IdentifyOptionsInput) {
  const parsed = identifyOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new IdentifyError('invalid_options', parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '), parsed.error.issues);
  }
  return { ...parsed.data, asOf: parsed.data.asOf ?? new Date() };
}

/**
 * Recomputes every customer's lifecycle state as of `asOf` (default now), in batches of customers (id ranges): per
 * batch one statement reads every customer's data (grouped per table in SQL), the facts and rules run in Node, and
 * only changes are written, in one statement per table. Idempotent (a second run with the same data writes nothing)
 * and incremental (new data appends transitions; old ones are never rewritten). A recompute for an instant before
 * the last one is refused.
 *
 * Each batch is one transaction. On PostgreSQL the recompute holds the states lock throughout and runs two batches
 * at a time on two connections, so the server reads or writes one batch while Node classifies the other; PGlite has
 * one connection, so there batches run one after the other, each under the lock.
 */
export async function recomputeStates(database: Database, input: IdentifyOptionsInput = {}, onProgress?: (done: number) => void): Promise<RecomputeResult> {
  const started = performance.now();
  const options = parseOptions(input);
  const concurrent = database.engine === 'postgresql';
  const result = await (concurrent ? withStatesLock(database.db, () => recompute(database, options, 2, onProgress)) : recompute(database, options, 1, onProgress));
  return { ...result, counts: await countsByState(database), elapsedMs: performance.now() - started };
}

async function recompute(
  database: Database,
  options: ReturnType<typeof parseOptions>,
  workers: number,
  onProgress?: (done: number) => void,
): Promise<Omit<RecomputeResult, 'counts' | 'elapsedMs'>> {
  const { asOf, batchSize, ...rules } = options;
  const db = database.db;
  const last = await lastRecompute(db);
  if (last && asOf < last.asOf) {
    throw new IdentifyError(
      'as_of_before_last_recompute',
      `states were last computed as of ${last.asOf.toISOString()}; a recompute as of ${asOf.toISOString()} would rewrite the present with the past`,
    );
  }
  const runs = await scoringRuns(db);
  const recomputeId = await startRecompute(db, asOf, runs.current?.id ?? null, { ...rules, batchSize, asOf: asOf.toISOString() });
  const transitionsTo = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0])) as Record<LifecycleState, number>;
  let customers = 0;
  let written = 0;

  const runBatch = (range: { lo: number; hi: number }) =>
    db.transaction().execute(async (trx) => {
      // With one worker nothing holds the lock for the whole recompute: each batch takes it.
      if (workers === 1) await lockStates(trx);
      await tuneBatch(trx);
      const batch = await customerRecords(trx, range, options, runs);
      const changes: CustomerChange[] = [];
      for (const { record, storedLatent } of batch) {
        const result = classify(deriveFacts(record, rules, asOf), rules, asOf);
        for (const t of result.transitions) transitionsTo[t.state]++;
        const latentChanged = !storedLatent || storedLatent.flag !== result.latentNeed || !sameJson(storedLatent.evidence, result.latentNeedEvidence);
        if (result.transitions.length > 0 || latentChanged) {
          changes.push({ customerId: record.customerId, teamId: record.teamId, channel: record.channel, country: record.country, result });
        }
      }
      return { customers: batch.length, written: await writeBatch(trx, recomputeId, changes) };
    });

  const ranges = await batchRanges(db, batchSize);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < ranges.length) {
      try {
        const done = await runBatch(ranges[next++]!);
        customers += done.customers;
        written += done.written;
        onProgress?.(customers);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  // Every worker has stopped before the first error is rethrown: none is left writing after the caller moved on.
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(workers, ranges.length) }, worker));
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  await finishRecompute(db, recomputeId, customers, written);
  // The summaries the triggers of migration 0012 kept on the way were rewritten as much as the states.
  await refreshStatistics(db, ['customer_states', 'state_transitions', 'loss_facts', 'loss_days', 'customer_list_keys']);
  return { recomputeId, asOf, analysisRunId: runs.current?.id ?? null, customers, transitionsWritten: written, transitionsTo };
}

/** Equal as JSON values: key order does not matter (jsonb keeps its own key order). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Customers per state (every state listed, zeros included), with do-not-contact and latent-need counts. */
export async function countsByState(database: Database): Promise<StateCount[]> {
  const rows = await stateCounts(database.db);
  return LIFECYCLE_STATES.map((state) => rows.find((r) => r.state === state) ?? { state, customers: 0, doNotContact: 0, latentNeed: 0 });
}

export function formatRecompute(result: RecomputeResult): string {
  const lines = [`states as of ${result.asOf.toISOString().slice(0, 10)}: ${result.customers} customers, ${result.transitionsWritten} transitions written (${(result.elapsedMs / 1000).toFixed(1)} s)`];
  lines.push(formatCounts(result.counts, result.transitionsTo));
  return lines.join('\n');
}

export function formatCounts(counts: StateCount[], transitionsTo?: Record<LifecycleState, number>): string {
  const header = ['state', 'customers', 'do_not_contact', 'latent_need', ...(transitionsTo ? ['new_transitions'] : [])];
  const rows = counts.map((c) => [c.state, String(c.customers), String(c.doNotContact), String(c.latentNeed), ...(transitionsTo ? [String(transitionsTo[c.state])] : [])]);
  return table(header, rows);
}

/** A plain text table: text left-aligned, numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,%]*$/.test(r[i] ?? '')));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
