import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { createItem, deleteItem, formatItem, getItem, linkItemTo, listItems, updateItem } from './index.js';
import { loadCompany } from './test-support/company.js';

describeEachEngine('fix the causes: root-cause items', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await engine.open();
    await loadCompany(database);
  });
  afterAll(() => database.dispose());

  it('goes from open through in progress to fixed and back, keeping every status change with who and why', async () => {
    const created = await createItem(database, {
      title: '  Callbacks are not scheduled ',
      description: 'Agents promise a call back but nothing reminds them',
      owner: 'E1',
      reasons: ['Service.Slow_Response', 'service.poor_support'],
      customers: ['C1', 'C3'],
      by: 'A1',
    });
    expect(created).toMatchObject({
      title: 'Callbacks are not scheduled',
      status: 'open',
      owner: { code: 'E1', name: 'Anna Berg' },
      createdBy: { code: 'A1' },
      resolvedAt: null,
      reasons: ['service.poor_support', 'service.slow_response'],
      customerCount: 2,
    });
    expect(created.customers.map((c) => [c.externalId, c.state])).toEqual([
      ['C1', 'lost'],
      ['C3', 'lost'],
    ]);
    expect(created.history.map((h) => [h.fromStatus, h.toStatus])).toEqual([[null, 'open']]);

    const started = await updateItem(database, created.id, { status: 'in_progress', by: 'E1', note: 'reminders in the CRM' });
    expect(started.status).toBe('in_progress');
    const fixed = await updateItem(database, created.id, { status: 'fixed', by: 'E1' });
    expect(fixed.resolvedAt).toBeInstanceOf(Date);
    expect(fixed.statusChangedAt.getTime()).toBeGreaterThanOrEqual(started.statusChangedAt.getTime());
    const renamed = await updateItem(database, created.id, { title: 'Callbacks were not scheduled', owner: null });
    expect(renamed).toMatchObject({ title: 'Callbacks were not scheduled', owner: null, status: 'fixed' });
    const reopened = await updateItem(database, created.id, { status: 'open', by: 'A1', note: 'customers still wait' });
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.history.map((h) => [h.fromStatus, h.toStatus, h.changedBy?.code ?? null, h.note])).toEqual([
      [null, 'open', 'A1', null],
      ['open', 'in_progress', 'E1', 'reminders in the CRM'],
      ['in_progress', 'fixed', 'E1', null],
      ['fixed', 'open', 'A1', 'customers still wait'],
    ]);
    // A change that keeps the status adds no history row.
    expect((await updateItem(database, created.id, { status: 'open', description: '' })).history).toHaveLength(4);
    expect((await getItem(database, created.id)).description).toBeNull();
    expect(formatItem(reopened)).toContain('fixed → open by A1: customers still wait');

    await expect(updateItem(database, created.id, { owner: 'E9' })).rejects.toMatchObject({ code: 'unknown_employee' });
    await expect(updateItem(database, created.id, {})).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(updateItem(database, created.id, { status: 'done' as 'fixed' })).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(updateItem(database, 999_999, { status: 'fixed' })).rejects.toMatchObject({ code: 'item_not_found' });
  });

  it('links and unlinks reasons and customers; an unknown reason, customer or item is a coded error that links nothing', async () => {
    const item = await createItem(database, { title: 'Price list above the market' });
    expect(item).toMatchObject({ reasons: [], customerCount: 0, owner: null });

    const linked = await linkItemTo(database, item.id, { reasons: ['price'], customers: 'C4,C6' });
    expect(linked.changed).toEqual({ reasons: 1, customers: 2 });
    expect((await linkItemTo(database, item.id, { reasons: ['price'], customers: ['C4'] })).changed).toEqual({ reasons: 0, customers: 0 });

    await expect(linkItemTo(database, item.id, { reasons: ['price.too_expensive', 'weather'] })).rejects.toMatchObject({
      code: 'unknown_reason',
      details: { unknown: ['weather'] },
    });
    await expect(linkItemTo(database, item.id, { reasons: ['price.too_expensive'], customers: ['C4', 'C404'] })).rejects.toMatchObject({
      code: 'unknown_customer',
      details: { unknown: ['C404'] },
    });
    expect((await getItem(database, item.id)).reasons).toEqual(['price']); // nothing of the refused requests was linked
    await expect(createItem(database, { title: 'x', customers: ['C404'] })).rejects.toMatchObject({ code: 'unknown_customer' });
    await expect(createItem(database, { title: 'x', reasons: ['nope'] })).rejects.toMatchObject({ code: 'unknown_reason' });
    await expect(linkItemTo(database, 999_999, { reasons: ['price'] })).rejects.toMatchObject({ code: 'item_not_found' });
    await expect(linkItemTo(database, item.id, {})).rejects.toMatchObject({ code: 'invalid_options' });

    const unlinked = await linkItemTo(database, item.id, { customers: ['C6', 'C1'], remove: true });
    expect(unlinked.changed).toEqual({ reasons: 0, customers: 1 });
    expect(unlinked.item.customers.map((c) => c.externalId)).toEqual(['C4']);
  });

  it('lists items by status, owner, customer and related reason, and deletes one with its links and history', async () => {
    const a = await createItem(database, { title: 'Slow invoices', owner: 'E2', reasons: ['billing.error'], customers: ['C2'], status: 'in_progress' });
    const b = await createItem(database, { title: 'Outages in the north', reasons: ['product'], status: 'wont_fix' });
    const ids = (list: { id: number }[]) => list.map((i) => i.id);

    expect(ids(await listItems(database, { owner: 'E2' }))).toEqual([a.id]);
    expect(ids(await listItems(database, { customer: 'C2' }))).toEqual([a.id]);
    expect(ids(await listItems(database, { status: 'wont_fix' }))).toEqual([b.id]);
    expect(ids(await listItems(database, { status: ['wont_fix', 'in_progress'] }))).toEqual([b.id, a.id]);
    // A reason finds items linked to it, to a parent ('product') or to a child ('billing.error' from 'billing').
    expect(ids(await listItems(database, { reason: 'product.outages' }))).toEqual([b.id]);
    expect(ids(await listItems(database, { reason: 'billing' }))).toEqual([a.id]);
    await expect(listItems(database, { reason: 'weather' })).rejects.toMatchObject({ code: 'unknown_reason' });
    await expect(listItems(database, { customer: 'C404' })).rejects.toMatchObject({ code: 'unknown_customer' });

    const deleted = await deleteItem(database, a.id);
    expect(deleted.title).toBe('Slow invoices');
    await expect(getItem(database, a.id)).rejects.toMatchObject({ code: 'item_not_found' });
    const leftovers = await database.db.selectFrom('root_cause_item_customers').select('item_id').where('item_id', '=', a.id).execute();
    expect(leftovers).toEqual([]);
    await expect(deleteItem(database, a.id)).rejects.toMatchObject({ code: 'item_not_found' });
    await expect(getItem(database, 'seven')).rejects.toMatchObject({ code: 'invalid_options' });
  });
});
