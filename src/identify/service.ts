import type { Database } from '../db/engine.js';
import type { LifecycleState } from '../db/schema.js';
import { IdentifyError } from './errors.js';
import {
  customerFacts,
  finishRecompute,
  lastRecompute,
  lockStates,
  nextBatchEnd,
  scoringRuns,
  startRecompute,
  stateCounts,
  writeBatch,
  type StateCount,
} from './repository.js';
import { classify } from './rules.js';
import { LIFECYCLE_STATES, identifyOptionsSchema, type IdentifyOptionsInput } from './schemas.js';

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
 * Recomputes every customer's lifecycle state as of `asOf` (default now), in batches of customers: facts in SQL,
 * rules in Node, and only changes written. Idempotent (a second run with the same data writes nothing) and
 * incremental (new data appends transitions; old ones are never rewritten). A recompute for an instant before
 * the last one is refused.
 */
export async function recomputeStates(database: Database, input: IdentifyOptionsInput = {}, onProgress?: (done: number) => void): Promise<RecomputeResult> {
  const started = performance.now();
  const options = parseOptions(input);
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
  let afterId = 0;
  for (;;) {
    const hi = await nextBatchEnd(db, afterId, batchSize);
    if (hi === null) break;
    const lo = afterId + 1;
    written += await db.transaction().execute(async (trx) => {
      await lockStates(trx);
      const batch = await customerFacts(trx, { lo, hi }, options, runs);
      const changes = batch.map(({ facts, storedLatent }) => {
        const result = classify(facts, rules, asOf);
        const latentChanged =
          !storedLatent || storedLatent.flag !== result.latentNeed || JSON.stringify(storedLatent.evidence) !== JSON.stringify(result.latentNeedEvidence);
        for (const t of result.transitions) transitionsTo[t.state]++;
        return { facts, result, writeState: result.transitions.length > 0 || latentChanged };
      });
      customers += batch.length;
      return writeBatch(
        trx,
        recomputeId,
        changes.filter((c) => c.writeState),
      );
    });
    afterId = hi;
    onProgress?.(customers);
  }
  await finishRecompute(db, recomputeId, customers, written);
  return {
    recomputeId,
    asOf,
    analysisRunId: runs.current?.id ?? null,
    customers,
    transitionsWritten: written,
    transitionsTo,
    counts: await countsByState(database),
    elapsedMs: performance.now() - started,
  };
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
