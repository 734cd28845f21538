import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadCompany, recordCalls } from '../causes/test-support/company.js';
import { recordTransition } from '../identify/transitions.js';
import { recomputeStates } from '../identify/index.js';
import { loadDemo } from '../customers/test-support/demo.js';
import { refreshCustomerBase } from '../pipeline/refresh.js';
import { describeEachEngine, type TestDatabase } from './test-support/engines.js';
import type { Database } from './engine.js';

/**
 * The summaries of migration 0012 are kept by triggers on every write; after any sequence of writes each must equal
 * what its definition computes from scratch over the tables it summarises.
 */
async function expectSummariesFresh(database: Database): Promise<void> {
  const db = database.db;
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows.map((r) => JSON.stringify(r));
  const same = async (actual: ReturnType<typeof sql>, expected: ReturnType<typeof sql>) => expect(await rows(actual)).toEqual(await rows(expected));

  await same(
    sql`SELECT * FROM loss_facts ORDER BY transition_id`,
    sql`SELECT * FROM winback_losses_of(array(SELECT customer_id FROM state_transitions)) ORDER BY transition_id`,
  );
  await same(
    sql`SELECT day, to_state, currency, code, losses, value_lost, forecast_value, forecast_count FROM loss_days ORDER BY 1, 2, 3, 4`,
    sql`SELECT (effective_at AT TIME ZONE 'UTC')::date AS day, to_state, currency, code, count(*)::bigint AS losses, coalesce(sum(value_lost), 0)::bigint AS value_lost,
               coalesce(sum(forecast_value), 0)::bigint AS forecast_value, count(forecast_value)::bigint AS forecast_count
        FROM loss_facts WHERE NOT multi GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  await same(
    sql`SELECT month, delta FROM active_deltas WHERE delta <> 0 ORDER BY 1`,
    sql`SELECT month, sum(delta)::bigint AS delta FROM winback_active_contribution(array(SELECT customer_id FROM state_transitions), '{}')
        GROUP BY 1 HAVING sum(delta) <> 0 ORDER BY 1`,
  );
  await same(
    sql`SELECT month, currency, value, contracts FROM contract_value_deltas WHERE value <> 0 OR contracts <> 0 ORDER BY 1, 2`,
    sql`SELECT x.month, c.currency::text AS currency, sum(x.value)::bigint AS value, sum(x.contracts)::bigint AS contracts
        FROM contracts c CROSS JOIN LATERAL winback_contract_deltas(c.started_at, coalesce(c.ends_at, c.cancelled_at), c.monthly_value) x
        GROUP BY 1, 2 HAVING sum(x.value) <> 0 OR sum(x.contracts) <> 0 ORDER BY 1, 2`,
  );
  await same(
    sql`SELECT month, currency, amount, orders FROM order_revenue_months WHERE orders <> 0 ORDER BY 1, 2`,
    sql`SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS month, currency::text AS currency, sum(amount)::bigint AS amount, count(*)::bigint AS orders
        FROM orders GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  await same(
    sql`SELECT state, customers, do_not_contact, latent_need FROM state_counts WHERE customers <> 0 ORDER BY 1`,
    sql`SELECT s.state, count(*)::bigint AS customers, count(*) FILTER (WHERE p.do_not_contact)::bigint AS do_not_contact, count(*) FILTER (WHERE s.latent_need)::bigint AS latent_need
        FROM customer_states s LEFT JOIN contact_preferences p ON p.customer_id = s.customer_id GROUP BY 1 ORDER BY 1`,
  );
  // The customer list's copy of each customer's state and sort keys (migration 0019), and the analysis it follows.
  await same(
    sql`SELECT * FROM customer_list_keys ORDER BY customer_id`,
    sql`SELECT * FROM winback_list_keys_of(array(SELECT id FROM customers)) ORDER BY customer_id`,
  );
  await same(sql`SELECT run_id FROM customer_list_keys_run`, sql`SELECT (SELECT id FROM analysis_runs WHERE is_current) AS run_id`);
}

describeEachEngine('report summaries', (engine) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.dispose());

  it('stay equal to their definitions through imports, recomputes, reason mapping, calls, preference and data edits', async () => {
    const ids = await loadCompany(database);
    await expectSummariesFresh(database);
    await recordCalls(database, ids);
    await expectSummariesFresh(database);

    const db = database.db;
    const c1 = ids.customers.C1!;
    // A customer won back and lost again, a second loss that makes them a multi-loss customer.
    await db.transaction().execute((trx) => recordTransition(trx, c1, 'won_back', new Date('2025-05-01T10:00:00Z'), { rule: 'test' }));
    await db.transaction().execute((trx) => recordTransition(trx, c1, 'lost', new Date('2025-06-02T10:30:00Z'), { rule: 'test' }));
    await expectSummariesFresh(database);

    // Edits of the system of record: a contract's end moved, an order's amount changed, an order deleted,
    // a customer asks not to be contacted, then allows it again.
    await db.updateTable('contracts').set({ ends_at: new Date('2025-03-31T00:00:00Z') }).where('id', '=', ids.contracts.K2!).execute();
    await sql`UPDATE orders SET amount = amount + 100 WHERE id = (SELECT min(id) FROM orders)`.execute(db);
    await sql`DELETE FROM orders WHERE id = (SELECT max(id) FROM orders)`.execute(db);
    const at = new Date('2025-06-10T00:00:00Z');
    await db
      .insertInto('contact_preferences')
      .values({ customer_id: c1, do_not_contact: true, do_not_contact_at: at })
      .onConflict((oc) => oc.column('customer_id').doUpdateSet({ do_not_contact: true, do_not_contact_at: at }))
      .execute();
    await expectSummariesFresh(database);
    await db.updateTable('contact_preferences').set({ do_not_contact: false, do_not_contact_at: null }).where('customer_id', '=', c1).execute();
    await sql`UPDATE contract_reasons SET verified_code = NULL, verified_at = NULL, verified_by = NULL`.execute(db);
    await sql`DELETE FROM recovery_calls WHERE customer_id = ${c1}`.execute(db);
    await expectSummariesFresh(database);

    // A later recompute appends transitions to many customers at once.
    await recomputeStates(database, { asOf: '2025-12-31T00:00:00Z' });
    await expectSummariesFresh(database);
  });

  it('keep the customer list\'s keys equal to the current analysis, recovery scores, states and orders', async () => {
    await loadDemo(database, 150);
    await expectSummariesFresh(database);
    const db = database.db;
    const scored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer_list_keys WHERE p_alive IS NOT NULL`.execute(db);
    expect(scored.rows[0]!.n).toBeGreaterThan(0);
    const recovery = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer_list_keys WHERE recovery_scored`.execute(db);
    expect(recovery.rows[0]!.n).toBeGreaterThan(0);

    // A later analysis becomes current (its scores written before it is), with new states and recovery scores.
    await refreshCustomerBase(database, { asOf: new Date('2025-09-30T00:00:00Z') });
    await expectSummariesFresh(database);
    // No current analysis: no scores to show. Then the earliest run current again, in one transaction.
    await db.updateTable('analysis_runs').set({ is_current: false }).where('is_current', '=', true).execute();
    await expectSummariesFresh(database);
    await db.transaction().execute(async (trx) => {
      await sql`UPDATE analysis_runs SET is_current = true WHERE id = (SELECT min(id) FROM analysis_runs WHERE holdout_end IS NULL)`.execute(trx);
      await sql`UPDATE customer_scores SET p_alive = p_alive / 2 WHERE customer_id IN (SELECT customer_id FROM customer_scores ORDER BY customer_id LIMIT 5)`.execute(trx);
    });
    await expectSummariesFresh(database);

    // A new customer, an order of theirs, then the order moved and deleted; a recovery score removed.
    const [customer] = await sql<{ id: number }>`INSERT INTO customers (external_id, name) VALUES ('list-keys-new', 'New') RETURNING id`.execute(db).then((r) => r.rows);
    await expectSummariesFresh(database);
    await sql`INSERT INTO orders (customer_id, order_key, occurred_at, amount, currency) VALUES (${customer!.id}, 'list-keys-1', '2025-07-01T00:00:00Z', 1000, 'EUR')`.execute(db);
    await sql`UPDATE orders SET occurred_at = '2025-08-01T00:00:00Z' WHERE customer_id = ${customer!.id}`.execute(db);
    await expectSummariesFresh(database);
    // Corrected: the order was another customer's.
    await sql`UPDATE orders SET customer_id = (SELECT min(id) FROM customers) WHERE order_key = 'list-keys-1'`.execute(db);
    await expectSummariesFresh(database);
    await sql`DELETE FROM orders WHERE order_key = 'list-keys-1'`.execute(db);
    await sql`DELETE FROM recovery_scores WHERE customer_id = (SELECT min(customer_id) FROM recovery_scores)`.execute(db);
    await expectSummariesFresh(database);

    // Tables emptied at once (TRUNCATE fires no delete trigger), then filled again.
    await sql`TRUNCATE customer_states, recovery_scores`.execute(db);
    await expectSummariesFresh(database);
    await recomputeStates(database, { asOf: '2025-09-30T00:00:00Z' });
    await expectSummariesFresh(database);
  });

  it.skipIf(engine.engine !== 'postgresql')('let a call refresh a customer\'s losses while an orders import is still open', async () => {
    const ids = await loadCompany(database);
    const db = database.db;
    const c1 = ids.customers.C1!;
    let finishImport!: () => void;
    const importMayFinish = new Promise<void>((resolve) => (finishImport = resolve));
    let ordersWritten!: () => void;
    const ordersInTable = new Promise<void>((resolve) => (ordersWritten = resolve));
    const importing = db.transaction().execute(async (trx) => {
      await sql`INSERT INTO orders (customer_id, order_key, occurred_at, amount, currency) VALUES (${c1}, 'still-importing', '2025-06-01T00:00:00Z', 1000, 'EUR')`.execute(trx);
      ordersWritten();
      await importMayFinish;
    });
    await ordersInTable;
    // What a recorded call's trigger does for its customer, in a transaction that gives up after 2 s of waiting.
    try {
      await db.transaction().execute(async (trx) => {
        await sql`SET LOCAL lock_timeout = '2s'`.execute(trx);
        await sql`SELECT winback_refresh_losses(array[${c1}]::bigint[])`.execute(trx);
      });
    } finally {
      finishImport();
      await importing;
    }
    await expectSummariesFresh(database);
  });
});
