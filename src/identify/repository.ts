/**
 * The SQL of lifecycle states and loss accounting. Each customer's data is read set-based for a range of customer
 * ids (one statement; every large table is read by customer_id through its index and grouped once), the facts and
 * rules run in Node (rules.ts), and the changes go back in one INSERT … SELECT per table.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, LifecycleState } from '../db/schema.js';
import { pAliveFunction, type PurchaseModel } from '../stats/alive.js';
import { DAYS_PER_UNIT } from '../stats/summary.js';
import type { Classification, ContractRecord, CustomerRecord, ScoringModel } from './rules.js';
import { DAY_MS } from './rules.js';
import type { IdentifyOptions } from './schemas.js';
import { wholeDays } from '../db/summaries.js';
import { applyLocalSettings } from '../db/settings.js';

type Db = Kysely<DB> | Transaction<DB>;

const STATES_LOCK = sql`hashtext('winback_states:' || current_schema())`;

/** Serialises recomputes (per schema) batch by batch: the batch reads and writes under this lock. */
export async function lockStates(trx: Transaction<DB>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${STATES_LOCK})`.execute(trx);
}

/**
 * Settings for one batch's transaction: enough memory for its per-table aggregates not to spill to disk, and no
 * parallel workers (the recompute already runs its batches side by side; starting workers per statement only costs).
 */
export async function tuneBatch(trx: Transaction<DB>): Promise<void> {
  await applyLocalSettings(trx, { work_mem: '64MB', max_parallel_workers_per_gather: 0 });
}

/**
 * Runs `work` holding the states lock for its whole duration, on a connection of its own that does nothing else (a
 * session lock, released when `work` ends or the connection drops), so `work` may run batches on other connections
 * of the pool at the same time. PostgreSQL only: PGlite has one connection.
 */
export async function withStatesLock<T>(db: Kysely<DB>, work: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${STATES_LOCK})`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`SELECT pg_advisory_unlock(${STATES_LOCK})`.execute(connection);
    }
  });
}

