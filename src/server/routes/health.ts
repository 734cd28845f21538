import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../../db/engine.js';

export function registerHealthRoutes(app: FastifyInstance, database: Database): void {
  app.get('/api/v1/health', async () => {
    await sql`SELECT 1`.execute(database.db);
    return { status: 'ok', engine: database.engine, schemaVersion: database.migrations.version };
  });
}
