import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/engine.js';
import { countRecords, recentImports } from '../../overview/repository.js';

export function registerOverviewRoutes(app: FastifyInstance, database: Database): void {
  app.get('/api/v1/overview/counts', () => countRecords(database.db));
  app.get('/api/v1/imports', () => recentImports(database.db));
}
