/**
 * Recording the guided recovery call. The call passes the contact gate (a forbidden contact is refused and
 * logged, and in a cycle the agent's claim is given back — nothing else written), is stored as one append-only
 * record, and its outcome takes effect at once: the customer's state (won back), the verified reason, the
 * learned recovery probabilities (a recovery outcome), do-not-contact for a customer who asked for it, the offer
 * budget (an accepted offer is charged atomically: concurrent acceptances cannot overspend), and the target's place
 * in the queue (done, callback, retry or unreachable).
 */
import { sql, type Transaction } from 'kysely';
import { setDoNotContact } from '../contact/repository.js';
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../contact/schemas.js';
import { withContactGate, type OnRefused } from '../contact/service.js';
import { verifyContractReasonIn } from '../analyse/reasons.js';
import { loadConversion } from '../currency/service.js';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import { recordTransition } from '../identify/transitions.js';
import { WinbackError } from './errors.js';
import { offerCost, offerFromRow } from './offers.js';
import { releaseRefusedClaim } from './queue.js';
import { callRecordSchema, parseInput, type CallRecord, type CallRecordInput } from './schemas.js';

export interface RecordedCall {
  callId: number;
  outcome: CallRecord['outcome'];
  stateChanged: boolean;
  offerCharged: { amount: number; currency: string } | null;
  targetStatus: string | null;
}

/** Monthly value of a customer: the last contract's, else a twelfth of the trailing-year order revenue. */
export async function valueBasis(trx: Transaction<DB>, customerId: number, at: Date): Promise<{ monthlyValue: number; currency: string | null }> {
  const { rows } = await sql<{ monthly: number | null; currency: string | null }>`
    SELECT coalesce(k.monthly_value, (SELECT round(sum(amount) / 12.0) FROM orders WHERE customer_id = cu.id
                                        AND occurred_at > ${at}::timestamptz - interval '365 days' AND occurred_at <= ${at}::timestamptz)) AS monthly,
           coalesce(k.currency, (SELECT currency FROM orders WHERE customer_id = cu.id ORDER BY occurred_at DESC LIMIT 1), cu.currency) AS currency
    FROM customers cu
    LEFT JOIN LATERAL (SELECT monthly_value, currency FROM contracts WHERE customer_id = cu.id ORDER BY started_at DESC, id DESC LIMIT 1) k ON true
    WHERE cu.id = ${customerId}`.execute(trx);
  return { monthlyValue: Number(rows[0]?.monthly ?? 0), currency: rows[0]?.currency?.trim() ?? null };
}

