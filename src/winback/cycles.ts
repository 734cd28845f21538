/**
 * Rescue cycles: a period, a target rule, an offer budget and the people working it. Starting a cycle selects
 * its targets from the prioritised recovery list (recovery_scores, best expected value in the reporting currency
 * first; a customer whose currency has no exchange rate cannot be compared and is not selected), draws the
 * holdout control group with a recorded seed — those customers are never contacted in this cycle, so that the
 * effect of recovery can be measured against them — and gives each executive a handful of the most valuable
 * targets; the rest form the team's call queue.
 */
import { sql } from 'kysely';
import type { Database } from '../db/engine.js';
import { createRng } from '../stats/random.js';
import { WinbackError } from './errors.js';
import { cycleInputSchema, parseInput, startCycleSchema, type CycleInput, type StartCycleInput, type TargetRule } from './schemas.js';

export async function createCycle(database: Database, input: CycleInput): Promise<{ id: number }> {
  const c = parseInput(cycleInputSchema, input, 'rescue cycle');
  return database.db.transaction().execute(async (trx) => {
    const memberIds = [...new Set(c.members.map((m) => m.employeeId))];
    if (memberIds.length > 0) {
      const found = await trx.selectFrom('employees').select('id').where('id', 'in', memberIds).execute();
      const missing = memberIds.filter((m) => !found.some((f) => Number(f.id) === m));
      if (missing.length > 0) throw new WinbackError('employee_not_found', `no employee with id ${missing.join(', ')}`);
    }
    const { id } = await trx
      .insertInto('rescue_cycles')
      .values({
        name: c.name,
        period_start: c.periodStart,
        period_end: c.periodEnd,
        target_rule: c.targetRule,
        holdout_share: c.holdoutShare,
        executive_targets: c.executiveTargets,
        currency: c.currency,
        offer_budget: c.offerBudget,
        claim_minutes: c.claimMinutes,
        max_attempts: c.maxAttempts,
        retry_hours: c.retryHours,
        created_by: c.createdBy ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (c.members.length > 0) {
      await trx.insertInto('rescue_cycle_members').values(c.members.map((m) => ({ cycle_id: Number(id), employee_id: m.employeeId, role: m.role }))).execute();
    }
    return { id: Number(id) };
  });
}

/** Indices of the holdout: exactly round(n · share) of n, drawn by a seeded Fisher–Yates shuffle. */
export function drawHoldout(n: number, share: number, seed: number): Set<number> {
  const rng = createRng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return new Set(order.slice(0, Math.round(n * share)));
}

export interface StartCycleResult {
  cycleId: number;
  seed: number;
  targets: number;
  holdout: number;
  assignedToExecutives: { employeeId: number; targets: number }[];
  queue: number;
}

export async function startCycle(database: Database, cycleId: number, input: StartCycleInput = {}): Promise<StartCycleResult> {
  const o = parseInput(startCycleSchema, input, 'cycle start');
  const at = o.at ?? new Date();
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  return database.db.transaction().execute(async (trx) => {
    const cycle = await trx.selectFrom('rescue_cycles').selectAll().where('id', '=', cycleId).forUpdate().executeTakeFirst();
    if (!cycle) throw new WinbackError('cycle_not_found', `no rescue cycle with id ${cycleId}`);
    if (cycle.status !== 'draft') throw new WinbackError('cycle_status', `cycle ${cycleId} is ${cycle.status}; only a draft cycle can be started`);
    const rule = cycle.target_rule as unknown as TargetRule;
    const { rows } = await sql<{ customer_id: number; state: string; segment: string | null; reason_code: string | null; currency: string | null; p_recovery: number; value_if_recovered: number; expected_value: number }>`
      SELECT rs.customer_id, rs.state, rs.segment, rs.reason_code, rs.currency, rs.p_recovery, rs.value_if_recovered, rs.expected_value
      FROM recovery_scores rs
      WHERE rs.state = ANY(${rule.states}::text[])
        AND (cardinality(${rule.segments}::text[]) = 0 OR rs.segment = ANY(${rule.segments}::text[]))
        AND (cardinality(${rule.reasons}::text[]) = 0 OR EXISTS (
              SELECT 1 FROM unnest(${rule.reasons}::text[]) r WHERE rs.reason_code = r OR rs.reason_code LIKE r || '.%'))
        AND (cardinality(${rule.teamIds}::bigint[]) = 0 OR rs.team_id = ANY(${rule.teamIds}::bigint[]))
        AND rs.expected_value_reporting >= ${rule.minExpectedValue}
        -- Nobody who asked not to be contacted, and nobody another running cycle is already working on.
        AND NOT EXISTS (SELECT 1 FROM contact_preferences p WHERE p.customer_id = rs.customer_id AND p.do_not_contact)
        AND NOT EXISTS (SELECT 1 FROM cycle_targets t JOIN rescue_cycles c ON c.id = t.cycle_id
                        WHERE t.customer_id = rs.customer_id AND c.status = 'active')
      ORDER BY rs.expected_value_reporting DESC, rs.customer_id
      LIMIT ${rule.maxTargets}`.execute(trx);
    if (rows.length === 0) throw new WinbackError('no_targets', 'no lost or sleeping customer matches the target rule (score the recovery list first: winback recovery score)');

    const holdout = drawHoldout(rows.length, cycle.holdout_share, seed);
    const executives = (await trx.selectFrom('rescue_cycle_members').select('employee_id').where('cycle_id', '=', cycleId).where('role', '=', 'executive').orderBy('employee_id').execute()).map((m) => Number(m.employee_id));
    // The most valuable contactable targets go to the executives, a handful each, dealt like cards so that
    // everyone gets a fair share of the top.
    const assigned = new Map<number, number>();
    let dealt = 0;
    const perExecutive = cycle.executive_targets;
    rows.forEach((r, i) => {
      if (holdout.has(i) || dealt >= executives.length * perExecutive) return;
      assigned.set(i, executives[dealt % executives.length]!);
      dealt++;
    });

    await sql`
      INSERT INTO cycle_targets (cycle_id, customer_id, rank, state_at_start, segment, reason_code, currency, p_recovery,
                                 value_if_recovered, expected_value, holdout, assigned_to, status, due_at)
      SELECT ${cycleId}, t.customer_id, t.rank, t.state, t.segment, t.reason_code, t.currency, t.p, t.value, t.ev, t.holdout, t.assigned,
             CASE WHEN t.holdout THEN 'holdout' ELSE 'open' END, ${at}::timestamptz
      FROM unnest(${rows.map((r) => r.customer_id)}::bigint[], ${rows.map((_, i) => i + 1)}::int[], ${rows.map((r) => r.state)}::text[],
                  ${rows.map((r) => r.segment)}::text[], ${rows.map((r) => r.reason_code)}::text[], ${rows.map((r) => r.currency)}::text[],
                  ${rows.map((r) => r.p_recovery)}::float8[], ${rows.map((r) => r.value_if_recovered)}::bigint[], ${rows.map((r) => r.expected_value)}::bigint[],
                  ${rows.map((_, i) => holdout.has(i))}::boolean[], ${rows.map((_, i) => assigned.get(i) ?? null)}::bigint[])
           AS t(customer_id, rank, state, segment, reason_code, currency, p, value, ev, holdout, assigned)`.execute(trx);
    await trx.updateTable('rescue_cycles').set({ status: 'active', started_at: at, holdout_seed: seed, updated_at: sql`now()` }).where('id', '=', cycleId).execute();
    return {
      cycleId,
      seed,
      targets: rows.length,
      holdout: holdout.size,
      assignedToExecutives: executives.map((e) => ({ employeeId: e, targets: [...assigned.values()].filter((a) => a === e).length })),
      queue: rows.length - holdout.size - assigned.size,
    };
  });
}

export async function closeCycle(database: Database, cycleId: number, at = new Date()): Promise<void> {
  const result = await database.db
    .updateTable('rescue_cycles')
    .set({ status: 'closed', closed_at: at, updated_at: sql`now()` })
    .where('id', '=', cycleId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    const exists = await database.db.selectFrom('rescue_cycles').select('status').where('id', '=', cycleId).executeTakeFirst();
    if (!exists) throw new WinbackError('cycle_not_found', `no rescue cycle with id ${cycleId}`);
    throw new WinbackError('cycle_status', `cycle ${cycleId} is ${exists.status}; only an active cycle can be closed`);
  }
}

export interface CycleProgress {
  id: number;
  name: string;
  status: string;
  periodStart: Date;
  periodEnd: Date;
  holdoutSeed: number | null;
  holdoutShare: number;
  currency: string;
  offerBudget: number;
  budgetCommitted: number;
  targets: number;
  holdout: number;
  byStatus: Record<string, number>;
  byOutcome: Record<string, number>;
  contacted: number;
  wonBack: number;
}

export async function cycleProgress(database: Database, cycleId: number): Promise<CycleProgress> {
  const cycle = await database.db.selectFrom('rescue_cycles').selectAll().where('id', '=', cycleId).executeTakeFirst();
  if (!cycle) throw new WinbackError('cycle_not_found', `no rescue cycle with id ${cycleId}`);
  const statuses = await database.db.selectFrom('cycle_targets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('cycle_id', '=', cycleId).groupBy('status').execute();
  const outcomes = await database.db
    .selectFrom('cycle_targets')
    .select(['outcome', (eb) => eb.fn.countAll<number>().as('n')])
    .where('cycle_id', '=', cycleId)
    .where('outcome', 'is not', null)
    .groupBy('outcome')
    .execute();
  const { contacted } = await database.db
    .selectFrom('recovery_calls')
    .select((eb) => eb.fn.count<number>(sql`DISTINCT customer_id`).as('contacted'))
    .where('cycle_id', '=', cycleId)
    .where('outcome', '<>', 'unreachable')
    .executeTakeFirstOrThrow();
  const byStatus = Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]));
  const byOutcome = Object.fromEntries(outcomes.map((s) => [s.outcome!, Number(s.n)]));
  return {
    id: Number(cycle.id),
    name: cycle.name,
    status: cycle.status,
    periodStart: cycle.period_start,
    periodEnd: cycle.period_end,
    holdoutSeed: cycle.holdout_seed === null ? null : Number(cycle.holdout_seed),
    holdoutShare: cycle.holdout_share,
    currency: cycle.currency,
    offerBudget: Number(cycle.offer_budget),
    budgetCommitted: Number(cycle.budget_committed),
    targets: Object.values(byStatus).reduce((a, b) => a + b, 0),
    holdout: byStatus['holdout'] ?? 0,
    byStatus,
    byOutcome,
    contacted: Number(contacted),
    wonBack: byOutcome['won_back'] ?? 0,
  };
}

/** A cycle as the list of cycles shows it. */
export type CycleSummary = Awaited<ReturnType<typeof listCycles>>[number];

export async function listCycles(database: Database) {
  const rows = await database.db.selectFrom('rescue_cycles').select(['id', 'name', 'status', 'period_start', 'period_end', 'started_at']).orderBy('id', 'desc').execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name, status: r.status, periodStart: r.period_start, periodEnd: r.period_end, startedAt: r.started_at }));
}