/** The current scoring analysis (with the purchase model it scored with), and the one before it (for "P(alive) falling"). */
export async function scoringRuns(db: Db): Promise<ScoringRuns> {
  const current = await db.selectFrom('analysis_runs').select(['id', 'calibration_end']).where('is_current', '=', true).executeTakeFirst();
  if (!current) return { current: null, previousId: null };
  const model = await db
    .selectFrom('model_runs')
    .select(['model', 'parameters', 'time_unit'])
    .where('analysis_run_id', '=', current.id)
    .where('selected', '=', true)
    .where('model', 'in', ['bgnbd', 'paretonbd'])
    .where('status', '=', 'fitted')
    .executeTakeFirst();
  const pAlive: ScoringModel | null = model?.parameters
    ? { pAlive: pAliveFunction({ model: model.model, params: model.parameters } as unknown as PurchaseModel), daysPerUnit: DAYS_PER_UNIT[model.time_unit] }
    : null;
  const previous = await db
    .selectFrom('analysis_runs')
    .select('id')
    .where('holdout_end', 'is', null)
    .where('status', '=', 'complete')
    .where('id', '<>', current.id)
    .where('calibration_end', '<', current.calibration_end)
    .orderBy('calibration_end', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return { current: { id: current.id, asOf: current.calibration_end, model: pAlive }, previousId: previous?.id ?? null };
}

export interface ScoringRuns {
  current: { id: number; asOf: Date; model: ScoringModel | null } | null;
  previousId: number | null;
}

export async function lastRecompute(db: Db): Promise<{ id: number; asOf: Date } | null> {
  const row = await db.selectFrom('state_recomputes').select(['id', 'as_of']).where('finished_at', 'is not', null).orderBy('as_of', 'desc').orderBy('id', 'desc').executeTakeFirst();
  return row ? { id: row.id, asOf: row.as_of } : null;
}

export async function startRecompute(db: Db, asOf: Date, analysisRunId: number | null, options: Record<string, unknown>): Promise<number> {
  const row = await db
    .insertInto('state_recomputes')
    .values({ as_of: asOf, analysis_run_id: analysisRunId, options: JSON.stringify(options) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishRecompute(db: Db, id: number, customers: number, transitions: number): Promise<void> {
  await db.updateTable('state_recomputes').set({ customers, transitions, finished_at: new Date() }).where('id', '=', id).execute();
}

/**
 * Customer id ranges of `size` customers each, in id order (one pass over the primary key). The last range is open
 * above, so customers added while a recompute runs are still classified.
 */
export async function batchRanges(db: Db, size: number): Promise<{ lo: number; hi: number }[]> {
  const { rows } = await sql<{ hi: number }>`
    SELECT max(id) AS hi FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / ${size}::bigint AS batch FROM customers) c
    GROUP BY batch ORDER BY batch`.execute(db);
  return rows.map((r, i) => ({ lo: i === 0 ? Number.MIN_SAFE_INTEGER : Number(rows[i - 1]!.hi) + 1, hi: i === rows.length - 1 ? Number.MAX_SAFE_INTEGER : Number(r.hi) }));
}

/**
 * One customer as the statement below returns it: a JSON array of a few arrays. Scalars are packed into one number
 * and one text array, because building JSON costs the server per argument of json_build_array far more than per
 * array element.
 */
type RecordTuple = [
  /** id, since (ms), team, stored state entered (ms), stored latent need (1/0), complaints recent, before, P(alive), previous P(alive), CLV, x, t_x and T (days) */
  numbers: (number | null)[],
  /** channel, country, stored state, order currency, score currency, the stored state's rule */
  texts: (string | null)[],
  storedLatentEvidence: Record<string, unknown> | null,
  /** Per contract: id, start, end (ms), cancelled (ms), monthly value. */
  contractNumbers: [number, number, number | null, number | null, number][] | null,
  /** Per contract: currency, plan, reason code. */
  contractTexts: [string, string | null, string | null][] | null,
  orderDays: number[] | null,
  orderAmounts: number[] | null,
  needAt: number[] | null,
];

export interface BatchRecord {
  record: CustomerRecord;
  storedLatent: { flag: boolean; evidence: Record<string, unknown> | null } | null;
}

/** A timestamp as epoch milliseconds (float8; exact: truncated to the millisecond, as a JavaScript Date holds it). */
const epochMs = (column: string) => sql.raw(`round(date_part('epoch', date_trunc('milliseconds', ${column})) * 1000)`);

/**
 * What the rules need of the customers with lo ≤ id ≤ hi, in one statement: the customer row and its stored state,
 * then one GROUP BY customer_id per large table (each read by customer_id through its index), returning the
 * customer's contracts, purchase days and contact times as arrays. Everything derived from them (islands, gaps,
 * windows) is computed by `deriveFacts` in rules.ts, once per customer, so the SQL has no window functions and no
 * joins between the tables' aggregates. Stored states and scores are read by range too and hash-joined: probing an
 * index once per customer cost more than the rest of the statement. The batch comes back as one JSON text (times as
 * epoch milliseconds, amounts and ids as JSON numbers — exact, being far below 2^53): one native JSON.parse instead
 * of a type parser per field and array element.
 */
export async function customerRecords(
  db: Db,
  range: { lo: number; hi: number },
  o: IdentifyOptions & { asOf: Date },
  runs: ScoringRuns,
): Promise<BatchRecord[]> {
  const lo = sql`${range.lo}::bigint`;
  const hi = sql`${range.hi}::bigint`;
  const asOf = sql`${o.asOf}::timestamptz`;
  // Complaint windows in UTC days (as every day in the rules), whatever the session's time zone.
  const recentFrom = sql`${new Date(o.asOf.getTime() - o.recentDays * DAY_MS)}::timestamptz`;
  const beforeFrom = sql`${new Date(o.asOf.getTime() - 2 * o.recentDays * DAY_MS)}::timestamptz`;
  const { rows } = await sql<{ batch: string | null }>`
    SELECT json_agg(json_build_array(
             ARRAY[c.id, ${epochMs('coalesce(c.acquired_at, c.created_at)')}, c.team_id, ${epochMs('st.entered_at')}, st.latent_need::int,
                   i.complaints_recent, i.complaints_before, sc.p_alive, sp.p_alive, sc.clv, sc.frequency, sc.recency_days, sc.age_days]::float8[],
             ARRAY[c.acquisition_channel, c.country::text, st.state, o.currency, sc.currency::text, st.evidence->>'rule'],
             st.latent_need_evidence, k.numbers, k.texts, o.days, o.amounts, i.need_at) ORDER BY c.id)::text AS batch
    FROM customers c
    LEFT JOIN (SELECT * FROM customer_states WHERE customer_id BETWEEN ${lo} AND ${hi}) st ON st.customer_id = c.id
    LEFT JOIN (
      SELECT customer_id,
             array_agg(ARRAY[id, ${epochMs('started_at')}, ${epochMs('coalesce(ends_at, cancelled_at)')}, ${epochMs('cancelled_at')}, monthly_value]::float8[]) AS numbers,
             array_agg(ARRAY[currency::text, plan, reason_code]) AS texts
      FROM contracts WHERE customer_id BETWEEN ${lo} AND ${hi} AND started_at <= ${asOf}
      GROUP BY customer_id
    ) k ON k.customer_id = c.id
    LEFT JOIN (
      SELECT customer_id, array_agg((occurred_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01') AS days,
             array_agg(amount) AS amounts, min(currency)::text AS currency
      FROM orders WHERE customer_id BETWEEN ${lo} AND ${hi} AND occurred_at <= ${asOf}
      GROUP BY customer_id
    ) o ON o.customer_id = c.id
    LEFT JOIN (
      SELECT customer_id,
             count(*) FILTER (WHERE type = 'complaint' AND occurred_at > ${recentFrom}) AS complaints_recent,
             count(*) FILTER (WHERE type = 'complaint' AND occurred_at <= ${recentFrom} AND occurred_at > ${beforeFrom}) AS complaints_before,
             array_agg(${epochMs('occurred_at')}) FILTER (WHERE type IN ('usage', 'support_ticket', 'service_call')) AS need_at
      FROM interactions WHERE customer_id BETWEEN ${lo} AND ${hi} AND occurred_at <= ${asOf}
      GROUP BY customer_id
    ) i ON i.customer_id = c.id
    LEFT JOIN customer_scores sc ON sc.analysis_run_id = ${runs.current?.id ?? null}::bigint AND sc.customer_id = c.id
                                 AND sc.customer_id BETWEEN ${lo} AND ${hi}
    LEFT JOIN customer_scores sp ON sp.analysis_run_id = ${runs.previousId}::bigint AND sp.customer_id = c.id
                                 AND sp.customer_id BETWEEN ${lo} AND ${hi}
    WHERE c.id BETWEEN ${lo} AND ${hi}`.execute(db);
  const tuples = JSON.parse(rows[0]?.batch ?? '[]') as RecordTuple[];

  return tuples.map(([numbers, texts, storedLatentEvidence, contractNumbers, contractTexts, orderDays, orderAmounts, needAt]) => {
    const [customerId, sinceMs, teamId, storedEnteredMs, storedLatentNeed, complaintsRecent, complaintsBefore, pAlive, pAlivePrevious, clv, x, txDays, tDays] = numbers;
    const [channel, country, storedState, orderCurrency, scoreCurrency, storedRule] = texts as [string | null, string | null, LifecycleState | null, string | null, string | null, string | null];
    const contracts: ContractRecord[] = [];
    if (contractNumbers) {
      for (let j = 0; j < contractNumbers.length; j++) {
        const [id, startMs, endMs, cancelledMs, monthlyValue] = contractNumbers[j]!;
        const [currency, plan, reasonCode] = contractTexts![j]!;
        contracts.push({ id, startMs, endMs, cancelledMs, monthlyValue, currency, plan, reasonCode });
      }
    }
    const record: CustomerRecord = {
      customerId: customerId!,
      since: new Date(sinceMs!),
      teamId,
      channel,
      country,
      contracts,
      orderDays: orderDays ?? [],
      orderAmounts: orderAmounts ?? [],
      orderCurrency,
      complaintsRecent: complaintsRecent ?? 0,
      complaintsBefore: complaintsBefore ?? 0,
      needContactsMs: needAt ?? [],
      scores:
        pAlive === null || !runs.current
          ? null
          : {
              analysisRunId: runs.current.id,
              asOf: runs.current.asOf,
              pAlive,
              pAlivePrevious,
              clv: clv!,
              currency: scoreCurrency!,
              history: runs.current.model ? { x: x!, txDays: txDays!, tDays: tDays!, model: runs.current.model } : null,
            },
      stored: storedState && storedEnteredMs !== null ? { state: storedState, enteredAt: new Date(storedEnteredMs), rule: storedRule } : null,
    };
    return { record, storedLatent: storedState ? { flag: storedLatentNeed === 1, evidence: storedLatentEvidence } : null };
  });
}

/** One customer whose state changed: the transitions to append and the current state to store. */
export interface CustomerChange {
  customerId: number;
  teamId: number | null;
  channel: string | null;
  country: string | null;
  result: Classification;
}

/**
 * Appends the transitions and writes the current states of one batch's changed customers: one INSERT … SELECT per
 * table from a JSON array of rows (one native JSON.stringify here, one jsonb parse on the server; per-column arrays
 * cost the same on the server and more to build), times as epoch milliseconds. Transitions get their ids in the
 * order given — by customer, oldest first.
 */
export async function writeBatch(trx: Transaction<DB>, recomputeId: number, changes: readonly CustomerChange[]): Promise<number> {
  const transitions: unknown[][] = [];
  for (const c of changes) {
    for (const t of c.result.transitions) {
      const loss = t.loss;
      transitions.push([
        c.customerId, t.from, t.state, t.at.getTime(), t.reason, t.analysisRunId ?? null,
        loss?.currency ?? null, loss?.value ?? null, loss?.basis ?? null, loss?.forecast ?? null, loss?.reasonCode ?? null, loss?.plan ?? null,
        c.teamId, c.channel, c.country,
      ]);
    }
  }
  if (transitions.length > 0) {
    await sql`
      INSERT INTO state_transitions (customer_id, from_state, to_state, effective_at, reason, analysis_run_id, recompute_id, currency,
                                     value_lost, value_basis, forecast_value, reason_code, plan, team_id, acquisition_channel, country)
      SELECT (e->>0)::bigint, e->>1, e->>2, to_timestamp((e->>3)::float8 / 1000), e->4, (e->>5)::bigint, ${recomputeId}::bigint, e->>6,
             (e->>7)::bigint, e->>8, (e->>9)::bigint, e->>10, e->>11, (e->>12)::bigint, e->>13, e->>14
      FROM jsonb_array_elements(${JSON.stringify(transitions)}::jsonb) WITH ORDINALITY AS t(e, n)
      ORDER BY n`.execute(trx);
  }
  if (changes.length > 0) {
    const states = changes.map((c) => [c.customerId, c.result.state, c.result.enteredAt.getTime(), c.result.evidence, c.result.latentNeed, c.result.latentNeedEvidence]);
    await sql`
      INSERT INTO customer_states (customer_id, state, entered_at, evidence, latent_need, latent_need_evidence, recompute_id)
      SELECT (e->>0)::bigint, e->>1, to_timestamp((e->>2)::float8 / 1000), e->3, (e->>4)::boolean, nullif(e->5, 'null'::jsonb), ${recomputeId}::bigint
      FROM jsonb_array_elements(${JSON.stringify(states)}::jsonb) AS t(e)
      ON CONFLICT (customer_id) DO UPDATE SET
        state = excluded.state, entered_at = excluded.entered_at,
        evidence = CASE WHEN customer_states.state = excluded.state AND customer_states.entered_at = excluded.entered_at
                        THEN customer_states.evidence ELSE excluded.evidence END,
        latent_need = excluded.latent_need, latent_need_evidence = excluded.latent_need_evidence,
        recompute_id = excluded.recompute_id, updated_at = now()`.execute(trx);
  }
  return transitions.length;
}

export interface StateCount {
  state: LifecycleState;
  customers: number;
  doNotContact: number;
  latentNeed: number;
}

/**
 * Customers per state, with how many of them must not be contacted and how many show latent need: state_counts,
 * kept by triggers on customer_states and contact_preferences (migration 0012) — counting the join of a million
 * states with their preferences took 0.6–2 s.
 */
export async function stateCounts(db: Db): Promise<StateCount[]> {
  const rows = await db.selectFrom('state_counts').selectAll().where('customers', '<>', 0).execute();
  return rows.map((r) => ({ state: r.state as LifecycleState, customers: Number(r.customers), doNotContact: Number(r.do_not_contact), latentNeed: Number(r.latent_need) }));
}

export interface CustomerStateView {
  customerId: number;
  state: LifecycleState;
  enteredAt: Date;
  evidence: Record<string, unknown>;
  latentNeed: boolean;
  latentNeedEvidence: Record<string, unknown> | null;
  doNotContact: boolean;
}

/** Current states (with the do-not-contact flag from contact_preferences) of the given customers. */
export async function customerStates(db: Db, customerIds: readonly number[]): Promise<CustomerStateView[]> {
  if (customerIds.length === 0) return [];
  const rows = await db
    .selectFrom('customer_states as s')
    .leftJoin('contact_preferences as p', 'p.customer_id', 's.customer_id')
    .select(['s.customer_id', 's.state', 's.entered_at', 's.evidence', 's.latent_need', 's.latent_need_evidence', 'p.do_not_contact'])
    .where(sql<boolean>`s.customer_id = ANY(${[...customerIds]}::bigint[])`)
    .orderBy('s.customer_id')
    .execute();
  return rows.map((r) => ({
    customerId: r.customer_id,
    state: r.state,
    enteredAt: r.entered_at,
    evidence: r.evidence,
    latentNeed: r.latent_need,
    latentNeedEvidence: r.latent_need_evidence,
    doNotContact: r.do_not_contact ?? false,
  }));
}

export interface TransitionView {
  customerId: number;
  from: LifecycleState | null;
  to: LifecycleState;
  effectiveAt: Date;
  recordedAt: Date;
  reason: Record<string, unknown>;
}

/** One customer's transitions, in the order they happened. */
export async function transitionsOf(db: Db, customerId: number): Promise<TransitionView[]> {
  const rows = await db
    .selectFrom('state_transitions')
    .select(['customer_id', 'from_state', 'to_state', 'effective_at', 'recorded_at', 'reason'])
    .where('customer_id', '=', customerId)
    .orderBy('effective_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ customerId: r.customer_id, from: r.from_state, to: r.to_state, effectiveAt: r.effective_at, recordedAt: r.recorded_at, reason: r.reason }));
}

// ---------------------------------------------------------------------------------------------------------
// Loss accounting

/** SQL expression of a loss group over state_transitions t (teams joined as tm, customer_segments as cs). */
const groupExpr = {
  reason: sql`coalesce(t.reason_code, '(none)')`,
  plan: sql`coalesce(t.plan, '(none)')`,
  team: sql`coalesce(tm.code, '(none)')`,
  channel: sql`coalesce(t.acquisition_channel, '(none)')`,
  country: sql`coalesce(t.country::text, '(none)')`,
  // The customer's segment as last computed (src/analyse): a lost customer's tenure and profit end with the
  // relationship, so the segment of a past loss stays what it was when the customer left.
  segment: sql`coalesce(cs.segment, '(none)')`,
} as const;
export type LossGroupKey = keyof typeof groupExpr;
/** Groups that are customer attributes: active customers have them too, so a churn rate per group exists. */
export const CUSTOMER_GROUPS: readonly LossGroupKey[] = ['team', 'channel', 'country', 'segment'];

export interface LossRow {
  period: Date;
  group: string | null;
  toState: 'lost' | 'sleeping';
  currency: string | null;
  customers: number;
  valueLost: number;
  forecastValue: number;
  forecastCustomers: number;
}

/**
 * Transitions to lost or sleeping by period (by effective_at, UTC), group and currency. Ungrouped and with every
 * recorded transition (`knownAt` not asked for), from the summaries of migration 0012: the losses of single-loss
 * customers per whole day from loss_days, the rest (customers with several losses, and the partial days at the
 * period's ends) one by one from loss_facts, counted distinct — the same figures as from state_transitions.
 */
export async function lossRows(
  db: Db,
  a: { by: 'month' | 'quarter'; groupBy: LossGroupKey | undefined; from: Date; to: Date; knownAt: Date; everythingKnown?: boolean },
): Promise<LossRow[]> {
  if (a.groupBy === undefined && a.everythingKnown) return summarisedLossRows(db, a);
  const grp = a.groupBy ? groupExpr[a.groupBy] : sql`NULL::text`;
  const { rows } = await sql<{ period: Date; grp: string | null; to_state: 'lost' | 'sleeping'; currency: string | null; customers: number; value: number | null; forecast: number | null; forecast_customers: number }>`
    SELECT date_trunc(${a.by}, t.effective_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period, ${grp} AS grp, t.to_state, t.currency::text AS currency,
           count(DISTINCT t.customer_id) AS customers, sum(t.value_lost)::bigint AS value, sum(t.forecast_value)::bigint AS forecast,
           count(t.forecast_value) AS forecast_customers
    FROM state_transitions t LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN customer_segments cs ON cs.customer_id = t.customer_id
    WHERE t.to_state IN ('lost', 'sleeping') AND t.effective_at >= ${a.from}::timestamptz AND t.effective_at <= ${a.to}::timestamptz
      AND t.recorded_at <= ${a.knownAt}::timestamptz
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4`.execute(db);
  return rows.map(lossRowOf);
}

async function summarisedLossRows(db: Db, a: { by: 'month' | 'quarter'; from: Date; to: Date }): Promise<LossRow[]> {
  const days = wholeDays(a.from, a.to);
  const { rows } = await sql<{ period: Date; to_state: 'lost' | 'sleeping'; currency: string | null; customers: number; value: number | null; forecast: number | null; forecast_customers: number }>`
    SELECT p AT TIME ZONE 'UTC' AS period, to_state, currency,
           count(DISTINCT customer_id) + coalesce(sum(losses), 0) AS customers, sum(value_lost)::bigint AS value,
           sum(forecast_value)::bigint AS forecast, coalesce(sum(forecast_count), 0) AS forecast_customers
    FROM (
      SELECT date_trunc(${a.by}, f.effective_at AT TIME ZONE 'UTC') AS p, f.to_state, f.currency, f.customer_id, NULL::bigint AS losses,
             f.value_lost, f.forecast_value, (f.forecast_value IS NOT NULL)::int AS forecast_count
      FROM loss_facts f
      WHERE f.effective_at >= ${a.from}::timestamptz AND f.effective_at <= ${a.to}::timestamptz
        ${days ? sql`AND (f.multi OR f.effective_at < ${days.lo}::timestamptz OR f.effective_at >= ${days.hi}::timestamptz)` : sql``}
      UNION ALL
      SELECT date_trunc(${a.by}, d.day::timestamp), d.to_state, d.currency, NULL, d.losses, d.value_lost, d.forecast_value, d.forecast_count
      FROM loss_days d
      WHERE ${days ? sql`d.day >= ${days.lo}::date AND d.day < ${days.hi}::date` : sql`false`}
    ) l
    GROUP BY p, to_state, currency
    ORDER BY p, to_state, currency`.execute(db);
  return rows.map(lossRowOf);
}

/** A row of a loss query (grouped or from the summaries) as a LossRow. */
function lossRowOf(r: {
  period: Date;
  grp?: string | null;
  to_state: 'lost' | 'sleeping';
  currency: string | null;
  customers: number;
  value: number | null;
  forecast: number | null;
  forecast_customers: number;
}): LossRow {
  return {
    period: r.period,
    group: r.grp ?? null,
    toState: r.to_state,
    currency: r.currency === null ? null : r.currency.trim(),
    customers: Number(r.customers),
    valueLost: Number(r.value ?? 0),
    forecastValue: Number(r.forecast ?? 0),
    forecastCustomers: Number(r.forecast_customers),
  };
}

/**
 * Changes in the number of customers in an active state (active, at_risk, won_back) per period bucket and group:
 * +1 when a customer enters an active state, −1 when the next transition takes them out. Active customers at
 * the start of period P = the sum of the deltas of all buckets before P.
 */
export async function activeDeltas(
  db: Db,
  a: { by: 'month' | 'quarter'; groupBy: LossGroupKey | undefined; knownAt: Date; everythingKnown?: boolean },
): Promise<{ bucket: Date; group: string | null; delta: number }[]> {
  if (a.groupBy === undefined && a.everythingKnown) {
    // Ungrouped, every transition: the monthly deltas kept by the transitions' trigger (migration 0012).
    const { rows } = await sql<{ bucket: Date; delta: number }>`
      SELECT date_trunc(${a.by}, month::timestamp) AT TIME ZONE 'UTC' AS bucket, sum(delta)::bigint AS delta
      FROM active_deltas GROUP BY 1 ORDER BY 1`.execute(db);
    return rows.map((r) => ({ bucket: r.bucket, group: null, delta: Number(r.delta) }));
  }
  const grp = a.groupBy ? groupExpr[a.groupBy] : sql`NULL::text`;
  const { rows } = await sql<{ bucket: Date; grp: string | null; delta: number }>`
    WITH t AS (
      SELECT t.customer_id, t.to_state, t.effective_at, ${grp} AS grp,
             lead(t.effective_at) OVER (PARTITION BY t.customer_id ORDER BY t.effective_at, t.id) AS next_at
      FROM state_transitions t LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN customer_segments cs ON cs.customer_id = t.customer_id
      WHERE t.recorded_at <= ${a.knownAt}::timestamptz
    ),
    d AS (
      SELECT effective_at AS at, grp, 1 AS delta FROM t WHERE to_state IN ('active', 'at_risk', 'won_back')
      UNION ALL
      SELECT next_at, grp, -1 FROM t WHERE to_state IN ('active', 'at_risk', 'won_back') AND next_at IS NOT NULL
    )
    SELECT date_trunc(${a.by}, at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, grp, sum(delta)::bigint AS delta
    FROM d GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return rows.map((r) => ({ bucket: r.bucket, group: r.grp, delta: Number(r.delta) }));
}

/**
 * Annualised value of the contracts running at each month start, per currency: the sum of contract_value_deltas up
 * to it (kept by the contracts' triggers, migration 0012), where at least one contract runs.
 */
export async function contractBase(db: Db, starts: Date[]): Promise<{ start: Date; currency: string; value: number }[]> {
  if (starts.length === 0) return [];
  const { rows } = await sql<{ start: Date; currency: string; value: number }>`
    SELECT p.start, d.currency, sum(d.value)::bigint AS value
    FROM unnest(${starts.map((d) => d.toISOString())}::timestamptz[]) AS p(start)
    JOIN contract_value_deltas d ON d.month <= (p.start AT TIME ZONE 'UTC')::date
    GROUP BY 1, 2
    HAVING sum(d.contracts) > 0`.execute(db);
  return rows.map((r) => ({ start: r.start, currency: r.currency.trim(), value: Number(r.value) }));
}

/**
 * Order revenue per calendar month (UTC) and currency, for the months that began by `to` (order_revenue_months,
 * kept by the orders' triggers, migration 0012). The month `to` falls in counts all its orders: the revenue base
 * reads only months before a period start, never the one `to` is in.
 */
export async function monthlyOrderRevenue(db: Db, to: Date): Promise<{ month: Date; currency: string; amount: number }[]> {
  const { rows } = await sql<{ month: Date; currency: string; amount: number }>`
    SELECT month::timestamp AT TIME ZONE 'UTC' AS month, currency, amount
    FROM order_revenue_months WHERE orders > 0 AND month <= (${to}::timestamptz AT TIME ZONE 'UTC')::date
    ORDER BY 1, 2`.execute(db);
  return rows.map((r) => ({ month: r.month, currency: r.currency.trim(), amount: Number(r.amount) }));
}

export async function earliestLoss(db: Db, knownAt: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('state_transitions')
    .select((eb) => eb.fn.min('effective_at').as('first'))
    .where('to_state', 'in', ['lost', 'sleeping'])
    .where('recorded_at', '<=', knownAt)
    .executeTakeFirst();
  return (row?.first as Date | null | undefined) ?? null;
}
