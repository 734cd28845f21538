/**
 * The call queue. An agent asks for the next call and gets the highest-ranked target of the cycle that is due,
 * callable now under the contact rules and held by nobody; an executive gets their own assigned targets first.
 * The claim is exclusive — candidates are read FOR UPDATE SKIP LOCKED, so two agents asking at the same instant
 * never get the same customer — and expires after the cycle's claim time if the call is not recorded. One
 * candidate is locked at a time: locking a batch would hide the rest of the batch from the other agents.
 */
import { sql } from 'kysely';
import { contactFacts } from '../contact/repository.js';
import { describeRefusal, evaluateContact } from '../contact/rules.js';
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../contact/schemas.js';
import type { Database } from '../db/engine.js';
import { WinbackError } from './errors.js';
import { nextCallSchema, parseInput, type NextCallInput } from './schemas.js';

export interface ClaimedCall {
  cycleId: number;
  customerId: number;
  rank: number;
  claimExpiresAt: Date;
  assignedToMe: boolean;
  attempts: number;
  /** Targets passed over because a contact rule forbids calling them now (not logged: nothing was attempted). */
  skipped: { customerId: number; rule: string; message: string }[];
}

export async function nextCall(database: Database, cycleId: number, input: NextCallInput, policy: ContactPolicy = DEFAULT_CONTACT_POLICY): Promise<ClaimedCall | null> {
  const o = parseInput(nextCallSchema, input, 'next call');
  const at = o.at ?? new Date();
  return database.db.transaction().execute(async (trx) => {
    const cycle = await trx.selectFrom('rescue_cycles').select(['status', 'claim_minutes']).where('id', '=', cycleId).executeTakeFirst();
    if (!cycle) throw new WinbackError('cycle_not_found', `no rescue cycle with id ${cycleId}`);
    if (cycle.status !== 'active') throw new WinbackError('cycle_status', `cycle ${cycleId} is ${cycle.status}: calls come from an active cycle`);
    const member = await trx.selectFrom('rescue_cycle_members').select('role').where('cycle_id', '=', cycleId).where('employee_id', '=', o.employeeId).executeTakeFirst();
    if (!member) throw new WinbackError('not_a_member', `employee ${o.employeeId} does not work on cycle ${cycleId}`);
    const skipped: ClaimedCall['skipped'] = [];
    const passed: number[] = [];
    for (;;) {
      const { rows } = await sql<{ customer_id: number; rank: number; assigned_to: number | null; attempts: number }>`
        SELECT customer_id, rank, assigned_to, attempts FROM cycle_targets
        WHERE cycle_id = ${cycleId}
          AND ((status IN ('open', 'callback') AND due_at <= ${at}::timestamptz)
               OR (status = 'claimed' AND claim_expires_at <= ${at}::timestamptz))
          AND (assigned_to IS NULL OR assigned_to = ${o.employeeId})
          AND NOT (customer_id = ANY(${passed}::bigint[]))
        ORDER BY (assigned_to IS NOT NULL) DESC, rank
        LIMIT 1
        FOR UPDATE SKIP LOCKED`.execute(trx);
      if (rows.length === 0) return null;
      for (const r of rows) {
        const customerId = Number(r.customer_id);
        passed.push(customerId);
        const facts = await contactFacts(trx, customerId, at, policy.perDays);
        if (!facts) continue;
        const decision = evaluateContact(facts, { channel: 'phone', at, employeeId: o.employeeId, requestedByCustomer: false }, policy);
        if (!decision.allowed) {
          skipped.push({ customerId, rule: decision.refusal.type, message: describeRefusal(decision.refusal) });
          // A customer who asked not to be contacted leaves the queue for good; other rules only delay the call.
          if (decision.refusal.type === 'do_not_contact') {
            await trx.updateTable('cycle_targets').set({ status: 'blocked', updated_at: sql`now()` }).where('cycle_id', '=', cycleId).where('customer_id', '=', customerId).execute();
          }
          continue;
        }
        const claimExpiresAt = new Date(at.getTime() + cycle.claim_minutes * 60_000);
        await trx
          .updateTable('cycle_targets')
          .set({ status: 'claimed', claimed_by: o.employeeId, claimed_at: at, claim_expires_at: claimExpiresAt, updated_at: sql`now()` })
          .where('cycle_id', '=', cycleId)
          .where('customer_id', '=', customerId)
          .execute();
        return { cycleId, customerId, rank: Number(r.rank), claimExpiresAt, assignedToMe: r.assigned_to !== null, attempts: Number(r.attempts), skipped };
      }
    }
  });
}

/** Gives a claimed target back to the queue (the agent cannot make the call after all). */
export async function releaseClaim(database: Database, cycleId: number, customerId: number, employeeId: number): Promise<void> {
  const r = await database.db
    .updateTable('cycle_targets')
    .set({ status: 'open', claimed_by: null, claimed_at: null, claim_expires_at: null, updated_at: sql`now()` })
    .where('cycle_id', '=', cycleId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'claimed')
    .where('claimed_by', '=', employeeId)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new WinbackError('not_claimed', `employee ${employeeId} holds no claim on customer ${customerId} in cycle ${cycleId}`);
}
