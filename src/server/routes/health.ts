import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../../db/engine.js';
import { route } from '../route.js';

export function registerHealthRoutes(app: FastifyInstance, database: Database): void {
  route(app, { method: 'GET', url: '/api/v1/health', tag: 'system', summary: 'Is the server up; which database engine and schema version' }, async () => {
    await sql`SELECT 1`.execute(database.db);
    return { status: 'ok', engine: database.engine, schemaVersion: database.migrations.version };
  });
}
