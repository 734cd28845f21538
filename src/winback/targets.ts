/**
 * The targets of a rescue cycle, in rank order, with who they are, where they stand in the queue, who has them and
 * what came of the calls — what a manager follows on the cycle page. Holdout targets are listed too (marked as
 * such): the control group is part of the cycle, it is only never called.
 */
import { sql } from 'kysely';
import type { Database } from '../db/engine.js';
import { WinbackError } from './errors.js';
import { parseInput, targetListQuerySchema, type TargetListQueryInput } from './schemas.js';

export interface CycleTarget {
  rank: number;
  customerId: number;
  externalId: string;
  name: string | null;
  company: string | null;
  stateAtStart: string;
  segment: string | null;
  reasonCode: string | null;
  pRecovery: number;
  expectedValue: number;
  currency: string | null;
  holdout: boolean;
  status: string;
  dueAt: Date;
  attempts: number;
  assignedTo: { id: number; name: string } | null;
  claimedBy: { id: number; name: string } | null;
  claimExpiresAt: Date | null;
  outcome: string | null;
  completedAt: Date | null;
}

export interface CycleTargetPage {
  cycleId: number;
  total: number;
  limit: number;
  offset: number;
  targets: CycleTarget[];
}

export async function listCycleTargets(database: Database, cycleId: number, input: TargetListQueryInput = {}): Promise<CycleTargetPage> {
  const q = parseInput(targetListQuerySchema, input, 'cycle targets');
  const cycle = await database.db.selectFrom('rescue_cycles').select('id').where('id', '=', cycleId).executeTakeFirst();
  if (!cycle) throw new WinbackError('cycle_not_found', `no rescue cycle with id ${cycleId}`);
  let base = database.db.selectFrom('cycle_targets as t').where('t.cycle_id', '=', cycleId);
  if (q.status?.length) base = base.where('t.status', 'in', q.status);
  if (q.employeeId !== undefined) base = base.where((eb) => eb.or([eb('t.assigned_to', '=', q.employeeId!), eb('t.claimed_by', '=', q.employeeId!)]));
  const [{ total }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
    base
      .innerJoin('customers as c', 'c.id', 't.customer_id')
      .leftJoin('employees as a', 'a.id', 't.assigned_to')
      .leftJoin('employees as k', 'k.id', 't.claimed_by')
      .select([
        't.rank',
        't.customer_id',
        'c.external_id',
        'c.name',
        'c.company',
        't.state_at_start',
        't.segment',
        't.reason_code',
        't.p_recovery',
        't.expected_value',
        sql<string | null>`trim(t.currency)`.as('currency'),
        't.holdout',
        't.status',
        't.due_at',
        't.attempts',
        't.assigned_to',
        'a.name as assigned_name',
        't.claimed_by',
        'k.name as claimed_name',
        't.claim_expires_at',
        't.outcome',
        't.completed_at',
      ])
      .orderBy('t.rank')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
  ]);
  return {
    cycleId,
    total: Number(total),
    limit: q.limit,
    offset: q.offset,
    targets: rows.map((r) => ({
      rank: r.rank,
      customerId: Number(r.customer_id),
      externalId: r.external_id,
      name: r.name,
      company: r.company,
      stateAtStart: r.state_at_start,
      segment: r.segment,
      reasonCode: r.reason_code,
      pRecovery: r.p_recovery,
      expectedValue: Number(r.expected_value),
      currency: r.currency,
      holdout: r.holdout,
      status: r.status,
      dueAt: r.due_at,
      attempts: r.attempts,
      assignedTo: r.assigned_to === null ? null : { id: Number(r.assigned_to), name: r.assigned_name ?? '' },
      claimedBy: r.claimed_by === null ? null : { id: Number(r.claimed_by), name: r.claimed_name ?? '' },
      claimExpiresAt: r.claim_expires_at,
      outcome: r.outcome,
      completedAt: r.completed_at,
    })),
  };
}
