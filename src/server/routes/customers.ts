import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  customerIdSchema,
  customerListQuerySchema,
  customerProfile,
  customersCsv,
  customerTimeline,
  employeeListQuerySchema,
  listCustomers,
  listEmployees,
  listTeams,
  preferencesInputSchema,
  readPreferences,
  requireCustomer,
  timelineQuerySchema,
  updatePreferences,
} from '../../customers/index.js';
import type { Database } from '../../db/engine.js';
import { route } from '../route.js';

/** Customers: the list and its CSV export, a customer's profile and timeline, contact preferences; people (teams, employees). */
export function registerCustomersRoutes(app: FastifyInstance, database: Database): void {
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/customers',
      tag: 'customers',
      summary: 'Customers: search, filters, sorting, offset or keyset paging, with a total counted up to countLimit',
      query: customerListQuerySchema,
    },
    ({ query }) => listCustomers(database, query),
  );
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/customers/export.csv',
      tag: 'customers',
      summary: 'Every customer of the list query (same filters and sort, no paging) as CSV, streamed',
      query: customerListQuerySchema,
    },
    async ({ query }, _request, reply) => {
      const lines = await customersCsv(database, query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="customers.csv"')
        .send(Readable.from(lines));
    },
  );
  // Declared after export.csv; Fastify matches the static segment before the :id parameter anyway.
  route(
    app,
    { method: 'GET', url: '/api/v1/customers/:id', tag: 'customers', summary: "A customer's profile: facts, contracts, orders, contacts, calls, state history, preferences, scores explained", params: customerIdSchema },
    ({ params }) => customerProfile(database, params.id),
  );
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/customers/:id/timeline',
      tag: 'customers',
      summary: "A customer's events (orders, contracts, interactions, contacts, recovery calls, state changes), newest first, paged by the `before` cursor",
      params: customerIdSchema,
      query: timelineQuerySchema,
    },
    ({ params, query }) => customerTimeline(database, params.id, query),
  );
  route(
    app,
    { method: 'GET', url: '/api/v1/customers/:id/preferences', tag: 'customers', summary: "A customer's contact preferences (stated: false when the company policy applies)", params: customerIdSchema },
    async ({ params }) => {
      await requireCustomer(database.db, params.id);
      return readPreferences(database.db, params.id);
    },
  );
  route(
    app,
    {
      method: 'PUT',
      url: '/api/v1/customers/:id/preferences',
      tag: 'customers',
      summary: 'Change contact preferences (only the fields given; null clears); do-not-contact records its date and source and applies to the next contact',
      params: customerIdSchema,
      body: preferencesInputSchema,
    },
    ({ params, body }) => updatePreferences(database, params.id, body),
  );
  route(app, { method: 'GET', url: '/api/v1/teams', tag: 'people', summary: 'Teams (code, name, number of employees)' }, async () => ({
    teams: await listTeams(database),
  }));
  route(
    app,
    { method: 'GET', url: '/api/v1/employees', tag: 'people', summary: 'Employees (id, code, name, role, team), optionally of one team', query: employeeListQuerySchema },
    async ({ query }) => ({ employees: await listEmployees(database, query) }),
  );
}
