/**
 * The call queue. An agent asks for the next call and gets the highest-ranked target of the cycle that is due,
 * callable now under the contact rules and held by nobody; an executive gets their own assigned targets first.
 * The claim is exclusive — candidates are read FOR UPDATE SKIP LOCKED, so two agents asking at the same instant
 * never get the same customer — and expires after the cycle's claim time if the call is not recorded. One
 * candidate is locked at a time: locking a batch would hide the rest of the batch from the other agents.
 */
import { sql, type Transaction } from 'kysely';
import { contactFacts } from '../contact/repository.js';
import { describeRefusal, evaluateContact, type ContactRefusal } from '../contact/rules.js';
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../contact/schemas.js';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
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

/** Where a target goes when the contact gate refuses the call its agent is recording. */
export interface RefusedTarget {
  cycleId: number;
  /** 'blocked': out of the queue for good (do not contact); 'open': back in the queue, due at `dueAt`. */
  status: 'blocked' | 'open';
  dueAt: Date | null;
}

/**
 * Gives the agent's claim back when a contact rule refuses the call being recorded, in the transaction that logs
 * the refusal: the agent cannot make this call, so holding the customer until the claim expires would only keep
 * them from the next one. A customer who asked not to be contacted leaves the queue for good (as the queue itself
 * does when it meets one); under the frequency rule the target is due again when the window frees; under the
 * other rules (hours, channel, preferred person) it goes back as it was due, and the queue passes it over while a
 * rule forbids calling it. Nothing was attempted, so the attempts stay. Returns null when the employee held no
 * claim on the target (a call outside a cycle, or the claim already gone).
 */
export async function releaseRefusedClaim(trx: Transaction<DB>, cycleId: number, customerId: number, employeeId: number, refusal: ContactRefusal): Promise<RefusedTarget | null> {
  const status = refusal.type === 'do_not_contact' ? 'blocked' : 'open';
  const dueAt = refusal.type === 'frequency' ? new Date(refusal.nextAllowedAt) : null;
  const r = await trx
    .updateTable('cycle_targets')
    .set({ status, claimed_by: null, claimed_at: null, claim_expires_at: null, ...(dueAt ? { due_at: dueAt } : {}), updated_at: sql`now()` })
    .where('cycle_id', '=', cycleId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'claimed')
    .where('claimed_by', '=', employeeId)
    .returning('due_at')
    .executeTakeFirst();
  return r ? { cycleId, status, dueAt: status === 'open' ? r.due_at : null } : null;
}
