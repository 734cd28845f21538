import type { FastifyInstance } from 'fastify';
import {
  createItem,
  deleteItem,
  feedbackQuerySchema,
  frontlineFeedback,
  getItem,
  itemCreateSchema,
  itemIdSchema,
  itemLinksSchema,
  itemListQuerySchema,
  itemUpdateSchema,
  linkItemTo,
  listItems,
  paretoQuerySchema,
  reasonPareto,
  reasonTrends,
  trendsQuerySchema,
  updateItem,
} from '../../causes/index.js';
import type { Database } from '../../db/engine.js';
import { route } from '../route.js';

/** Step 3 (fix the causes): the reason Pareto and trends, frontline feedback, root-cause items. */
export function registerCausesRoutes(app: FastifyInstance, database: Database): void {
  route(
    app,
    { method: 'GET', url: '/api/v1/causes/pareto', tag: 'causes', summary: 'Departure reasons ranked by revenue lost (one ranking per currency), with shares, cumulative shares and open root-cause items', query: paretoQuerySchema },
    ({ query }) => reasonPareto(database, query),
  );
  route(
    app,
    { method: 'GET', url: '/api/v1/causes/trends', tag: 'causes', summary: 'Customers and revenue lost per month or quarter and reason (long format, zeros included)', query: trendsQuerySchema },
    ({ query }) => reasonTrends(database, query),
  );
  route(
    app,
    { method: 'GET', url: '/api/v1/causes/feedback', tag: 'causes', summary: 'The lost customers of a team or an employee: reasons, own words, team vs. company', query: feedbackQuerySchema },
    ({ query }) => frontlineFeedback(database, query),
  );
  route(app, { method: 'GET', url: '/api/v1/causes/items', tag: 'causes', summary: 'Root-cause items, newest first', query: itemListQuerySchema }, async ({ query }) => ({
    items: await listItems(database, query),
  }));
  route(
    app,
    { method: 'POST', url: '/api/v1/causes/items', tag: 'causes', summary: 'Record a root-cause item with its reasons and customers', body: itemCreateSchema, successStatus: 201 },
    ({ body }) => createItem(database, body),
  );
  route(
    app,
    { method: 'GET', url: '/api/v1/causes/items/:id', tag: 'causes', summary: 'A root-cause item with its customers and status history', params: itemIdSchema },
    ({ params }) => getItem(database, params.id),
  );
  route(
    app,
    { method: 'PATCH', url: '/api/v1/causes/items/:id', tag: 'causes', summary: 'Change a root-cause item (a status change is appended to its history)', params: itemIdSchema, body: itemUpdateSchema },
    ({ params, body }) => updateItem(database, params.id, body),
  );
  route(
    app,
    { method: 'DELETE', url: '/api/v1/causes/items/:id', tag: 'causes', summary: 'Delete a root-cause item recorded by mistake (with its links and history)', params: itemIdSchema },
    ({ params }) => deleteItem(database, params.id),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/causes/items/:id/links', tag: 'causes', summary: 'Link reasons and customers to a root-cause item (or unlink them with remove)', params: itemIdSchema, body: itemLinksSchema },
    ({ params, body }) => linkItemTo(database, params.id, body),
  );
}
