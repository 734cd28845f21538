import type { FastifyInstance } from 'fastify';
import {
  currencyParamsSchema,
  currencySettings,
  exchangeRateBodySchema,
  reportingCurrencyInputSchema,
  setExchangeRate,
  setReportingCurrency,
  TAKES_EFFECT,
} from '../../currency/index.js';
import type { Database } from '../../db/engine.js';
import { route } from '../route.js';

/** Who changed a setting when the request does not say (the API has no users yet). */
const API_AUTHOR = 'api';

/** The reporting currency and the exchange rates into it: the same schemas as `winback currency …`. */
export function registerCurrencyRoutes(app: FastifyInstance, database: Database): void {
  route(app, { method: 'GET', url: '/api/v1/currency', tag: 'currency', summary: 'The reporting currency and the exchange rates into it' }, async () => ({
    ...(await currencySettings(database)),
    takesEffect: TAKES_EFFECT,
  }));
  route(
    app,
    {
      method: 'PUT',
      url: '/api/v1/currency/reporting',
      tag: 'currency',
      summary: 'Change the reporting currency (it needs a rate; every rate is re-expressed in it); applies from the next scoring and report',
      body: reportingCurrencyInputSchema,
    },
    async ({ body }) => setReportingCurrency(database, { ...body, updatedBy: body.updatedBy ?? API_AUTHOR }),
  );
  route(
    app,
    {
      method: 'PUT',
      url: '/api/v1/currency/rates/:code',
      tag: 'currency',
      summary: 'Set the value of one unit of a currency in the reporting currency; applies from the next scoring and report',
      params: currencyParamsSchema,
      body: exchangeRateBodySchema,
    },
    async ({ params, body }) => setExchangeRate(database, { currency: params.code, rate: body.rate, updatedBy: body.updatedBy ?? API_AUTHOR }),
  );
}
