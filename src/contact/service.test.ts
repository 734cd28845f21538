import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { contactHistory, setDoNotContact } from './repository.js';
import { DEFAULT_CONTACT_POLICY } from './schemas.js';
import { evaluateContactRequest, withContactGate } from './service.js';

const NOON = new Date('2025-03-10T12:00:00Z');

describeEachEngine('contact gate', (engine) => {
  let database: TestDatabase;
  let customerId: number;
  beforeEach(async () => {
    database = await engine.open();
    const row = await database.db.insertInto('customers').values({ external_id: 'C1', name: 'Alpha', timezone: 'UTC' }).returning('id').executeTakeFirstOrThrow();
    customerId = Number(row.id);
  });
  afterEach(() => database.dispose());

  const contact = (at: Date, reached = true) =>
    withContactGate(database, { customerId, channel: 'phone', at, action: 'contact' }, DEFAULT_CONTACT_POLICY, { reached }, async () => 'done');

  it('refuses a second contact within the window, and the refusal stays logged with its rule', async () => {
    expect(await contact(NOON)).toBe('done');
    await expect(contact(new Date(NOON.getTime() + 86_400_000))).rejects.toMatchObject({ code: 'refused', details: { rule: 'frequency' } });
    const log = await contactHistory(database.db, customerId);
    expect(log.map((l) => [l.allowed, l.rule])).toEqual([
      [false, 'frequency'],
      [true, null],
    ]);
  });

  it('does not count an unanswered call towards the frequency', async () => {
    await contact(NOON, false);
    expect(await contact(new Date(NOON.getTime() + 3_600_000))).toBe('done');
  });

  it('writes nothing of the refused work', async () => {
    await setDoNotContact(database.db, customerId, NOON, 'phone call');
    let ran = false;
    await expect(
      withContactGate(database, { customerId, channel: 'email', at: NOON }, DEFAULT_CONTACT_POLICY, {}, async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ code: 'refused', details: { rule: 'do_not_contact' } });
    expect(ran).toBe(false);
    const decision = await evaluateContactRequest(database, { customerId, channel: 'letter', at: NOON });
    expect(decision).toMatchObject({ allowed: false, refusal: { type: 'do_not_contact', source: 'phone call' } });
  });

  it('names an unknown customer', async () => {
    await expect(evaluateContactRequest(database, { customerId: 999_999, channel: 'phone' })).rejects.toMatchObject({ code: 'customer_not_found' });
  });
});
