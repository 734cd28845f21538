import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { loadDemoCompany } from '../ingest/demo/load.js';
import { refreshCustomerBase } from '../pipeline/refresh.js';
import { buildServer } from '../server/app.js';

const AS_OF = new Date('2025-06-30T00:00:00Z');
// A Tuesday, 12:00 UTC: inside calling hours for the demo's European customers.
const AT = '2025-07-01T12:00:00.000Z';

describeEachEngine('a full rescue cycle over the HTTP API, on the demo company', (engine) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await engine.open();
    await loadDemoCompany(database, { customers: 400, seed: 3, asOf: AS_OF });
    await refreshCustomerBase(database, { asOf: AS_OF });
    app = await buildServer(database);
  });
  afterAll(async () => {
    await app.close();
    await database.dispose();
  });

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    return { status: response.statusCode, body: response.body ? response.json() : null };
  };

  it('plans and starts a cycle with a holdout, two agents claim at once, every outcome takes effect', async () => {
    const staff = await database.db.selectFrom('employees').select(['id', 'role']).orderBy('id').execute();
    const agents = staff.filter((e) => e.role === 'agent').slice(0, 2).map((e) => Number(e.id));
    const executive = Number(staff.find((e) => e.role === 'executive')!.id);

    const invalid = await api('POST', '/api/v1/cycles', { name: 'July', periodStart: '2025-07-01', periodEnd: '2025-06-01', offerBudget: 1 });
    expect(invalid).toMatchObject({ status: 422, body: { error: { code: 'invalid_request', message: expect.stringContaining('periodEnd') } } });

    const created = await api('POST', '/api/v1/cycles', {
      name: 'July win-back',
      periodStart: '2025-07-01',
      periodEnd: '2025-08-01',
      offerBudget: 30_000,
      currency: 'EUR',
      executiveTargets: 2,
      targetRule: { maxTargets: 40 },
      members: [...agents.map((employeeId) => ({ employeeId, role: 'agent' })), { employeeId: executive, role: 'executive' }],
    });
    expect(created.status).toBe(201);
    const cycleId = created.body.id as number;
    const started = await api('POST', `/api/v1/cycles/${cycleId}/start`, { seed: 5, at: AT });
    expect(started.status).toBe(200);
    expect(started.body.seed).toBe(5);
    expect(started.body.holdout).toBe(Math.round(started.body.targets * 0.1));
    expect(await api('POST', `/api/v1/cycles/${cycleId}/start`, {})).toMatchObject({ status: 409, body: { error: { code: 'cycle_status' } } });

    // Two agents asking at the same instant never get the same customer, and never a holdout customer.
    const [a, b] = await Promise.all(agents.map((employeeId) => api('POST', `/api/v1/cycles/${cycleId}/next-call`, { employeeId, at: AT })));
    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect(a!.body.customerId).not.toBe(b!.body.customerId);
    const holdout = new Set(
      (await database.db.selectFrom('cycle_targets').select('customer_id').where('cycle_id', '=', cycleId).where('holdout', '=', true).execute()).map((h) => Number(h.customer_id)),
    );
    const claimed: { customerId: number; employeeId: number }[] = [
      { customerId: a!.body.customerId, employeeId: agents[0]! },
      { customerId: b!.body.customerId, employeeId: agents[1]! },
    ];
    for (let i = 0; i < 3; i++) {
      const next = await api('POST', `/api/v1/cycles/${cycleId}/next-call`, { employeeId: agents[0], at: AT });
      expect(next.status).toBe(200);
      claimed.push({ customerId: next.body.customerId, employeeId: agents[0]! });
    }
    for (const c of claimed) expect(holdout.has(c.customerId)).toBe(false);
    const [holdoutCustomer] = [...holdout];
    expect(await api('POST', '/api/v1/calls', { customerId: holdoutCustomer, cycleId, employeeId: agents[0], at: AT, outcome: 'unreachable' })).toMatchObject({
      status: 409,
      body: { error: { code: 'not_claimed', message: expect.stringContaining('holdout') } },
    });

    const slowResponse = async () =>
      ((await api('GET', '/api/v1/causes/pareto?from=2000-01-01&to=2025-08-01')).body.reporting.rows as { code: string; customers: number }[]).find((r) => r.code === 'service.slow_response')?.customers ?? 0;
    const slowBefore = await slowResponse();

    // The workspace tells the story and ranks the offers within the budget.
    const [won, declined, considering, unreachable, refusing] = claimed as [typeof claimed[0], typeof claimed[0], typeof claimed[0], typeof claimed[0], typeof claimed[0]];
    const workspace = await api('GET', `/api/v1/cycles/${cycleId}/workspace/${won.customerId}?employeeId=${won.employeeId}&at=${AT}`);
    expect(workspace.status).toBe(200);
    expect(workspace.body).toMatchObject({ customer: { id: won.customerId }, target: { cycleId, status: 'claimed', claimedBy: won.employeeId }, callNow: { allowed: true }, budget: { total: 30_000, remaining: 30_000, currency: 'EUR' } });
    const offers = workspace.body.offers as { offer: { id: number; code: string }; eligible: boolean; budgetCost: number | null; addedValue: number | null }[];
    expect(offers.length).toBeGreaterThan(0);
    const eligible = offers.filter((o) => o.eligible);
    expect(eligible.map((o) => o.addedValue)).toEqual(eligible.map((o) => o.addedValue).sort((x, y) => y! - x!));
    const paid = offers.find((o) => o.eligible && (o.budgetCost ?? 0) > 0) ?? offers.find((o) => o.eligible)!;
    expect(paid).toBeDefined();

    const conversation = { apologyMade: true, customerExplanation: 'Nobody called us back when the invoices were wrong', diagnosedReason: 'service.slow_response', reasonConfirmed: true };
    const call = (c: typeof won, body: Record<string, unknown>) => api('POST', '/api/v1/calls', { customerId: c.customerId, cycleId, employeeId: c.employeeId, at: AT, ...body });

    const incomplete = await call(won, { outcome: 'won_back', apologyMade: true, customerExplanation: 'x', nextStep: 'x' });
    expect(incomplete).toMatchObject({ status: 422, body: { error: { code: 'invalid_request', message: expect.stringContaining('diagnosedReason') } } });

    const wonCall = await call(won, { ...conversation, offer: { offerId: paid.offer.id, response: 'accepted' }, outcome: 'won_back', nextStep: 'send the new contract' });
    expect(wonCall).toMatchObject({ status: 201, body: { outcome: 'won_back', stateChanged: true, targetStatus: 'done' } });
    const charged = (wonCall.body.offerCharged?.amount as number | undefined) ?? 0;
    expect(charged).toBe(paid.budgetCost ?? 0);
    expect((await call(declined, { ...conversation, outcome: 'declined' })).status).toBe(201);
    expect((await call(considering, { ...conversation, outcome: 'considering', callbackAt: '2025-07-03T12:00:00Z', nextStep: 'call back Thursday' })).body).toMatchObject({ targetStatus: 'callback' });
    expect((await call(unreachable, { outcome: 'unreachable' })).body).toMatchObject({ targetStatus: 'open' });
    expect((await call(refusing, { ...conversation, outcome: 'asked_not_to_be_contacted' })).status).toBe(201);

    // The customer who asked not to be contacted is refused at once, with the rule, on every channel.
    const check = await api('POST', '/api/v1/contact/check', { customerId: refusing.customerId, channel: 'email', at: '2025-09-01T12:00:00Z' });
    expect(check).toMatchObject({ status: 200, body: { allowed: false, refusal: { type: 'do_not_contact' } } });
    const letter = await api('POST', '/api/v1/contact/log', { customerId: refusing.customerId, channel: 'letter', at: '2025-09-01T12:00:00Z' });
    expect(letter).toMatchObject({ status: 403, body: { error: { domain: 'contact', code: 'refused', details: { rule: 'do_not_contact' } } } });

    const progress = await api('GET', `/api/v1/cycles/${cycleId}`);
    expect(progress.body).toMatchObject({
      status: 'active',
      budgetCommitted: charged,
      wonBack: 1,
      contacted: 4,
      byOutcome: { won_back: 1, declined: 1, considering: 1, unreachable: 1, asked_not_to_be_contacted: 1 },
    });
    const stateOf = async (customerId: number) => (await database.db.selectFrom('customer_states').select('state').where('customer_id', '=', customerId).executeTakeFirstOrThrow()).state;
    expect(await stateOf(won.customerId)).toBe('won_back');
    // A refresh before the new contract arrives keeps the win-back agreed on the call.
    await refreshCustomerBase(database, { asOf: new Date('2025-07-02T00:00:00Z') });
    expect(await stateOf(won.customerId)).toBe('won_back');

    // The reasons confirmed on the calls re-rank the Pareto (four conversations confirmed service.slow_response).
    expect(await slowResponse()).toBeGreaterThan(slowBefore);

    // The verified reason and the customer's words reach the frontline report of the team that served them.
    const team = await database.db
      .selectFrom('customers as c')
      .innerJoin('teams as t', 't.id', 'c.team_id')
      .select('t.code')
      .where('c.id', '=', declined.customerId)
      .executeTakeFirst();
    expect(team).toBeDefined();
    const feedback = await api('GET', `/api/v1/causes/feedback?team=${team!.code}&from=2020-01-01&to=2025-08-01`);
    const entry = (feedback.body.customers as { customerId: number; reason: { code: string }; words: { call: { explanation: string } | null } }[]).find((c) => c.customerId === declined.customerId);
    expect(entry).toMatchObject({ reason: { code: 'service.slow_response' }, words: { call: { explanation: conversation.customerExplanation } } });

    const done = await api('GET', `/api/v1/cycles/${cycleId}/targets?status=done,callback`);
    expect(done.status).toBe(200);
    expect(new Set((done.body.targets as { customerId: number }[]).map((t) => t.customerId))).toEqual(new Set([won.customerId, declined.customerId, refusing.customerId, considering.customerId]));

    expect((await api('POST', `/api/v1/cycles/${cycleId}/close`)).body).toMatchObject({ status: 'closed' });
    expect(await api('POST', `/api/v1/cycles/${cycleId}/next-call`, { employeeId: agents[0], at: AT })).toMatchObject({ status: 409, body: { error: { code: 'cycle_status' } } });
  });

  it('keeps the offer catalogue: add, change, deactivate, with coded errors', async () => {
    const added = await api('POST', '/api/v1/offers', {
      code: 'loyalty_credit',
      name: 'Loyalty credit 30.00',
      terms: { type: 'account_credit', amount: { amount: 3000, currency: 'EUR' } },
      eligibleReasons: ['billing'],
      uplift: 1.2,
    });
    expect(added).toMatchObject({ status: 201, body: { code: 'loyalty_credit', kind: 'material', terms: { type: 'account_credit' }, eligibleReasons: ['billing'], active: true } });
    expect((await api('POST', '/api/v1/offers', { code: 'loyalty_credit', name: 'again', terms: { type: 'apology' } })).body).toMatchObject({ error: { code: 'offer_exists' } });
    expect((await api('POST', '/api/v1/offers', { code: 'x', name: 'x', terms: { type: 'discount_percent', percent: 120, months: 1 } })).status).toBe(422);
    expect((await api('POST', '/api/v1/offers', { code: 'y', name: 'y', terms: { type: 'apology' }, eligibleReasons: ['no.such.reason'] })).body).toMatchObject({ error: { code: 'unknown_reason' } });

    const changed = await api('PATCH', `/api/v1/offers/${added.body.id}`, { terms: { type: 'personal_advisor', months: 3, costPerMonth: { amount: 1000, currency: 'EUR' } }, active: false });
    expect(changed).toMatchObject({ status: 200, body: { kind: 'immaterial', terms: { type: 'personal_advisor', months: 3 }, active: false } });
    const active = await api('GET', '/api/v1/offers?active=true');
    expect((active.body.offers as { code: string }[]).map((o) => o.code)).not.toContain('loyalty_credit');
    expect((await api('PATCH', '/api/v1/offers/999999', { active: false })).status).toBe(404);
  });
});
