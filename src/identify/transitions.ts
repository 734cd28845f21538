/**
 * State changes decided outside the recompute — a recovery call that won a customer back — written the same
 * way the recompute writes its own: an appended transition with its reason, and the current-state cache.
 */
import { sql, type Transaction } from 'kysely';
import type { DB, LifecycleState } from '../db/schema.js';

export async function recordTransition(
  trx: Transaction<DB>,
  customerId: number,
  to: LifecycleState,
  at: Date,
  reason: Record<string, unknown>,
): Promise<{ from: LifecycleState | null; changed: boolean }> {
  const current = await trx.selectFrom('customer_states').select('state').where('customer_id', '=', customerId).forUpdate().executeTakeFirst();
  const from = current?.state ?? null;
  if (from === to) return { from, changed: false };
  await trx.insertInto('state_transitions').values({ customer_id: customerId, from_state: from, to_state: to, effective_at: at, reason }).execute();
  await trx
    .insertInto('customer_states')
    .values({ customer_id: customerId, state: to, entered_at: at, evidence: reason })
    .onConflict((oc) => oc.column('customer_id').doUpdateSet({ state: to, entered_at: at, evidence: reason, latent_need: false, latent_need_evidence: null, updated_at: sql`now()` }))
    .execute();
  return { from, changed: true };
}
