import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluateContactRequest } from '../contact/index.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { buildServer } from '../server/app.js';
import { loadDemo } from './test-support/demo.js';

describeEachEngine('customers: HTTP API', (engine) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await engine.open();
    await loadDemo(database, 250);
    app = await buildServer(database);
  });
  afterAll(async () => {
    await app.close();
    await database.dispose();
  });

  it('lists customers with the query schema, pages by cursor, and exports the same view as CSV', async () => {
    const first = await app.inject({ method: 'GET', url: '/api/v1/customers?state=lost,sleeping&sort=expected_value&limit=20' });
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json();
    expect(page).toMatchObject({ sort: 'expected_value', order: 'desc', page: 1, limit: 20, reportingCurrency: 'EUR', total: { exact: true } });
    expect(page.items.length).toBe(20);
    expect(page.items.every((i: { state: string }) => i.state === 'lost' || i.state === 'sleeping')).toBe(true);
    const second = (await app.inject({ method: 'GET', url: `/api/v1/customers?state=lost,sleeping&sort=expected_value&limit=20&after=${page.next}` })).json();
    const ids = [...page.items, ...second.items].map((i: { id: number }) => i.id);
    expect(new Set(ids).size).toBe(40);

    const csv = await app.inject({ method: 'GET', url: '/api/v1/customers/export.csv?state=lost,sleeping&sort=expected_value&limit=20' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const records = parse(csv.body, { columns: true }) as { id: string }[];
    // No paging: every matching customer, the pages' rows first.
    expect(records.length).toBe(page.total.count);
    expect(records.slice(0, 40).map((r) => Number(r.id))).toEqual(ids);

    const bad = await app.inject({ method: 'GET', url: '/api/v1/customers?sort=shoe_size' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toContain('sort');
    const badExport = await app.inject({ method: 'GET', url: '/api/v1/customers/export.csv?team=nowhere' });
    expect(badExport.statusCode).toBe(422);
    expect(badExport.json().error).toMatchObject({ domain: 'customers', code: 'unknown_team' });
  });

  it('serves a profile and its timeline, and a do-not-contact set through the API makes the contact gate refuse', async () => {
    const active = (await app.inject({ method: 'GET', url: '/api/v1/customers?state=active&doNotContact=false&limit=1' })).json().items[0];
    const profile = await app.inject({ method: 'GET', url: `/api/v1/customers/${active.id}` });
    expect(profile.statusCode, profile.body).toBe(200);
    expect(profile.json()).toMatchObject({ customer: { id: active.id, externalId: active.externalId }, lifecycle: { state: 'active' }, preferences: { doNotContact: false } });
    const timeline = await app.inject({ method: 'GET', url: `/api/v1/customers/${active.id}/timeline?limit=3` });
    expect(timeline.statusCode).toBe(200);
    const events = timeline.json().events as { type: string; at: string }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => typeof e.type === 'string' && !Number.isNaN(Date.parse(e.at)))).toBe(true);

    const at = '2030-03-12T10:00:00Z';
    const before = await evaluateContactRequest(database, { customerId: active.id, channel: 'letter', at });
    const put = await app.inject({ method: 'PUT', url: `/api/v1/customers/${active.id}/preferences`, payload: { doNotContact: true, doNotContactSource: 'phone call' } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ doNotContact: true, doNotContactSource: 'phone call', doNotContactAt: expect.any(String) });
    const after = await evaluateContactRequest(database, { customerId: active.id, channel: 'letter', at });
    expect(after).toMatchObject({ allowed: false, refusal: { type: 'do_not_contact', source: 'phone call' } });
    expect(before.allowed === false && before.refusal.type === 'do_not_contact').toBe(false);
    expect((await app.inject({ method: 'GET', url: `/api/v1/customers/${active.id}/preferences` })).json()).toMatchObject({ stated: true, doNotContact: true });

    const invalid = await app.inject({ method: 'PUT', url: `/api/v1/customers/${active.id}/preferences`, payload: { perDays: 30 } });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.message).toContain('go together');
    for (const url of ['/api/v1/customers/987654321', '/api/v1/customers/987654321/timeline', '/api/v1/customers/987654321/preferences']) {
      const missing = await app.inject({ method: 'GET', url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.json().error).toMatchObject({ domain: 'customers', code: 'customer_not_found' });
    }
    const missingPut = await app.inject({ method: 'PUT', url: '/api/v1/customers/987654321/preferences', payload: { doNotContact: true } });
    expect(missingPut.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/v1/customers/abc' })).statusCode).toBe(422);
  });

  it('lists the teams and employees for the "acting as" selector and the filters', async () => {
    const teams = (await app.inject({ method: 'GET', url: '/api/v1/teams' })).json().teams;
    expect(teams.length).toBeGreaterThan(0);
    expect(teams[0]).toEqual({ id: expect.any(Number), code: expect.any(String), name: expect.any(String), employees: expect.any(Number) });
    const employees = (await app.inject({ method: 'GET', url: '/api/v1/employees' })).json().employees;
    expect(employees.length).toBe(teams.reduce((n: number, t: { employees: number }) => n + t.employees, 0) + employees.filter((e: { team: string | null }) => e.team === null).length);
    const ofTeam = (await app.inject({ method: 'GET', url: `/api/v1/employees?team=${teams[0].code}` })).json().employees;
    expect(ofTeam.length).toBe(teams[0].employees);
    expect(ofTeam.every((e: { team: string }) => e.team === teams[0].code)).toBe(true);
    expect(employees[0]).toMatchObject({ id: expect.any(Number), code: expect.any(String), name: expect.any(String), role: expect.any(String) });

    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/customers'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['q', 'match', 'state', 'segment', 'reason', 'team', 'pAliveMin', 'clvMax', 'doNotContact', 'sort', 'order', 'limit', 'page', 'after', 'countLimit']),
    );
    expect(doc.paths['/api/v1/employees'].get.tags).toEqual(['people']);
  });
});