export async function recordCall(database: Database, input: CallRecordInput, policy: ContactPolicy = DEFAULT_CONTACT_POLICY): Promise<RecordedCall> {
  const c = parseInput(callRecordSchema, input, 'recovery call');
  const at = c.at ?? new Date();
  const db = database.db;
  const customer = await db.selectFrom('customers').select('id').where('id', '=', c.customerId).executeTakeFirst();
  if (!customer) throw new WinbackError('customer_not_found', `no customer with id ${c.customerId}`);
  const employee = await db.selectFrom('employees').select('id').where('id', '=', c.employeeId).executeTakeFirst();
  if (!employee) throw new WinbackError('employee_not_found', `no employee with id ${c.employeeId}`);
  if (c.diagnosedReason) {
    const known = await db.selectFrom('reasons').select('code').where('code', '=', c.diagnosedReason).executeTakeFirst();
    if (!known) throw new WinbackError('unknown_reason', `no reason code "${c.diagnosedReason}" in the catalogue`);
  }
  const offerRow = c.offer ? await db.selectFrom('offers').selectAll().where('id', '=', c.offer.offerId).executeTakeFirst() : undefined;
  if (c.offer && (!offerRow || !offerRow.active)) throw new WinbackError('offer_not_found', `no active offer with id ${c.offer.offerId}`);

  let target: { status: string; holdout: boolean; claimed_by: number | null; segment: string | null; reason_code: string | null; attempts: number } | undefined;
  if (c.cycleId !== undefined) {
    target = await db
      .selectFrom('cycle_targets')
      .select(['status', 'holdout', 'claimed_by', 'segment', 'reason_code', 'attempts'])
      .where('cycle_id', '=', c.cycleId)
      .where('customer_id', '=', c.customerId)
      .executeTakeFirst();
    if (!target) throw new WinbackError('not_claimed', `customer ${c.customerId} is not a target of cycle ${c.cycleId}`);
    if (target.holdout) throw new WinbackError('not_claimed', `customer ${c.customerId} is in the holdout of cycle ${c.cycleId}: never contacted in this cycle`);
    if (target.status !== 'claimed' || Number(target.claimed_by) !== c.employeeId) {
      throw new WinbackError('not_claimed', `employee ${c.employeeId} holds no claim on customer ${c.customerId} in cycle ${c.cycleId} (ask for the next call first)`);
    }
  }
  // The callback is a contact too: it must be allowed at the time asked for (refused and logged otherwise).
  if (c.outcome === 'considering' && c.callbackAt) {
    await withContactGate(
      database,
      { customerId: c.customerId, channel: c.channel, at: c.callbackAt, action: 'schedule', employeeId: c.employeeId, cycleId: c.cycleId, requestedByCustomer: true },
      policy,
      {},
      async () => undefined,
    );
  }

  const request = { customerId: c.customerId, channel: c.channel, at, action: 'contact' as const, employeeId: c.employeeId, cycleId: c.cycleId, requestedByCustomer: target?.status === 'callback' };
  // A refused call gives the claim back at once (the agent moves on to the next call); the error says where the target went.
  const onRefused: OnRefused | undefined =
    c.cycleId === undefined
      ? undefined
      : async (trx, refused) => {
          const target = await releaseRefusedClaim(trx, c.cycleId!, c.customerId, c.employeeId, refused.refusal);
          return target ? { target } : {};
        };
  return withContactGate(database, request, policy, { reached: c.outcome !== 'unreachable' }, async (trx, gate) => {
    let offerCharged: RecordedCall['offerCharged'] = null;
    let costOfOffer: { amount: number; currency: string | null } | null = null;
    if (c.offer && offerRow) {
      costOfOffer = offerCost(offerFromRow(offerRow).terms, await valueBasis(trx, c.customerId, at));
      if (!costOfOffer) throw new WinbackError('offer_not_eligible', `offer ${offerRow.code} has a fixed cost in another currency than the customer's`);
    }
    const { id } = await trx
      .insertInto('recovery_calls')
      .values({
        customer_id: c.customerId,
        cycle_id: c.cycleId ?? null,
        employee_id: c.employeeId,
        channel: c.channel,
        occurred_at: at,
        apology_made: c.apologyMade,
        customer_explanation: c.customerExplanation ?? null,
        diagnosed_reason: c.diagnosedReason ?? null,
        reason_confirmed: c.reasonConfirmed ?? null,
        support_extended: c.supportExtended ?? null,
        offer_id: c.offer?.offerId ?? null,
        offer_response: c.offer?.response ?? null,
        offer_cost: costOfOffer?.amount ?? null,
        offer_currency: costOfOffer ? (costOfOffer.currency ?? 'XXX') : null,
        outcome: c.outcome,
        next_step: c.nextStep ?? null,
        callback_at: c.callbackAt ?? null,
        notes: c.notes ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const callId = Number(id);
    if (gate.logId !== null) await trx.updateTable('contact_log').set({ call_id: callId }).where('customer_id', '=', c.customerId).where('id', '=', gate.logId).execute();

    const cycle = c.cycleId === undefined ? null : await trx.selectFrom('rescue_cycles').select(['currency', 'max_attempts', 'retry_hours']).where('id', '=', c.cycleId).executeTakeFirstOrThrow();
    if (c.offer?.response === 'accepted' && costOfOffer && costOfOffer.amount > 0 && cycle && c.cycleId !== undefined) {
      // The budget is kept in the cycle's currency: a cost in the customer's currency is charged at today's rate.
      const budgetCurrency = cycle.currency.trim();
      const charge = costOfOffer.currency === null ? null : (await loadConversion(trx)).convertBetween(costOfOffer.amount, costOfOffer.currency, budgetCurrency);
      if (charge === null) {
        throw new WinbackError('offer_not_eligible', `the offer costs ${costOfOffer.currency ?? 'an unknown currency'} and there is no exchange rate into the cycle budget's ${budgetCurrency} (winback currency set-rate)`);
      }
      // One conditional UPDATE: the row lock serialises concurrent acceptances and the condition (and the table's
      // CHECK) keeps the total within the budget.
      const charged = await trx
        .updateTable('rescue_cycles')
        .set({ budget_committed: sql`budget_committed + ${charge}`, updated_at: sql`now()` })
        .where('id', '=', c.cycleId)
        .where(sql<boolean>`budget_committed + ${charge} <= offer_budget`)
        .executeTakeFirst();
      if (Number(charged.numUpdatedRows) === 0) {
        const left = await trx.selectFrom('rescue_cycles').select(sql<number>`offer_budget - budget_committed`.as('left')).where('id', '=', c.cycleId).executeTakeFirstOrThrow();
        throw new WinbackError('budget_exceeded', `the offer costs ${charge} ${budgetCurrency} but only ${Number(left.left)} is left in the cycle budget; nothing was recorded`);
      }
      offerCharged = { amount: charge, currency: budgetCurrency };
    }

    // The verified reason sits beside the mapped one on the contract the customer left with (their latest exit);
    // a customer without a contract keeps the diagnosis on the call record only.
    if (c.diagnosedReason && c.reasonConfirmed) {
      const exit = await trx
        .selectFrom('contracts')
        .select('id')
        .where('customer_id', '=', c.customerId)
        .orderBy(sql`cancelled_at DESC NULLS LAST`)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (exit) await verifyContractReasonIn(trx, { contractId: Number(exit.id), reasonCode: c.diagnosedReason, verifiedAt: at, verifiedBy: c.employeeId });
    }

    let stateChanged = false;
    const learn = async (wonBack: boolean) => {
      const segment = target?.segment ?? (await trx.selectFrom('customer_segments').select('segment').where('customer_id', '=', c.customerId).executeTakeFirst())?.segment ?? null;
      const reasonCode = (c.reasonConfirmed ? c.diagnosedReason : undefined) ?? target?.reason_code ?? 'unknown';
      await trx
        .insertInto('recovery_outcomes')
        .values({ customer_id: c.customerId, occurred_at: at, segment: segment as never, reason_code: reasonCode, measure: 'agent_call', won_back: wonBack, note: `recovery call ${callId}` })
        .execute();
    };
    let targetUpdate: { status: 'done' | 'callback' | 'open' | 'unreachable'; due_at?: Date } = { status: 'done' };
    switch (c.outcome) {
      case 'won_back':
        stateChanged = (await recordTransition(trx, c.customerId, 'won_back', at, { rule: 'recovery_call', callId, cycleId: c.cycleId ?? null })).changed;
        await learn(true);
        break;
      case 'declined':
        await learn(false);
        break;
      case 'asked_not_to_be_contacted':
        await setDoNotContact(trx, c.customerId, at, `recovery call ${callId}`);
        await learn(false);
        break;
      case 'considering':
        targetUpdate = { status: 'callback', due_at: c.callbackAt! };
        break;
      case 'unreachable': {
        if (cycle && target) {
          // The claim makes this call the only writer of the target, so the attempts read before still hold.
          const tried = Number(target.attempts) + 1;
          targetUpdate = tried >= cycle.max_attempts ? { status: 'unreachable' } : { status: 'open', due_at: new Date(at.getTime() + cycle.retry_hours * 3_600_000) };
        }
        break;
      }
      default: {
        const unreachable: never = c.outcome;
        throw new Error(`unhandled outcome ${String(unreachable)}`);
      }
    }

    let targetStatus: string | null = null;
    if (c.cycleId !== undefined) {
      const final = targetUpdate.status === 'done' || targetUpdate.status === 'unreachable';
      await trx
        .updateTable('cycle_targets')
        .set({
          status: targetUpdate.status,
          attempts: sql`attempts + 1`,
          claimed_by: null,
          claimed_at: null,
          claim_expires_at: null,
          outcome: c.outcome,
          ...(targetUpdate.due_at ? { due_at: targetUpdate.due_at } : {}),
          ...(final ? { completed_at: at } : {}),
          updated_at: sql`now()`,
        })
        .where('cycle_id', '=', c.cycleId)
        .where('customer_id', '=', c.customerId)
        .execute();
      targetStatus = targetUpdate.status;
    }
    return { callId, outcome: c.outcome, stateChanged, offerCharged, targetStatus };
  }, onRefused);
}
