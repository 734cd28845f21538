import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/engine.js';
import { analyzeOptionsSchema, runAnalysis } from '../../analyze/index.js';
import { refreshCustomerBase, refreshOptionsSchema } from '../../pipeline/refresh.js';
import { route } from '../route.js';

export function registerAnalysisRoutes(app: FastifyInstance, database: Database): void {
  route(
    app,
    {
      method: 'POST',
      url: '/api/v1/analyses',
      tag: 'analysis',
      summary: 'Fit the purchase and spend models and score every customer (same options as `winback analyze`)',
      body: analyzeOptionsSchema,
      successStatus: 201,
    },
    ({ body }) => runAnalysis(database, body),
  );
  route(
    app,
    {
      method: 'POST',
      url: '/api/v1/refresh',
      tag: 'analysis',
      summary: 'Bring everything derived from the data up to date: model scores, lifecycle states, reasons, segments, recovery scores',
      body: refreshOptionsSchema,
      successStatus: 201,
    },
    ({ body }) => refreshCustomerBase(database, body),
  );
}
