import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactHistory, setDoNotContact } from '../contact/repository.js';
import { recordContact } from '../contact/service.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { recordCall } from './calls.js';
import { createCycle, cycleProgress, drawHoldout, startCycle } from './cycles.js';
import { setExchangeRate } from '../currency/service.js';
import { nextCall, releaseClaim } from './queue.js';
import { listCycleTargets } from './targets.js';
import { callWorkspace } from './workspace.js';

const AT = new Date('2025-03-10T10:00:00Z'); // 11:00 in Berlin, inside calling hours
const TARGETS = 20;

describe('holdout draw', () => {
  it('holds out exactly round(n · share), the same customers for the same seed', () => {
    expect(drawHoldout(20, 0.1, 7).size).toBe(2);
    expect([...drawHoldout(1000, 0.1, 42)].sort()).toEqual([...drawHoldout(1000, 0.1, 42)].sort());
    expect([...drawHoldout(1000, 0.1, 42)].sort()).not.toEqual([...drawHoldout(1000, 0.1, 43)].sort());
  });
});

describeEachEngine('rescue cycle, call queue and guided calls', (engine) => {
  let database: TestDatabase;
  let agents: number[];
  let executive: number;
  let customers: number[];

  beforeEach(async () => {
    database = await engine.open();
    const db = database.db;
    const employee = async (code: string, role: 'agent' | 'executive') => Number((await db.insertInto('employees').values({ code, name: code, role }).returning('id').executeTakeFirstOrThrow()).id);
    agents = [await employee('A1', 'agent'), await employee('A2', 'agent')];
    executive = await employee('X1', 'executive');
    customers = [];
    // Scores as `winback recovery score` writes them, in EUR, the reporting currency.
    for (let i = 0; i < TARGETS; i++) {
      const { id } = await db.insertInto('customers').values({ external_id: `C${i}`, name: `Customer ${i}`, timezone: 'Europe/Berlin', currency: 'EUR' }).returning('id').executeTakeFirstOrThrow();
      customers.push(Number(id));
      await db.insertInto('contracts').values({ customer_id: Number(id), external_id: `K${i}`, plan: 'pro', started_at: new Date('2022-01-01'), cancelled_at: new Date('2025-01-15'), cancellation_reason: 'too expensive', monthly_value: 10_000, currency: 'EUR' } as never).execute();
      await db.insertInto('customer_states').values({ customer_id: Number(id), state: 'lost', entered_at: new Date('2025-01-15'), evidence: {} }).execute();
      await db
        .insertInto('recovery_scores')
        .values({
          customer_id: Number(id),
          as_of: AT,
          state: 'lost',
          state_since: new Date('2025-01-15'),
          segment: 'true_friends',
          reason_code: 'price.too_expensive',
          team_id: null,
          currency: 'EUR',
          measure: 'agent_call',
          p_recovery: 0.3,
          value_if_recovered: 100_000 + i * 1000,
          cost: 1500,
          expected_value: 28_500 + i * 300,
          explanation: {},
          reporting_currency: 'EUR',
          exchange_rate: 1,
          value_if_recovered_reporting: 100_000 + i * 1000,
          cost_reporting: 1500,
          expected_value_reporting: 28_500 + i * 300,
        } as never)
        .execute();
    }
  });
  afterEach(() => database.dispose());

  const start = async (budget = 100_000) => {
    const { id } = await createCycle(database, {
      name: 'March',
      periodStart: '2025-03-01',
      periodEnd: '2025-04-01',
      offerBudget: budget,
      executiveTargets: 2,
      members: [...agents.map((employeeId) => ({ employeeId, role: 'agent' as const })), { employeeId: executive, role: 'executive' }],
    });
    const started = await startCycle(database, id, { seed: 11, at: AT });
    return { id, started };
  };
  const conversation = { apologyMade: true, customerExplanation: 'Your prices went up twice last year', diagnosedReason: 'price.too_expensive', reasonConfirmed: true };

  it('selects targets by expected value, holds out a seeded control group and gives the executive the top', async () => {
    const { id, started } = await start();
    expect(started).toMatchObject({ targets: TARGETS, holdout: 2, seed: 11, assignedToExecutives: [{ employeeId: executive, targets: 2 }], queue: 16 });
    const rows = await database.db.selectFrom('cycle_targets').selectAll().where('cycle_id', '=', id).orderBy('rank').execute();
    expect(rows.map((r) => Number(r.customer_id))).toEqual([...customers].reverse());
    const holdout = new Set(drawHoldout(TARGETS, 0.1, 11));
    expect(rows.filter((r) => r.holdout).map((r) => r.rank - 1).sort()).toEqual([...holdout].sort());
    expect(rows.filter((r) => r.assigned_to !== null).map((r) => r.rank)).toEqual(rows.filter((r) => !r.holdout).slice(0, 2).map((r) => r.rank));
  });

  it('never gives two agents asking at once the same customer, and never a holdout customer', async () => {
    const { id } = await start();
    // 20 targets − 2 held out − 2 for the executive = 16 for the agents; 20 claimers race for them.
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => nextCall(database, id, { employeeId: agents[i % 2]!, at: AT })));
    const claimed = claims.filter((c) => c !== null).map((c) => c.customerId);
    expect(claimed).toHaveLength(16);
    expect(new Set(claimed).size).toBe(16);
    const holdout = await database.db.selectFrom('cycle_targets').select('customer_id').where('cycle_id', '=', id).where('holdout', '=', true).execute();
    for (const h of holdout) expect(claimed).not.toContain(Number(h.customer_id));
    // Agents never get the executive's assigned targets; the executive gets them first.
    const mine = await nextCall(database, id, { employeeId: executive, at: AT });
    expect(mine).toMatchObject({ assignedToMe: true });
  });

  it('lists the targets in rank order, by queue status and by who has them, page by page', async () => {
    const { id } = await start();
    const claim = (await nextCall(database, id, { employeeId: agents[0]!, at: AT }))!;
    const all = await listCycleTargets(database, id, { limit: 7 });
    expect(all.total).toBe(TARGETS);
    expect(all.targets.map((t) => t.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const next = await listCycleTargets(database, id, { limit: 7, offset: 14 });
    expect(next.targets.map((t) => t.rank)).toEqual([15, 16, 17, 18, 19, 20]);
    const held = await listCycleTargets(database, id, { status: 'holdout' });
    expect(held.targets.map((t) => t.holdout)).toEqual([true, true]);
    expect(await listCycleTargets(database, id, { status: ['claimed'] })).toMatchObject({ total: 1, targets: [{ customerId: claim.customerId, claimedBy: { id: agents[0] } }] });
    expect((await listCycleTargets(database, id, { employeeId: executive })).targets.map((t) => t.assignedTo?.id)).toEqual([executive, executive]);
    await expect(listCycleTargets(database, id, { status: 'lost' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('status') });
    await expect(listCycleTargets(database, 999_999)).rejects.toMatchObject({ code: 'cycle_not_found' });
  });

  it('lets an expired claim go back to the queue', async () => {
    const { id } = await start();
    const first = await nextCall(database, id, { employeeId: agents[0]!, at: AT });
    const later = await nextCall(database, id, { employeeId: agents[1]!, at: new Date(AT.getTime() + 31 * 60_000) });
    expect(later!.customerId).toBe(first!.customerId);
  });

  it('records every outcome with its effects on state, reason, learning, contact rules and budget', async () => {
    const { id } = await start(15_000);
    const offers = await database.db.selectFrom('offers').select(['id', 'code']).execute();
    const offerId = (code: string) => Number(offers.find((o) => o.code === code)!.id);
    const claim = async (employeeId = agents[0]!) => (await nextCall(database, id, { employeeId, at: AT }))!.customerId;

    const won = await claim();
    const result = await recordCall(database, { ...conversation, customerId: won, cycleId: id, employeeId: agents[0]!, at: AT, offer: { offerId: offerId('free_month'), response: 'accepted' }, outcome: 'won_back', nextStep: 'send the contract' });
    expect(result).toMatchObject({ outcome: 'won_back', stateChanged: true, offerCharged: { amount: 10_000, currency: 'EUR' }, targetStatus: 'done' });
    expect((await database.db.selectFrom('customer_states').select('state').where('customer_id', '=', won).executeTakeFirstOrThrow()).state).toBe('won_back');
    const outcome = await database.db.selectFrom('recovery_outcomes').selectAll().where('customer_id', '=', won).executeTakeFirstOrThrow();
    expect([outcome.won_back, outcome.reason_code, outcome.segment]).toEqual([true, 'price.too_expensive', 'true_friends']);

    // The budget has 5,000 left: a second free month (10,000) is refused and nothing of that call is written.
    const second = await claim();
    await expect(
      recordCall(database, { ...conversation, customerId: second, cycleId: id, employeeId: agents[0]!, at: AT, offer: { offerId: offerId('free_month'), response: 'accepted' }, outcome: 'won_back', nextStep: 'x' }),
    ).rejects.toMatchObject({ code: 'budget_exceeded' });
    expect(await database.db.selectFrom('recovery_calls').select('id').where('customer_id', '=', second).execute()).toHaveLength(0);

    await recordCall(database, { ...conversation, customerId: second, cycleId: id, employeeId: agents[0]!, at: AT, outcome: 'asked_not_to_be_contacted' });
    await expect(recordCall(database, { customerId: second, employeeId: agents[1]!, channel: 'email', at: new Date(AT.getTime() + 86_400_000), outcome: 'unreachable' })).rejects.toMatchObject({
      code: 'refused',
      details: { rule: 'do_not_contact' },
    });
    expect((await contactHistory(database.db, second)).map((l) => [l.allowed, l.rule])).toContainEqual([false, 'do_not_contact']);

    const unreachable = await claim();
    expect(await recordCall(database, { customerId: unreachable, cycleId: id, employeeId: agents[0]!, at: AT, outcome: 'unreachable' })).toMatchObject({ targetStatus: 'open' });
    const retry = await database.db.selectFrom('cycle_targets').select(['attempts', 'due_at']).where('cycle_id', '=', id).where('customer_id', '=', unreachable).executeTakeFirstOrThrow();
    expect([retry.attempts, retry.due_at.toISOString()]).toEqual([1, new Date(AT.getTime() + 24 * 3_600_000).toISOString()]);

    const thinking = await claim();
    expect(
      await recordCall(database, { ...conversation, customerId: thinking, cycleId: id, employeeId: agents[0]!, at: AT, outcome: 'considering', callbackAt: new Date('2025-03-12T09:00:00Z'), nextStep: 'call back Wednesday' }),
    ).toMatchObject({ targetStatus: 'callback' });

    const declined = await claim();
    // The call verifies a different reason than the text mapped to: both are kept, the contract mapped on the way.
    await recordCall(database, { ...conversation, diagnosedReason: 'service.slow_response', customerId: declined, cycleId: id, employeeId: agents[0]!, at: AT, offer: { offerId: offerId('discount_20_6m'), response: 'declined' }, outcome: 'declined' });
    const verified = await sql<{ mapped_code: string; verified_code: string | null; verified_by: number | null }>`
      SELECT mapped_code, verified_code, verified_by FROM contract_reasons WHERE customer_id = ${declined}`.execute(database.db);
    expect(verified.rows.map((r) => [r.mapped_code, r.verified_code, Number(r.verified_by)])).toEqual([['price.too_expensive', 'service.slow_response', agents[0]]]);

    const progress = await cycleProgress(database, id);
    expect(progress).toMatchObject({ budgetCommitted: 10_000, wonBack: 1, byOutcome: { won_back: 1, asked_not_to_be_contacted: 1, unreachable: 1, considering: 1, declined: 1 } });
  });

  it('gives the claim back when a contact rule refuses the call, so the next call moves on', async () => {
    const { id } = await start();
    const agent = agents[0]!;
    const target = async (customerId: number) =>
      database.db.selectFrom('cycle_targets').select(['status', 'claimed_by', 'attempts', 'due_at']).where('cycle_id', '=', id).where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    const declined = (customerId: number, at = AT) => recordCall(database, { ...conversation, customerId, cycleId: id, employeeId: agent, at, outcome: 'declined' });

    // The customer asks not to be contacted while the agent has them open: the call is refused, the customer leaves the queue.
    const blocked = (await nextCall(database, id, { employeeId: agent, at: AT }))!.customerId;
    await setDoNotContact(database.db, blocked, AT, 'letter');
    await expect(declined(blocked)).rejects.toMatchObject({ code: 'refused', details: { rule: 'do_not_contact', target: { cycleId: id, status: 'blocked', dueAt: null } } });
    expect(await target(blocked)).toMatchObject({ status: 'blocked', claimed_by: null, attempts: 0 });
    const workspace = await callWorkspace(database, blocked, { employeeId: agent, cycleId: id, at: AT });
    expect([workspace.target?.status, workspace.target?.claimedBy, workspace.callNow.rule]).toEqual(['blocked', null, 'do_not_contact']);
    await expect(releaseClaim(database, id, blocked, agent)).rejects.toMatchObject({ code: 'not_claimed' });

    // Contacted by letter meanwhile: refused under the frequency rule, back in the queue when the 30 days are over.
    const frequent = (await nextCall(database, id, { employeeId: agent, at: AT }))!.customerId;
    expect(frequent).not.toBe(blocked);
    await recordContact(database, { customerId: frequent, channel: 'letter', at: new Date(AT.getTime() - 3_600_000), reached: true });
    const freeAgain = new Date(AT.getTime() - 3_600_000 + 30 * 86_400_000);
    await expect(declined(frequent)).rejects.toMatchObject({ details: { rule: 'frequency', target: { status: 'open', dueAt: freeAgain } } });
    expect(await target(frequent)).toMatchObject({ status: 'open', claimed_by: null, attempts: 0, due_at: freeAgain });

    // Claimed at 18:50 in Berlin, recorded at 19:05, after the calling hours: back in the queue, passed over until they allow.
    const late = (await nextCall(database, id, { employeeId: agent, at: new Date('2025-03-10T17:50:00Z') }))!.customerId;
    expect([blocked, frequent]).not.toContain(late);
    const evening = new Date('2025-03-10T18:05:00Z');
    await expect(declined(late, evening)).rejects.toMatchObject({ details: { rule: 'quiet_hours', target: { status: 'open' } } });
    expect(await target(late)).toMatchObject({ status: 'open', claimed_by: null, attempts: 0 });

    // The next call moves on: nobody may be called now; in the morning the late one comes back, the other two do not.
    expect(await nextCall(database, id, { employeeId: agent, at: evening })).toBeNull();
    const morning = new Date('2025-03-11T08:00:00Z');
    const claimedInTheMorning: number[] = [];
    for (let c = await nextCall(database, id, { employeeId: agent, at: morning }); c; c = await nextCall(database, id, { employeeId: agent, at: morning })) {
      claimedInTheMorning.push(c.customerId);
    }
    expect(claimedInTheMorning).toContain(late);
    expect(claimedInTheMorning).not.toContain(blocked);
    expect(claimedInTheMorning).not.toContain(frequent);
    // Only the refusals were logged; no call was recorded.
    expect(await database.db.selectFrom('recovery_calls').select('id').where('cycle_id', '=', id).execute()).toHaveLength(0);
  });

  it('never overspends the offer budget under concurrent acceptances', async () => {
    // 35,000 of budget, each free month costs 10,000: exactly three of eight simultaneous acceptances fit.
    const { id } = await start(35_000);
    const freeMonth = Number((await database.db.selectFrom('offers').select('id').where('code', '=', 'free_month').executeTakeFirstOrThrow()).id);
    const claims: { customerId: number; employeeId: number }[] = [];
    for (let i = 0; i < 8; i++) {
      const employeeId = agents[i % 2]!;
      claims.push({ customerId: (await nextCall(database, id, { employeeId, at: AT }))!.customerId, employeeId });
    }
    const results = await Promise.allSettled(
      claims.map((c) =>
        recordCall(database, { ...conversation, ...c, cycleId: id, at: AT, offer: { offerId: freeMonth, response: 'accepted' }, outcome: 'won_back', nextStep: 'send the contract' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'budget_exceeded' });
    expect(await cycleProgress(database, id)).toMatchObject({ budgetCommitted: 30_000, wonBack: 3 });
    // The refused acceptances wrote nothing: no call, no state change, the claim still held for another try.
    expect(await database.db.selectFrom('recovery_calls').select('id').where('cycle_id', '=', id).execute()).toHaveLength(3);
  });

  it('charges an offer priced in the customer currency to the budget in the cycle currency, at the current rate', async () => {
    const { id } = await start(100_000);
    // The first claimed customer pays in GBP: a free month is 80.00 GBP = 93.60 EUR at 1 GBP = 1.17 EUR.
    const claim = (await nextCall(database, id, { employeeId: agents[0]!, at: AT }))!;
    await database.db.updateTable('contracts').set({ currency: 'GBP', monthly_value: 8_000 }).where('customer_id', '=', claim.customerId).execute();
    await setExchangeRate(database, { currency: 'GBP', rate: '1.17', updatedBy: 'test' });
    const workspace = await callWorkspace(database, claim.customerId, { employeeId: agents[0]!, cycleId: id, at: AT });
    expect(workspace.offers.find((o) => o.offer.code === 'free_month')).toMatchObject({ eligible: true, cost: 8_000, currency: 'GBP', budgetCost: 9_360 });
    const freeMonth = workspace.offers.find((o) => o.offer.code === 'free_month')!.offer.id;
    const result = await recordCall(database, { ...conversation, customerId: claim.customerId, cycleId: id, employeeId: agents[0]!, at: AT, offer: { offerId: freeMonth, response: 'accepted' }, outcome: 'won_back', nextStep: 'x' });
    expect(result.offerCharged).toEqual({ amount: 9_360, currency: 'EUR' });
  });

  it('refuses an incomplete call record, naming what is missing', async () => {
    await expect(recordCall(database, { customerId: customers[0]!, employeeId: agents[0]!, apologyMade: true, customerExplanation: 'x', outcome: 'won_back', nextStep: 'x' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('diagnosedReason'),
    });
    await expect(recordCall(database, { customerId: customers[0]!, employeeId: agents[0]!, customerExplanation: 'x', outcome: 'declined' })).rejects.toMatchObject({
      message: expect.stringContaining('apology'),
    });
  });
});
