import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { customerListQuerySchema, customersCsv, employeeListQuerySchema, listCustomers, listEmployees, listTeams } from '../../customers/index.js';
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
  route(app, { method: 'GET', url: '/api/v1/teams', tag: 'people', summary: 'Teams (code, name, number of employees)' }, async () => ({
    teams: await listTeams(database),
  }));
  route(
    app,
    { method: 'GET', url: '/api/v1/employees', tag: 'people', summary: 'Employees (id, code, name, role, team), optionally of one team', query: employeeListQuerySchema },
    async ({ query }) => ({ employees: await listEmployees(database, query) }),
  );
}
