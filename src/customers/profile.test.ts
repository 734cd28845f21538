import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAnalysis } from '../analyze/index.js';
import { DEFAULT_CONTACT_POLICY, evaluateContactRequest, withContactGate } from '../contact/index.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { customerProfile, customerTimeline, listCustomers, TIMELINE_EVENT_TYPES, updatePreferences, type TimelineEvent } from './index.js';
import { DEMO_AS_OF, loadDemo } from './test-support/demo.js';

describeEachEngine('customer profile, timeline and contact preferences', (engine) => {
  let database: TestDatabase;
  /** A lost customer with contracts, orders, interactions and state history, given a contact and a recovery call. */
  let subject: number;
  /** A sleeping order customer: scored by the analysis, segmented, with a recovery score. */
  let scored: number;
  beforeAll(async () => {
    database = await engine.open();
    await loadDemo(database, 300);
    // A validation analysis (never current) adds a second point to the P(alive) history.
    await runAnalysis(database, { asOf: DEMO_AS_OF, holdout: new Date('2025-01-01T00:00:00Z') });
    // In the demo, contract customers have no orders: the subject is given one (an order after cancelling is
    // the latent need the states look for) so that its timeline holds every kind of event.
    const { rows } = await sql<{ id: number }>`
      SELECT c.id FROM customers c JOIN customer_states s ON s.customer_id = c.id AND s.state = 'lost'
      WHERE EXISTS (SELECT 1 FROM contracts k WHERE k.customer_id = c.id AND k.cancelled_at IS NOT NULL)
        AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM contact_preferences p WHERE p.customer_id = c.id AND p.do_not_contact)
      ORDER BY c.id LIMIT 1`.execute(database.db);
    subject = Number(rows[0]!.id);
    const { rows: sleeping } = await sql<{ id: number }>`
      SELECT c.id FROM customers c JOIN customer_states s ON s.customer_id = c.id AND s.state = 'sleeping'
      JOIN current_customer_scores sc ON sc.customer_id = c.id JOIN recovery_scores r ON r.customer_id = c.id
      ORDER BY c.id LIMIT 1`.execute(database.db);
    scored = Number(sleeping[0]!.id);
    await database.db
      .insertInto('orders')
      .values([
        { customer_id: subject, order_key: 'test-1', occurred_at: '2025-05-02T09:30:00Z', amount: 4200, currency: 'EUR' },
        { customer_id: subject, order_key: 'test-2', occurred_at: '2025-06-10T14:00:00Z', amount: 1999, currency: 'EUR' },
      ])
      .execute();
    const agent = await database.db.selectFrom('employees').select('id').orderBy('id').executeTakeFirstOrThrow();
    // A contact through the gate, and a recovery call at the same instant as the customer's last order: ties in
    // time must still page in a fixed order.
    const lastOrder = (await database.db.selectFrom('orders').select('occurred_at').where('customer_id', '=', subject).orderBy('occurred_at', 'desc').executeTakeFirstOrThrow()).occurred_at;
    await database.db.updateTable('contact_preferences').set({ allowed_channels: ['phone', 'email', 'sms', 'letter', 'visit'], max_contacts: null, per_days: null }).where('customer_id', '=', subject).execute();
    await withContactGate(database, { customerId: subject, channel: 'email', at: new Date('2025-06-20T10:00:00Z') }, DEFAULT_CONTACT_POLICY, { reached: true }, async () => null);
    await database.db
      .insertInto('recovery_calls')
      .values({ customer_id: subject, employee_id: Number(agent.id), channel: 'phone', occurred_at: lastOrder, apology_made: true, outcome: 'considering', customer_explanation: 'Too slow' })
      .execute();
  });
  afterAll(() => database.dispose());

  it('shows the facts, orders, contracts, state history and the current scores with what they rest on', async () => {
    const p = await customerProfile(database, subject);
    const c = await database.db.selectFrom('customers').selectAll().where('id', '=', subject).executeTakeFirstOrThrow();
    expect(p.customer).toMatchObject({ id: subject, externalId: c.external_id, name: c.name, email: c.email });
    const { rows: totals } = await sql<{ n: number; revenue: number; first: Date; last: Date }>`
      SELECT count(*)::int AS n, sum(amount)::bigint AS revenue, min(occurred_at) AS first, max(occurred_at) AS last FROM orders WHERE customer_id = ${subject}`.execute(database.db);
    expect(p.orders.count).toBe(Number(totals[0]!.n));
    expect(p.orders.byCurrency.reduce((s, r) => s + r.revenue, 0)).toBe(Number(totals[0]!.revenue));
    expect(p.orders.firstAt).toEqual(totals[0]!.first);
    expect(p.orders.lastAt).toEqual(totals[0]!.last);
    expect(p.orders.recent[0]!.occurredAt).toEqual(totals[0]!.last);
    expect(p.contracts.some((k) => k.cancelledAt !== null && k.reason !== null && k.reason.code.length > 0)).toBe(true);
    expect(p.interactions.count).toBeGreaterThan(0);
    expect(p.contacts.map((k) => k.channel)).toEqual(['email']);
    expect(p.recoveryCalls).toMatchObject([{ outcome: 'considering', customerExplanation: 'Too slow', channel: 'phone' }]);
    // The lifecycle: current state lost, the newest transition leads to it, history newest first.
    expect(p.lifecycle).toMatchObject({ state: 'lost' });
    expect(p.stateHistory[0]).toMatchObject({ toState: 'lost', effectiveAt: p.lifecycle!.since });
    expect(p.stateHistory[0]!.reason).toHaveProperty('rule');
    const times = p.stateHistory.map((t) => t.effectiveAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('explains the current scores from what they rest on, with P(alive) across analyses', async () => {
    const p = await customerProfile(database, scored);
    const current = await database.db.selectFrom('current_customer_scores').selectAll().where('customer_id', '=', scored).executeTakeFirstOrThrow();
    expect(p.scores.analysis).toMatchObject({ pAlive: Number(current.p_alive), clv: Number(current.clv), summary: { frequency: Number(current.frequency) } });
    expect(p.scores.analysis!.explanation).toContain(`P(alive) ${(Number(current.p_alive) * 100).toFixed(1)}%`);
    expect(p.scores.segment).toMatchObject({ rfm: { r: expect.any(Number), f: expect.any(Number), m: expect.any(Number) } });
    expect(p.scores.recovery!.factors).toMatch(/^P \d+\.\d% \(prior/);
    expect(p.scores.recovery!.explanation).toHaveProperty('pRecovery');
    // P(alive) across analyses: the validation run and the current one, oldest first.
    expect(p.pAliveHistory.map((h) => [h.validation, h.current])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(p.pAliveHistory.at(-1)!.pAlive).toBe(Number(current.p_alive));
    // A contract customer without orders has no model scores, and says so with nulls rather than zeros.
    const unscored = await customerProfile(database, subject);
    expect(unscored.scores.analysis).toBeNull();
    expect(unscored.pAliveHistory).toEqual([]);
  });

  it('merges every kind of event into one timeline, newest first, paging without loss or repetition', async () => {
    const full = await customerTimeline(database, subject, { limit: 500 });
    expect(full.next).toBeNull();
    const { rows } = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM orders WHERE customer_id = ${subject}) + (SELECT count(*) FROM contracts WHERE customer_id = ${subject})
           + (SELECT count(*) FROM contracts WHERE customer_id = ${subject} AND cancelled_at IS NOT NULL)
           + (SELECT count(*) FROM interactions WHERE customer_id = ${subject}) + (SELECT count(*) FROM contact_log WHERE customer_id = ${subject})
           + (SELECT count(*) FROM recovery_calls WHERE customer_id = ${subject}) + (SELECT count(*) FROM state_transitions WHERE customer_id = ${subject}) AS n`.execute(database.db);
    expect(full.events.length).toBe(Number(rows[0]!.n));
    expect(new Set(full.events.map((e) => e.type))).toEqual(new Set(TIMELINE_EVENT_TYPES));
    const at = full.events.map((e) => e.at.getTime());
    expect(at).toEqual([...at].sort((a, b) => b - a));
    // Same instant: the recovery call comes before (newer than) the order in the type order, on every page size.
    const call = full.events.findIndex((e) => e.type === 'recovery_call');
    expect(full.events[call + 1]).toMatchObject({ type: 'order', at: full.events[call]!.at });

    for (const limit of [1, 4]) {
      const paged: TimelineEvent[] = [];
      let before: string | undefined;
      for (let i = 0; i < 1000; i++) {
        const page = await customerTimeline(database, subject, { limit, ...(before ? { before } : {}) });
        paged.push(...page.events);
        if (!page.next) break;
        before = page.next;
      }
      expect(paged.map((e) => `${e.type}:${e.id}`)).toEqual(full.events.map((e) => `${e.type}:${e.id}`));
    }
    // A date as `before`: the events strictly before it.
    const cut = full.events[Math.floor(full.events.length / 2)]!.at;
    const older = await customerTimeline(database, subject, { before: cut.toISOString(), limit: 500 });
    expect(older.events.map((e) => `${e.type}:${e.id}`)).toEqual(full.events.filter((e) => e.at < cut).map((e) => `${e.type}:${e.id}`));
    const order = full.events.find((e) => e.type === 'order')!;
    expect(order).toMatchObject({ amount: expect.any(Number), currency: expect.stringMatching(/^[A-Z]{3}$/) });
    const change = full.events.find((e) => e.type === 'state_change')!;
    expect(change).toMatchObject({ toState: expect.any(String), rule: expect.any(String) });
  });

  it('records a do-not-contact wish with its date and source, and the contact gate refuses at once', async () => {
    const ask = (channel: 'email' | 'letter' = 'email') => evaluateContactRequest(database, { customerId: subject, channel, at: new Date('2025-08-15T10:00:00Z') });
    // A month after the last contact (company policy: one in 30 days), nothing stands in the way.
    expect(await ask()).toMatchObject({ allowed: true });

    const set = await updatePreferences(database, subject, { doNotContact: true, doNotContactSource: 'customer_request', doNotContactAt: '2025-07-01T08:00:00Z' });
    expect(set).toMatchObject({ doNotContact: true, doNotContactSource: 'customer_request', doNotContactAt: new Date('2025-07-01T08:00:00Z') });
    const refused = await ask();
    expect(refused).toMatchObject({ allowed: false, refusal: { type: 'do_not_contact', source: 'customer_request' } });
    expect((await listCustomers(database, { doNotContact: true, limit: 1000 })).items.map((i) => i.id)).toContain(subject);
    // Asking again keeps the date and source of record.
    const again = await updatePreferences(database, subject, { doNotContact: true, doNotContactSource: 'import' });
    expect(again).toMatchObject({ doNotContactSource: 'customer_request', doNotContactAt: new Date('2025-07-01T08:00:00Z') });

    const allowed = await updatePreferences(database, subject, { doNotContact: false, allowedChannels: 'letter', maxContacts: 2, perDays: 60 });
    expect(allowed).toMatchObject({ stated: true, doNotContact: false, doNotContactAt: null, doNotContactSource: null, allowedChannels: ['letter'], maxContacts: 2, perDays: 60 });
    expect(await ask()).toMatchObject({ allowed: false, refusal: { type: 'channel_not_allowed' } });
    expect((await ask('letter')).allowed).toBe(true);
    // Only the fields given change.
    const hours = await updatePreferences(database, subject, { contactHoursStart: '10:00', contactHoursEnd: '12:00' });
    expect(hours).toMatchObject({ allowedChannels: ['letter'], maxContacts: 2, contactHoursStart: '10:00', contactHoursEnd: '12:00' });
  });

  it('refuses incomplete or unknown preferences and an unknown customer with coded errors', async () => {
    await expect(updatePreferences(database, subject, { maxContacts: 3 })).rejects.toMatchObject({ domain: 'customers', code: 'invalid_input', message: expect.stringContaining('go together') });
    await expect(updatePreferences(database, subject, { allowedChannels: 'pigeon' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('channel') });
    await expect(updatePreferences(database, subject, { preferredEmployee: 'NOBODY' })).rejects.toMatchObject({ code: 'unknown_employee' });
    await expect(updatePreferences(database, subject, {})).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('nothing to change') });
    await expect(updatePreferences(database, 99_999_999, { doNotContact: true })).rejects.toMatchObject({ code: 'customer_not_found' });
    await expect(customerProfile(database, 99_999_999)).rejects.toMatchObject({ code: 'customer_not_found' });
    await expect(customerTimeline(database, 99_999_999)).rejects.toMatchObject({ code: 'customer_not_found' });
  });
});
