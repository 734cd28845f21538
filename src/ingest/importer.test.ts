import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { importFile } from './importer.js';
import { BULK_LOAD_MIN_ROWS } from './repository.js';
import type { EntityName } from './options.js';
import { basicCompany, csvFolder } from './test-support/files.js';

const DATA_TABLES = ['teams', 'employees', 'customers', 'contracts', 'orders', 'interactions', 'contact_preferences'] as const;

/** Every row of every data table, in a stable order: equal snapshots mean nothing changed, not even updated_at. */
async function snapshot(database: TestDatabase): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const table of DATA_TABLES) {
    const { rows } = await sql`SELECT to_jsonb(t) AS row FROM ${sql.table(table)} t ORDER BY 1`.execute(database.db);
    result[table] = rows;
  }
  return result;
}

describeEachEngine('CSV import', (engine) => {
  let database: TestDatabase;
  let files: ReturnType<typeof csvFolder>;
  const load = (entity: EntityName, lines: string[], options: Record<string, unknown> = {}) =>
    importFile(database, files.write(`${entity}.csv`, lines), { entity, ...options });
  const loadCompany = async () => {
    for (const entity of ['teams', 'employees', 'customers', 'orders'] as const) await load(entity, basicCompany[entity]);
  };

  beforeEach(async () => {
    database = await engine.open();
    files = csvFolder();
  });
  afterEach(async () => {
    await database.dispose();
    files.remove();
  });

  it('imports a company and converts amounts to exact minor units', async () => {
    await loadCompany();
    const orders = await database.db
      .selectFrom('orders')
      .innerJoin('customers', 'customers.id', 'orders.customer_id')
      .select(['customers.external_id as customer', 'orders.external_id', 'amount', 'margin', 'orders.currency', 'occurred_at'])
      .orderBy('occurred_at')
      .orderBy('orders.id')
      .execute();
    expect(orders.map((o) => [o.customer, o.external_id, o.amount, o.margin, o.currency])).toEqual([
      ['C1', 'O1', 10000, 3000, 'EUR'],
      ['C1', 'O2', 10, null, 'EUR'],
      ['C2', null, 1999, null, 'GBP'],
      ['C2', null, 1999, null, 'GBP'],
      ['C3', 'O3', -550, null, 'USD'],
    ]);
    const alpha = await database.db.selectFrom('customers').selectAll().where('external_id', '=', 'C1').executeTakeFirstOrThrow();
    expect(alpha.attributes).toEqual({ industry: 'retail' });
    expect(alpha.acquired_at?.toISOString()).toBe('2022-01-15T00:00:00.000Z');
  });

  it('an import with one bad row in the middle writes nothing and names the line, column and value', async () => {
    await loadCompany();
    const before = await snapshot(database);
    const lines = ['external_id,customer_id,occurred_at,amount,currency'];
    for (let i = 0; i < 30; i++) lines.push(`N${i},C1,2024-01-${String((i % 28) + 1).padStart(2, '0')},10.00,EUR`);
    lines[17] = 'N16,C1,2024-01-17,12.3x,EUR';
    const error = await load('orders', lines).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_rows' });
    expect((error as Error).message).toContain('orders.csv:18: amount: not a decimal amount');
    expect((error as Error).message).toContain('(12.3x)');
    expect((error as Error).message).toContain('nothing was imported');
    expect(await snapshot(database)).toEqual(before);
  });

  it('lists several problems at once, up to the limit asked for', async () => {
    await loadCompany();
    const lines = ['customer_id,occurred_at,amount,currency', 'C1,2024-13-01,1,EUR', 'C1,yesterday,1,EUR', 'C1,2024-01-01,,EUR', 'C1,2024-01-01,1.999,EUR'];
    const error = (await load('orders', lines, { maxErrors: 3 }).catch((e: unknown) => e)) as Error & { details: unknown[] };
    expect(error.details).toHaveLength(3);
    expect(error.message).toMatch(/orders\.csv:2: occurred_at: no such date/);
    expect(error.message).toMatch(/orders\.csv:3: occurred_at: expected an ISO 8601 date.*\(yesterday\)/);
    expect(error.message).toMatch(/orders\.csv:4: amount: is required/);
    const all = (await load('orders', lines).catch((e: unknown) => e)) as Error;
    expect(all.message).toMatch(/orders\.csv:5: amount: has 3 decimal places but EUR has 2; winback does not round money/);
  });

  it('importing the same files again leaves every table identical', async () => {
    await loadCompany();
    await load('contracts', [
      'external_id,customer_id,plan,started_at,ends_at,cancelled_at,cancellation_reason,reason_code,monthly_value,currency',
      'K1,C1,premium,2022-01-15,2023-01-14,2022-12-01,too expensive,price.too_expensive,129.00,EUR',
    ]);
    await load('preferences', ['customer_id,allowed_channels,do_not_contact', 'C2,email;phone,yes']);
    const first = await snapshot(database);
    await loadCompany();
    const again = await load('preferences', ['customer_id,allowed_channels,do_not_contact', 'C2,email;phone,yes']);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect(await snapshot(database)).toEqual(first);
  });

  it('refuses orders for unknown customers, naming each line', async () => {
    await loadCompany();
    const error = await load('orders', ['customer_id,occurred_at,amount,currency', 'C1,2024-01-01,1,EUR', 'C404,2024-01-01,1,EUR']).catch((e: unknown) => e);
    expect((error as Error).message).toContain('orders.csv:3: customer_id: unknown customer (import the customer first) (C404)');
    expect(await database.db.selectFrom('orders').select('id').execute()).toHaveLength(5);
  });

  it('refuses a file that repeats an id, naming both lines', async () => {
    await loadCompany();
    const error = await load('customers', ['external_id,name', 'C9,Nine', 'C10,Ten', 'C9,Nine again']).catch((e: unknown) => e);
    expect((error as Error).message).toContain('customers.csv:4: external_id: the same customer id appears earlier on line 2 (C9)');
  });

  it('--skip-invalid imports the valid rows and writes the rejected ones with their reasons', async () => {
    await loadCompany();
    const path = files.write('orders-mixed.csv', [
      'customer_id,occurred_at,amount,currency',
      'C1,2024-01-01,1.00,EUR',
      'C1,not a date,2.00,EUR',
      'C404,2024-01-03,3.00,EUR',
      'C1,2024-01-04,"4.00",EUR',
    ]);
    const summary = await importFile(database, path, { entity: 'orders', skipInvalid: true });
    expect(summary).toMatchObject({ rowsRead: 4, inserted: 2, rejected: 2, rejectsFile: `${path}.rejects.csv` });
    const rejects = readFileSync(summary.rejectsFile!, 'utf8').trim().split('\n');
    expect(rejects[0]).toBe('line,problems,customer_id,occurred_at,amount,currency');
    expect(rejects[1]).toMatch(/^3,occurred_at: expected an ISO 8601 date.*\(not a date\),C1,not a date,2.00,EUR$/);
    expect(rejects[2]).toBe('4,customer_id: unknown customer (import the customer first) (C404),C404,2024-01-03,3.00,EUR');
    expect(rejects).toHaveLength(3);
  });

  it('names a missing required column and how to map it', async () => {
    await loadCompany();
    const error = await load('orders', ['customer,occurred_at,amount', 'C1,2024-01-01,1']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'missing_columns' });
    expect((error as Error).message).toContain('orders.csv:1: customer_id: required column is missing (columns found: customer, occurred_at, amount); rename it or pass --map customer_id=<your column>');
    const ok = await load('orders', ['Kunde,Datum,Betrag', 'C1,05.03.2024,"1234,50"'], {
      map: 'customer_id=Kunde,occurred_at=Datum,amount=Betrag',
      dateFormat: 'DD.MM.YYYY',
      timezone: 'Europe/Berlin',
      decimal: 'comma',
      currency: 'EUR',
    });
    expect(ok.inserted).toBe(1);
    const order = await database.db.selectFrom('orders').select(['amount', 'occurred_at']).where('amount', '=', 123450).executeTakeFirstOrThrow();
    expect(order.occurred_at.toISOString()).toBe('2024-03-04T23:00:00.000Z');
  });

  it('a file with only some columns updates those and keeps the rest', async () => {
    await loadCompany();
    const summary = await load('customers', ['external_id,phone', 'C1,+49 30 1234']);
    expect(summary).toMatchObject({ inserted: 0, updated: 1 });
    const alpha = await database.db.selectFrom('customers').selectAll().where('external_id', '=', 'C1').executeTakeFirstOrThrow();
    expect(alpha).toMatchObject({ name: 'Alpha GmbH', email: 'alpha@example.com', phone: '+49 30 1234', attributes: { industry: 'retail' } });
  });

  it('keeps the date do-not-contact was first learned when a later file repeats the flag', async () => {
    await loadCompany();
    await load('preferences', ['customer_id,do_not_contact,do_not_contact_at,do_not_contact_source', 'C1,true,2024-02-01,customer_request']);
    await load('preferences', ['customer_id,do_not_contact', 'C1,true', 'C2,true']);
    const rows = await database.db.selectFrom('contact_preferences').selectAll().orderBy('customer_id').execute();
    const c1 = rows.find((r) => r.do_not_contact_source === 'customer_request')!;
    expect(c1.do_not_contact_at!.toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(rows.filter((r) => r.do_not_contact_source === 'import')).toHaveLength(1);
  });

  it('rejects malformed CSV with the line it happened on', async () => {
    const error = await load('teams', ['code,name', 'a,"unterminated', 'b,B']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'malformed_csv' });
    expect((error as Error).message).toMatch(/^teams\.csv:\d+: the file is not valid CSV/);
  });

  it('reports a missing file and an empty file clearly', async () => {
    await expect(importFile(database, `${files.dir}/nope.csv`, { entity: 'teams' })).rejects.toMatchObject({ code: 'file_not_found' });
    expect(existsSync(files.write('empty.csv', []))).toBe(true);
    await expect(importFile(database, `${files.dir}/empty.csv`, { entity: 'teams' })).rejects.toMatchObject({ code: 'empty_file' });
  });

  it('an initial bulk load rebuilds the indexes and foreign keys exactly, and a repeat changes nothing', async () => {
    const structure = async () => {
      const { rows } = await sql<{ definition: string }>`
        SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = 'orders'::regclass
        UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'orders'::regclass
        ORDER BY 1`.execute(database.db);
      return rows.map((r) => r.definition);
    };
    const before = await structure();
    expect(before.some((d) => d.includes('FOREIGN KEY (customer_id)'))).toBe(true);
    expect(before.some((d) => d.includes('orders_time_idx'))).toBe(true);
    for (const entity of ['teams', 'employees', 'customers'] as const) await load(entity, basicCompany[entity]);
    const rows = BULK_LOAD_MIN_ROWS + 10;
    const orders = ['external_id,customer_id,occurred_at,amount,currency'];
    for (let i = 0; i < rows; i++) orders.push(`B${i},C${1 + (i % 3)},2024-01-${String(1 + (i % 28)).padStart(2, '0')},${i}.25,EUR`);
    const first = await load('orders', orders);
    expect(first).toMatchObject({ inserted: rows, updated: 0 });
    expect(await structure()).toEqual(before);
    const stored = await snapshot(database);
    expect(await load('orders', orders)).toMatchObject({ inserted: 0, updated: 0, unchanged: rows });
    expect(await snapshot(database)).toEqual(stored);
  });

  it('an initial bulk load that repeats an id is refused with both lines, and leaves the table and its indexes as they were', async () => {
    for (const entity of ['teams', 'employees', 'customers'] as const) await load(entity, basicCompany[entity]);
    const structure = async () =>
      (await sql<{ d: string }>`SELECT pg_get_indexdef(indexrelid) AS d FROM pg_index WHERE indrelid = 'orders'::regclass ORDER BY 1`.execute(database.db)).rows;
    const before = await structure();
    const orders = ['external_id,customer_id,occurred_at,amount,currency'];
    for (let i = 0; i < BULK_LOAD_MIN_ROWS + 10; i++) orders.push(`B${i},C${1 + (i % 3)},2024-01-01,${i},EUR`);
    orders.push('B7,C2,2024-02-01,1,EUR'); // B7 is C2's order on line 9 (row 8)
    const error = await load('orders', orders).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_rows' });
    expect((error as Error).message).toContain(`orders.csv:${orders.length}: external_id: the same order id appears earlier on line 9 (C2 / B7)`);
    expect(await database.db.selectFrom('orders').select('id').execute()).toHaveLength(0);
    expect(await structure()).toEqual(before);
    // With --skip-invalid the repeat is set aside and the rest loads.
    const summary = await load('orders', orders, { skipInvalid: true });
    expect(summary).toMatchObject({ inserted: BULK_LOAD_MIN_ROWS + 10, rejected: 1 });
  });

  it('a first load into an empty table still refuses unknown customers and employees, naming the lines, and leaves the table as it was', async () => {
    for (const entity of ['teams', 'employees', 'customers'] as const) await load(entity, basicCompany[entity]);
    const structure = async (table: string) =>
      (await sql<{ d: string }>`SELECT pg_get_indexdef(indexrelid) AS d FROM pg_index WHERE indrelid = ${table}::regclass
        UNION ALL SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ${table}::regclass ORDER BY 1`.execute(database.db)).rows;
    const before = { orders: await structure('orders'), interactions: await structure('interactions') };
    const orders = ['external_id,customer_id,occurred_at,amount,currency', 'O1,C1,2024-01-01,1,EUR', 'O2,C404,2024-01-02,2,EUR', 'O3,C2,2024-01-03,3,EUR'];
    await expect(load('orders', orders)).rejects.toThrow('orders.csv:3: customer_id: unknown customer (import the customer first) (C404)');
    const interactions = ['external_id,customer_id,type,occurred_at,handled_by', 'I1,C1,complaint,2024-01-01,E1', 'I2,C2,complaint,2024-01-02,E404'];
    await expect(load('interactions', interactions)).rejects.toThrow('interactions.csv:3: handled_by: unknown employee (import employees first) (E404)');
    expect(await database.db.selectFrom('orders').select('id').execute()).toHaveLength(0);
    expect(await database.db.selectFrom('interactions').select('id').execute()).toHaveLength(0);
    expect({ orders: await structure('orders'), interactions: await structure('interactions') }).toEqual(before);
    // Orders without ids (keys numbered over the whole file) load too, and a second import changes nothing.
    const withoutIds = ['customer_id,occurred_at,amount,currency', 'C1,2024-01-01,1,EUR', 'C1,2024-01-01,1,EUR', 'C2,2024-01-01,1,GBP'];
    expect(await load('orders', withoutIds)).toMatchObject({ inserted: 3 });
    expect(await load('orders', withoutIds)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await structure('orders')).toEqual(before.orders);
  });

  it('stores text, free attributes, timestamps and amounts exactly, whatever characters they hold', async () => {
    const awkward = ['Quote "q" GmbH', 'Back\\slash, comma', '{braces}', 'NULL', 'Ümlaut – 東京', ' '];
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    await load('customers', [
      'external_id,name,acquired_at,currency,note',
      ...awkward.map((name, i) => `K${i},${quote(name)},${i % 2 ? '1969-12-31T23:59:59.999Z' : '2024-02-29T12:00:00.001Z'},EUR,${quote(name)}`),
    ]);
    const rows = await database.db.selectFrom('customers').select(['external_id', 'name', 'acquired_at', 'attributes']).orderBy('external_id').execute();
    expect(rows.map((r) => r.name)).toEqual(awkward.map((name) => (name.trim() === '' ? null : name)));
    expect(rows.map((r) => r.attributes)).toEqual(awkward.map((name) => (name.trim() === '' ? {} : { note: name })));
    expect(rows.map((r) => r.acquired_at?.toISOString())).toEqual(awkward.map((_, i) => (i % 2 ? '1969-12-31T23:59:59.999Z' : '2024-02-29T12:00:00.001Z')));
    await load('orders', ['customer_id,occurred_at,amount,margin,currency', 'K0,2024-01-01,123456789012.34,-0.05,EUR', 'K0,2024-01-02,9007199254740.99,,EUR', 'K0,2024-01-03,12,7,JPY']);
    const amounts = await database.db.selectFrom('orders').select(['amount', 'margin']).orderBy('occurred_at').execute();
    expect(amounts).toEqual([
      { amount: 12345678901234, margin: -5 },
      { amount: 900719925474099, margin: null },
      { amount: 12, margin: 7 },
    ]);
  });
});
