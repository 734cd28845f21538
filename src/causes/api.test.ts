import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { buildServer } from '../server/app.js';
import { loadCompany, PERIOD, recordCalls } from './test-support/company.js';

describeEachEngine('fix the causes: HTTP API', (engine) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await engine.open();
    await recordCalls(database, await loadCompany(database));
    app = await buildServer(database);
  });
  afterAll(async () => {
    await app.close();
    await database.dispose();
  });

  it('serves the Pareto, trends and feedback with the same query schemas, and root-cause items with coded errors', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/causes/items',
      payload: { title: 'Callbacks are not scheduled', owner: 'E1', reasons: ['service.slow_response'], customers: ['C1'] },
    });
    expect(created.statusCode).toBe(201);
    const item = created.json();
    expect(item).toMatchObject({ status: 'open', reasons: ['service.slow_response'], history: [{ fromStatus: null, toStatus: 'open' }] });

    const pareto = await app.inject({ method: 'GET', url: `/api/v1/causes/pareto?from=${PERIOD.from}&to=${PERIOD.to}&level=1` });
    expect(pareto.statusCode).toBe(200);
    const eur = pareto.json().sections[0];
    expect(eur.currency).toBe('EUR');
    expect(eur.rows[0]).toMatchObject({ code: 'service', customers: 3, revenue: 420_000, openItems: [{ id: item.id, linkedTo: 'service.slow_response' }] });
    expect(pareto.json().reporting).toMatchObject({ currency: 'EUR', customers: 7, revenue: 702_000 + 112_320, unconverted: [] });

    const trends = await app.inject({ method: 'GET', url: `/api/v1/causes/trends?from=${PERIOD.from}&to=${PERIOD.to}&by=quarter&level=1&reason=price` });
    expect(trends.json().rows.filter((r: { customers: number }) => r.customers > 0)).toEqual([
      expect.objectContaining({ period: '2025-Q1', reason: 'price', currency: 'GBP', revenue: 96_000 }),
      expect.objectContaining({ period: '2025-Q2', reason: 'price', currency: 'EUR', revenue: 192_000 }),
    ]);

    const feedback = await app.inject({ method: 'GET', url: `/api/v1/causes/feedback?team=north&from=${PERIOD.from}&to=${PERIOD.to}` });
    expect(feedback.statusCode).toBe(200);
    expect(feedback.json().summary).toMatchObject({ customers: 5, company: { customers: 7 } });
    expect(feedback.json().customers[0]).toMatchObject({ externalId: 'C2', words: { cancellation: 'Way too expensive for us' } });
    // The list of customers who left comes a page at a time, most recent first, with how many there are in all.
    const all = feedback.json().customers.map((c: { externalId: string }) => c.externalId);
    expect(feedback.json().page).toEqual({ total: all.length, limit: 100, offset: 0 });
    const pageOf = async (offset: number) =>
      (await app.inject({ method: 'GET', url: `/api/v1/causes/feedback?team=north&from=${PERIOD.from}&to=${PERIOD.to}&limit=2&offset=${offset}` })).json();
    const [first, second] = [await pageOf(0), await pageOf(2)];
    expect(first.page).toEqual({ total: all.length, limit: 2, offset: 0 });
    expect([...first.customers, ...second.customers].map((c: { externalId: string }) => c.externalId)).toEqual(all.slice(0, 4));
    expect(first.summary).toEqual(feedback.json().summary);

    const noSubject = await app.inject({ method: 'GET', url: '/api/v1/causes/feedback' });
    expect(noSubject.statusCode).toBe(422);
    expect(noSubject.json().error.message).toContain('give either a team or an employee');

    const badLink = await app.inject({ method: 'POST', url: `/api/v1/causes/items/${item.id}/links`, payload: { reasons: ['weather'] } });
    expect(badLink.statusCode).toBe(422);
    expect(badLink.json().error).toMatchObject({ domain: 'causes', code: 'unknown_reason' });
    const badCustomer = await app.inject({ method: 'POST', url: `/api/v1/causes/items/${item.id}/links`, payload: { customers: ['C404'] } });
    expect(badCustomer.json().error).toMatchObject({ code: 'unknown_customer' });

    const fixed = await app.inject({ method: 'PATCH', url: `/api/v1/causes/items/${item.id}`, payload: { status: 'fixed', by: 'E1', note: 'reminders in the CRM' } });
    expect(fixed.json()).toMatchObject({ status: 'fixed', history: [{ toStatus: 'open' }, { fromStatus: 'open', toStatus: 'fixed', note: 'reminders in the CRM' }] });
    const open = await app.inject({ method: 'GET', url: '/api/v1/causes/items?status=open,in_progress' });
    expect(open.json().items).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/v1/causes/items/999999' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/causes/items/${item.id}` })).statusCode).toBe(200);

    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/causes/pareto', '/api/v1/causes/trends', '/api/v1/causes/feedback', '/api/v1/causes/items/{id}/links']));
    expect(doc.paths['/api/v1/causes/pareto'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['from', 'to', 'level', 'state', 'team', 'employee', 'reason']),
    );
  });
});
