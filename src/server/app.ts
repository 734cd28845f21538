import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Database } from '../db/engine.js';
import { reportError } from '../shared/errors.js';
import { RequestError } from './errors.js';
import { openApiDocument } from './route.js';
import { registerAnalyseRoutes } from './routes/analyse.js';
import { registerAnalysisRoutes } from './routes/analysis.js';
import { registerCurrencyRoutes } from './routes/currency.js';
import { registerCausesRoutes } from './routes/causes.js';
import { registerCustomersRoutes } from './routes/customers.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerIdentifyRoutes } from './routes/identify.js';
import { registerImportRoutes } from './routes/imports.js';
import { registerOverviewRoutes } from './routes/overview.js';
import { registerWebApp } from './static.js';
import { registerWinbackRoutes } from './routes/winback.js';

export interface ServerOptions {
  logger?: boolean;
}

/** The HTTP API (/api/v1/…) and the web page, on one database. Routes parse, call the domain, format. */
export async function buildServer(database: Database, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });

  app.setErrorHandler((error, _request, reply) => {
    // Fastify's own errors (malformed JSON, payload too large) carry a statusCode; keep it and its message.
    const fastifyStatus = (error as { statusCode?: number }).statusCode;
    if (fastifyStatus && fastifyStatus < 500 && !(error as { domain?: string }).domain) {
      return reply.status(fastifyStatus).send({ error: { domain: 'request', code: 'invalid_request', message: (error as Error).message } });
    }
    const report = reportError(error);
    if (report.status >= 500) app.log.error(error);
    return reply.status(report.status).send(report.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const report = reportError(new RequestError('not_found', `no such resource: ${request.method} ${request.url}`));
    return reply.status(report.status).send(report.body);
  });

  registerWebApp(app);
  registerHealthRoutes(app, database);
  registerOverviewRoutes(app, database);
  registerImportRoutes(app, database);
  registerAnalysisRoutes(app, database);
  registerIdentifyRoutes(app, database);
  registerAnalyseRoutes(app, database);
  registerCurrencyRoutes(app, database);
  registerCausesRoutes(app, database);
  registerCustomersRoutes(app, database);
  registerWinbackRoutes(app, database);
  // Declared last so the document lists every route above.
  const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  app.get('/api/v1/openapi.json', () => openApiDocument(app, packageVersion));
  return app;
}
