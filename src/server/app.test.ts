import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { loadDemoCompany } from '../ingest/demo/load.js';
import { basicCompany } from '../ingest/test-support/files.js';
import { buildServer } from './app.js';

describeEachEngine('HTTP API', (engine) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  const upload = (entity: string, lines: string[], query = '') =>
    app.inject({ method: 'POST', url: `/api/v1/imports/${entity}?filename=${entity}.csv${query}`, headers: { 'content-type': 'text/csv' }, payload: lines.join('\n') + '\n' });

  beforeEach(async () => {
    database = await engine.open();
    app = await buildServer(database);
  });
  afterEach(async () => {
    await app.close();
    await database.dispose();
  });

  it('reports health with the database engine and schema version', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', engine: engine.engine, schemaVersion: database.migrations.version });
  });

  it('imports uploaded CSV files with the same validation as the CLI, and counts them', async () => {
    for (const entity of ['teams', 'employees', 'customers'] as const) expect((await upload(entity, basicCompany[entity])).statusCode).toBe(201);
    const bad = await upload('orders', ['customer_id,occurred_at,amount,currency', 'C1,2024-01-01,1.00,EUR', 'C1,2024-02-30,2.00,EUR']);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ domain: 'import', code: 'invalid_rows' });
    expect(bad.json().error.message).toContain('orders.csv:3: occurred_at: no such date');
    expect(bad.json().error.details).toEqual([expect.objectContaining({ line: 3, column: 'occurred_at', value: '2024-02-30' })]);

    const ok = await upload('orders', basicCompany.orders);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ entity: 'orders', rowsRead: 5, inserted: 5 });
    const counts = await app.inject({ method: 'GET', url: '/api/v1/overview/counts' });
    expect(counts.json()).toMatchObject({ customers: 3, orders: 5, contracts: 0, interactions: 0 });
  });

  it('returns the rejected rows of an upload with skipInvalid', async () => {
    for (const entity of ['teams', 'employees', 'customers'] as const) await upload(entity, basicCompany[entity]);
    const response = await upload('orders', ['customer_id,occurred_at,amount,currency', 'C1,2024-01-01,1.00,EUR', 'C9,2024-01-01,1.00,EUR'], '&skipInvalid=true');
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ inserted: 1, rejected: 1 });
    expect(response.json().rejectsCsv).toContain('3,customer_id: unknown customer');
  });

  it('answers invalid requests with a JSON error naming the field', async () => {
    const unknownEntity = await upload('planets', ['a']);
    expect(unknownEntity.statusCode).toBe(422);
    expect(unknownEntity.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('entity: expected one of') });
    const badOption = await upload('orders', ['a'], '&dateFormat=whenever');
    expect(badOption.json().error.message).toContain('dateFormat');
    const notFound = await app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json().error.code).toBe('not_found');
  });

  it('runs an analysis of the demo company and scores its customers', async () => {
    await loadDemoCompany(database, { customers: 300, seed: 1, asOf: new Date('2025-06-30T00:00:00Z') });
    const response = await app.inject({ method: 'POST', url: '/api/v1/analyses', payload: { asOf: '2025-06-30', unit: 'week' } });
    expect(response.statusCode, response.body).toBe(201);
    const result = response.json();
    expect(result.runs.map((r: { model: string }) => r.model)).toContain('bgnbd');
    expect(result.customersScored).toBeGreaterThan(100);
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/analyses', payload: { unit: 'fortnight' } });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.message).toContain('unit');
  });

  it('describes every route in an OpenAPI document built from the same zod schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const upload = doc.paths['/api/v1/imports/{entity}'].post;
    expect(upload.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'entity', in: 'path', schema: expect.objectContaining({ enum: expect.arrayContaining(['orders', 'customers']) }) }),
        expect.objectContaining({ name: 'dateFormat', in: 'query' }),
      ]),
    );
    expect(upload.requestBody.content).toHaveProperty('text/csv');
    expect(doc.paths['/api/v1/analyses'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('holdout');
    expect(doc.paths).toHaveProperty('/api/v1/health');
  });

  it('serves the web application on every path but /api (e2e/ drives it in a browser)', async () => {
    for (const url of ['/', '/customers/12']) {
      const page = await app.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('winback');
    }
    const api = await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
  });
});
