import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/engine.js';
import { countRecords, recentImports } from '../../overview/repository.js';
import { route } from '../route.js';

export function registerOverviewRoutes(app: FastifyInstance, database: Database): void {
  route(app, { method: 'GET', url: '/api/v1/overview/counts', tag: 'overview', summary: 'How many customers, contracts, orders, interactions, teams and employees' }, () =>
    countRecords(database.db),
  );
  route(app, { method: 'GET', url: '/api/v1/imports', tag: 'import', summary: 'The most recent committed imports' }, () => recentImports(database.db));
}
