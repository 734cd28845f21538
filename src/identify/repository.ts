/**
 * The SQL of lifecycle states and loss accounting. Per-customer facts are computed set-based for a range of
 * customer ids (one statement; every large table is read by customer_id through its index), the rules run in
 * Node (rules.ts), and the changes go back in one INSERT … SELECT FROM jsonb_to_recordset per table.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, LifecycleState } from '../db/schema.js';
import type { Classification, CustomerFacts, Island, PastGap } from './rules.js';
import { DAY_MS } from './rules.js';
import type { IdentifyOptions } from './schemas.js';

type Db = Kysely<DB> | Transaction<DB>;

/** Serialises recomputes (per schema): each batch reads and writes under this lock. */
export async function lockStates(trx: Transaction<DB>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('winback_states:' || current_schema()))`.execute(trx);
}

/** The current scoring analysis and the scoring analysis before it (for "P(alive) falling"). */
export async function scoringRuns(db: Db): Promise<{ current: { id: number; asOf: Date } | null; previousId: number | null }> {
  const current = await db.selectFrom('analysis_runs').select(['id', 'calibration_end']).where('is_current', '=', true).executeTakeFirst();
  if (!current) return { current: null, previousId: null };
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
  return { current: { id: current.id, asOf: current.calibration_end }, previousId: previous?.id ?? null };
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

/** The upper customer id of the next batch of `size` customers after `afterId` (null: none left). */
export async function nextBatchEnd(db: Db, afterId: number, size: number): Promise<number | null> {
  const { rows } = await sql<{ id: number }>`
    SELECT id FROM customers WHERE id > ${afterId}::bigint ORDER BY id OFFSET ${size - 1}::bigint LIMIT 1`.execute(db);
  if (rows[0]) return Number(rows[0].id);
  const { rows: last } = await sql<{ id: number | null }>`SELECT max(id) AS id FROM customers WHERE id > ${afterId}::bigint`.execute(db);
  return last[0]?.id == null ? null : Number(last[0].id);
}

interface FactsRow {
  customer_id: number;
  since: Date;
  team_id: number | null;
  acquisition_channel: string | null;
  country: string | null;
  stored_state: LifecycleState | null;
  stored_entered_at: Date | null;
  stored_latent_need: boolean | null;
  stored_latent_evidence: Record<string, unknown> | null;
  islands: { start: string; end: string | null; value: number | null; currency: string | null; plan: string | null; reasonCode: string | null; cancelledAt: string | null }[] | null;
  downgrades: number | null;
  days: number | null;
  first_day: number | null;
  last_day: number | null;
  median_gap: number | null;
  recent_days: number | null;
  t12: number | null;
  order_currency: string | null;
  gaps: { from: number; to: number; trailing12m: number | null }[] | null;
  first_after_stored: number | null;
  days_after_exit: number | null;
  complaints_recent: number | null;
  complaints_before: number | null;
  need_after_exit: number | null;
  need_after_last_order: number | null;
  p_alive: number | null;
  p_alive_prev: number | null;
  clv: number | null;
  score_currency: string | null;
}

export interface BatchFacts {
  facts: CustomerFacts;
  storedLatent: { flag: boolean; evidence: Record<string, unknown> | null } | null;
}

const dayDate = (d: number) => new Date(Number(d) * DAY_MS);
const trimmed = (s: string | null) => (s === null ? null : s.trim());

/** Every fact the rules need, for the customers with lo ≤ id ≤ hi, in one statement. */
export async function customerFacts(
  db: Db,
  range: { lo: number; hi: number },
  o: IdentifyOptions & { asOf: Date },
  runs: { current: { id: number; asOf: Date } | null; previousId: number | null },
): Promise<BatchFacts[]> {
  const lo = sql`${range.lo}::bigint`;
  const hi = sql`${range.hi}::bigint`;
  const asOf = sql`${o.asOf}::timestamptz`;
  const asOfDay = sql`${Math.floor(o.asOf.getTime() / DAY_MS)}::integer`;
  const recent = sql`${o.recentDays}::integer`;
  const toDay = (expr: ReturnType<typeof sql>) => sql`((${expr} AT TIME ZONE 'UTC')::date - DATE '1970-01-01')`;
  const { rows } = await sql<FactsRow>`
    WITH c AS (
      SELECT c.id AS customer_id, coalesce(c.acquired_at, c.created_at) AS since, c.team_id, c.acquisition_channel, c.country,
             st.state AS stored_state, st.entered_at AS stored_entered_at, st.latent_need AS stored_latent_need,
             st.latent_need_evidence AS stored_latent_evidence
      FROM customers c LEFT JOIN customer_states st ON st.customer_id = c.id
      WHERE c.id BETWEEN ${lo} AND ${hi}
    ),
    k AS (
      SELECT customer_id, id, plan, started_at, reason_code, monthly_value, currency, cancelled_at,
             coalesce(ends_at, cancelled_at, 'infinity'::timestamptz) AS end_at
      FROM contracts WHERE customer_id BETWEEN ${lo} AND ${hi} AND started_at <= ${asOf}
    ),
    k1 AS (
      SELECT k.*, max(end_at) OVER wp AS prev_end, lag(cancelled_at) OVER w AS prev_cancelled, lag(monthly_value) OVER w AS prev_value
      FROM k
      WINDOW w AS (PARTITION BY customer_id ORDER BY started_at, id),
             wp AS (PARTITION BY customer_id ORDER BY started_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ),
    k2 AS (
      SELECT k1.*, (prev_end IS NULL OR started_at > prev_end + make_interval(days => ${o.renewalGapDays}::integer)) AS island_start_row
      FROM k1
    ),
    k3 AS (
      SELECT k2.*, sum(CASE WHEN island_start_row THEN 1 ELSE 0 END) OVER (PARTITION BY customer_id ORDER BY started_at, id) AS island FROM k2
    ),
    k4 AS (SELECT k3.*, max(end_at) OVER (PARTITION BY customer_id, island) AS island_end FROM k3),
    isl AS (
      SELECT customer_id, island, min(started_at) AS island_start, island_end,
             (sum(monthly_value) FILTER (WHERE end_at = island_end) * 12)::bigint AS value,
             min(currency) FILTER (WHERE end_at = island_end) AS currency,
             min(plan) FILTER (WHERE end_at = island_end) AS plan,
             min(reason_code) FILTER (WHERE end_at = island_end) AS reason_code,
             max(cancelled_at) FILTER (WHERE end_at = island_end) AS cancelled_at,
             count(*) FILTER (WHERE NOT island_start_row AND prev_cancelled IS NOT NULL AND monthly_value < prev_value) AS downgrades
      FROM k4 GROUP BY customer_id, island, island_end
    ),
    cs AS (
      SELECT customer_id,
             jsonb_agg(jsonb_build_object(
               'start', island_start, 'end', CASE WHEN island_end = 'infinity'::timestamptz THEN NULL ELSE island_end END,
               'value', value, 'currency', currency, 'plan', plan, 'reasonCode', reason_code, 'cancelledAt', cancelled_at) ORDER BY island) AS islands,
             sum(downgrades)::bigint AS downgrades,
             CASE WHEN max(island_end) <= ${asOf} THEN max(island_end) END AS exit_at
      FROM isl GROUP BY customer_id
    ),
    od AS (
      SELECT customer_id, ${toDay(sql`occurred_at`)} AS day, sum(amount)::bigint AS amount, min(currency) AS currency
      FROM orders WHERE customer_id BETWEEN ${lo} AND ${hi} AND occurred_at <= ${asOf}
      GROUP BY 1, 2
    ),
    o1 AS (
      SELECT od.*, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS gap,
             sum(amount) OVER (PARTITION BY customer_id ORDER BY day RANGE BETWEEN 364 PRECEDING AND CURRENT ROW) AS t12
      FROM od
    ),
    o2 AS (
      SELECT o1.*, lag(t12) OVER (PARTITION BY customer_id ORDER BY day) AS prev_t12, max(day) OVER (PARTITION BY customer_id) AS last_day
      FROM o1
    ),
    os AS (
      SELECT customer_id, count(*) AS days, min(day) AS first_day, max(day) AS last_day,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap,
             count(*) FILTER (WHERE day > ${asOfDay} - ${recent}) AS recent_days,
             sum(amount) FILTER (WHERE day > last_day - 365)::bigint AS t12,
             min(currency) AS currency
      FROM o2 GROUP BY customer_id
    ),
    allowed AS (
      SELECT customer_id,
             CASE WHEN days <= 1 OR median_gap IS NULL THEN ${o.singlePurchaseGapDays}::float8
                  ELSE greatest(${o.sleepingMinGapDays}::float8, ceil(${o.sleepingGapFactor}::float8 * median_gap)) END AS allowed
      FROM os
    ),
    gaps AS (
      SELECT o2.customer_id, jsonb_agg(jsonb_build_object('from', o2.day - o2.gap, 'to', o2.day, 'trailing12m', o2.prev_t12) ORDER BY o2.day) AS gaps
      FROM o2 JOIN allowed a USING (customer_id) WHERE o2.gap > a.allowed GROUP BY o2.customer_id
    ),
    after AS (
      SELECT od.customer_id,
             min(od.day) FILTER (WHERE c.stored_entered_at IS NOT NULL AND od.day > ${toDay(sql`c.stored_entered_at`)}) AS first_after_stored,
             count(*) FILTER (WHERE cs.exit_at IS NOT NULL AND od.day > ${toDay(sql`cs.exit_at`)}) AS days_after_exit
      FROM od JOIN c USING (customer_id) LEFT JOIN cs USING (customer_id)
      GROUP BY od.customer_id
    ),
    ia AS (
      SELECT i.customer_id,
             count(*) FILTER (WHERE i.type = 'complaint' AND i.occurred_at > ${asOf} - make_interval(days => ${recent})) AS complaints_recent,
             count(*) FILTER (WHERE i.type = 'complaint' AND i.occurred_at <= ${asOf} - make_interval(days => ${recent})
                                AND i.occurred_at > ${asOf} - make_interval(days => 2 * ${recent})) AS complaints_before,
             count(*) FILTER (WHERE i.type IN ('usage', 'support_ticket', 'service_call') AND i.occurred_at > cs.exit_at) AS need_after_exit,
             count(*) FILTER (WHERE i.type IN ('usage', 'support_ticket', 'service_call')
                                AND ${toDay(sql`i.occurred_at`)} > os.last_day) AS need_after_last_order
      FROM interactions i LEFT JOIN cs USING (customer_id) LEFT JOIN os USING (customer_id)
      WHERE i.customer_id BETWEEN ${lo} AND ${hi} AND i.occurred_at <= ${asOf}
      GROUP BY i.customer_id
    ),
    sc AS (
      SELECT customer_id, p_alive, clv, currency FROM customer_scores
      WHERE analysis_run_id = ${runs.current?.id ?? null}::bigint AND customer_id BETWEEN ${lo} AND ${hi}
    ),
    sp AS (
      SELECT customer_id, p_alive FROM customer_scores
      WHERE analysis_run_id = ${runs.previousId}::bigint AND customer_id BETWEEN ${lo} AND ${hi}
    )
    SELECT c.*, cs.islands, cs.downgrades,
           os.days, os.first_day, os.last_day, os.median_gap, os.recent_days, os.t12, os.currency AS order_currency,
           gaps.gaps, after.first_after_stored, after.days_after_exit,
           ia.complaints_recent, ia.complaints_before, ia.need_after_exit, ia.need_after_last_order,
           sc.p_alive, sp.p_alive AS p_alive_prev, sc.clv, sc.currency AS score_currency
    FROM c
    LEFT JOIN cs USING (customer_id)
    LEFT JOIN os USING (customer_id)
    LEFT JOIN gaps USING (customer_id)
    LEFT JOIN after USING (customer_id)
    LEFT JOIN ia USING (customer_id)
    LEFT JOIN sc USING (customer_id)
    LEFT JOIN sp USING (customer_id)
    ORDER BY c.customer_id`.execute(db);

  return rows.map((r) => {
    const islands: Island[] = (r.islands ?? []).map((i) => ({
      start: new Date(i.start),
      end: i.end === null ? null : new Date(i.end),
      value: Number(i.value ?? 0),
      currency: trimmed(i.currency),
      plan: i.plan,
      reasonCode: i.reasonCode,
      cancelledAt: i.cancelledAt === null ? null : new Date(i.cancelledAt),
    }));
    const pastGaps: PastGap[] = (r.gaps ?? []).map((g) => ({ from: dayDate(g.from), to: dayDate(g.to), trailing12m: Number(g.trailing12m ?? 0) }));
    const facts: CustomerFacts = {
      customerId: Number(r.customer_id),
      since: r.since,
      teamId: r.team_id === null ? null : Number(r.team_id),
      channel: r.acquisition_channel,
      country: trimmed(r.country),
      islands,
      downgrades: Number(r.downgrades ?? 0),
      orders: {
        days: Number(r.days ?? 0),
        firstDay: r.first_day === null ? null : dayDate(r.first_day),
        lastDay: r.last_day === null ? null : dayDate(r.last_day),
        medianGapDays: r.median_gap === null ? null : Number(r.median_gap),
        recentDays: Number(r.recent_days ?? 0),
        trailing12m: Number(r.t12 ?? 0),
        currency: trimmed(r.order_currency),
        pastGaps,
        firstDayAfterStored: r.first_after_stored === null ? null : dayDate(r.first_after_stored),
        daysAfterContractExit: Number(r.days_after_exit ?? 0),
      },
      interactions: {
        complaintsRecent: Number(r.complaints_recent ?? 0),
        complaintsBefore: Number(r.complaints_before ?? 0),
        needAfterContractExit: Number(r.need_after_exit ?? 0),
        needAfterLastOrder: Number(r.need_after_last_order ?? 0),
      },
      scores:
        r.p_alive === null || !runs.current
          ? null
          : {
              analysisRunId: runs.current.id,
              asOf: runs.current.asOf,
              pAlive: Number(r.p_alive),
              pAlivePrevious: r.p_alive_prev === null ? null : Number(r.p_alive_prev),
              clv: Number(r.clv),
              currency: trimmed(r.score_currency)!,
            },
      stored: r.stored_state && r.stored_entered_at ? { state: r.stored_state, enteredAt: r.stored_entered_at } : null,
    };
    return {
      facts,
      storedLatent: r.stored_state ? { flag: Boolean(r.stored_latent_need), evidence: r.stored_latent_evidence } : null,
    };
  });
}

/** Appends the transitions and writes the changed current states of one batch. */
export async function writeBatch(
  trx: Transaction<DB>,
  recomputeId: number,
  changes: { facts: CustomerFacts; result: Classification; writeState: boolean }[],
): Promise<number> {
  const transitions = changes.flatMap(({ facts, result }) =>
    result.transitions.map((t) => ({
      customer_id: facts.customerId,
      from_state: t.from,
      to_state: t.state,
      effective_at: t.at.toISOString(),
      reason: t.reason,
      analysis_run_id: t.analysisRunId ?? null,
      currency: t.loss?.currency ?? null,
      value_lost: t.loss?.value ?? null,
      value_basis: t.loss?.basis ?? null,
      forecast_value: t.loss?.forecast ?? null,
      reason_code: t.loss?.reasonCode ?? null,
      plan: t.loss?.plan ?? null,
      team_id: facts.teamId,
      acquisition_channel: facts.channel,
      country: facts.country,
    })),
  );
  if (transitions.length > 0) {
    await sql`
      INSERT INTO state_transitions (customer_id, from_state, to_state, effective_at, reason, analysis_run_id, recompute_id, currency,
                                     value_lost, value_basis, forecast_value, reason_code, plan, team_id, acquisition_channel, country)
      SELECT customer_id, from_state, to_state, effective_at, reason, analysis_run_id, ${recomputeId}::bigint, currency,
             value_lost, value_basis, forecast_value, reason_code, plan, team_id, acquisition_channel, country
      FROM jsonb_to_recordset(${JSON.stringify(transitions)}::jsonb) AS t(
        customer_id bigint, from_state text, to_state text, effective_at timestamptz, reason jsonb, analysis_run_id bigint, currency text,
        value_lost bigint, value_basis text, forecast_value bigint, reason_code text, plan text, team_id bigint, acquisition_channel text, country text)
      ORDER BY customer_id, effective_at`.execute(trx);
  }
  const states = changes
    .filter((c) => c.writeState)
    .map(({ facts, result }) => ({
      customer_id: facts.customerId,
      state: result.state,
      entered_at: result.enteredAt.toISOString(),
      evidence: result.evidence,
      latent_need: result.latentNeed,
      latent_need_evidence: result.latentNeedEvidence,
      evidence_changed: result.transitions.length > 0,
    }));
  if (states.length > 0) {
    await sql`
      INSERT INTO customer_states (customer_id, state, entered_at, evidence, latent_need, latent_need_evidence, recompute_id)
      SELECT customer_id, state, entered_at, evidence, latent_need, latent_need_evidence, ${recomputeId}::bigint
      FROM jsonb_to_recordset(${JSON.stringify(states)}::jsonb) AS t(
        customer_id bigint, state text, entered_at timestamptz, evidence jsonb, latent_need boolean, latent_need_evidence jsonb, evidence_changed boolean)
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

/** Customers per state, with how many of them must not be contacted and how many show latent need. */
export async function stateCounts(db: Db): Promise<StateCount[]> {
  const { rows } = await sql<{ state: LifecycleState; customers: number; dnc: number; latent: number }>`
    SELECT s.state, count(*) AS customers, count(*) FILTER (WHERE p.do_not_contact) AS dnc, count(*) FILTER (WHERE s.latent_need) AS latent
    FROM customer_states s LEFT JOIN contact_preferences p ON p.customer_id = s.customer_id
    GROUP BY s.state`.execute(db);
  return rows.map((r) => ({ state: r.state, customers: Number(r.customers), doNotContact: Number(r.dnc), latentNeed: Number(r.latent) }));
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

/** Transitions to lost or sleeping by period (by effective_at, UTC), group and currency. */
export async function lossRows(
  db: Db,
  a: { by: 'month' | 'quarter'; groupBy: LossGroupKey | undefined; from: Date; to: Date; knownAt: Date },
): Promise<LossRow[]> {
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
  return rows.map((r) => ({
    period: r.period,
    group: r.grp,
    toState: r.to_state,
    currency: r.currency === null ? null : r.currency.trim(),
    customers: Number(r.customers),
    valueLost: Number(r.value ?? 0),
    forecastValue: Number(r.forecast ?? 0),
    forecastCustomers: Number(r.forecast_customers),
  }));
}

/**
 * Changes in the number of customers in an active state (active, at_risk, won_back) per period bucket and group:
 * +1 when a customer enters an active state, −1 when the next transition takes them out. Active customers at
 * the start of period P = the sum of the deltas of all buckets before P.
 */
export async function activeDeltas(
  db: Db,
  a: { by: 'month' | 'quarter'; groupBy: LossGroupKey | undefined; knownAt: Date },
): Promise<{ bucket: Date; group: string | null; delta: number }[]> {
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

/** Annualised value of the contracts running at each instant, per currency. */
export async function contractBase(db: Db, starts: Date[]): Promise<{ start: Date; currency: string; value: number }[]> {
  if (starts.length === 0) return [];
  const { rows } = await sql<{ start: Date; currency: string; value: number }>`
    SELECT p.start, k.currency::text AS currency, sum(k.monthly_value * 12)::bigint AS value
    FROM unnest(${starts.map((d) => d.toISOString())}::timestamptz[]) AS p(start)
    JOIN contracts k ON k.started_at < p.start AND coalesce(k.ends_at, k.cancelled_at, 'infinity'::timestamptz) > p.start
    GROUP BY 1, 2`.execute(db);
  return rows.map((r) => ({ start: r.start, currency: r.currency.trim(), value: Number(r.value) }));
}

/** Order revenue per calendar month (UTC) and currency, up to `to`. */
export async function monthlyOrderRevenue(db: Db, to: Date): Promise<{ month: Date; currency: string; amount: number }[]> {
  const { rows } = await sql<{ month: Date; currency: string; amount: number }>`
    SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month, currency::text AS currency, sum(amount)::bigint AS amount
    FROM orders WHERE occurred_at <= ${to}::timestamptz
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
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
