import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/engine.js';
import { countsByState, identifyOptionsSchema, lossReport, lossReportQuerySchema, recomputeStates } from '../../identify/index.js';
import { route } from '../route.js';

/** Lifecycle states and loss accounting: the same schemas as `winback identify` and `winback report losses`. */
export function registerIdentifyRoutes(app: FastifyInstance, database: Database): void {
  route(
    app,
    { method: 'POST', url: '/api/v1/states/recompute', tag: 'identify', summary: 'Recompute every customer\'s lifecycle state; returns counts and transitions written', body: identifyOptionsSchema, successStatus: 201 },
    ({ body }) => recomputeStates(database, body),
  );
  route(app, { method: 'GET', url: '/api/v1/states/counts', tag: 'identify', summary: 'Customers per lifecycle state, with do-not-contact and latent-need counts' }, async () => ({
    counts: await countsByState(database),
  }));
  route(
    app,
    { method: 'GET', url: '/api/v1/reports/losses', tag: 'identify', summary: 'Customers newly lost / sleeping per month or quarter, value lost per currency and in the reporting currency (rates stated), churn rates', query: lossReportQuerySchema },
    ({ query }) => lossReport(database, query),
  );
}
