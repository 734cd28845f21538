import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/engine.js';
import { runAnalysis } from '../../analyze/index.js';

/** POST /api/v1/analyses runs an analysis with the same options as `winback analyze` (JSON body). */
export function registerAnalysisRoutes(app: FastifyInstance, database: Database): void {
  app.post('/api/v1/analyses', async (request, reply) => {
    const result = await runAnalysis(database, (request.body ?? {}) as Record<string, unknown>);
    return reply.status(201).send(result);
  });
}
