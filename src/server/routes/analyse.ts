import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  addReasonRule,
  computeSegments,
  listReasonRules,
  listReasons,
  listRecovery,
  listRecoveryCosts,
  listRecoveryPriors,
  mapContractReasons,
  reasonRuleInputSchema,
  recoveryCostInputSchema,
  recoveryListQuerySchema,
  recoveryPriorInputSchema,
  recoveryScoreOptionsSchema,
  removeReasonRule,
  ruleTestSchema,
  scoreRecovery,
  segmentOptionsSchema,
  setRecoveryCost,
  setRecoveryPrior,
  testReasonText,
} from '../../analyse/index.js';
import type { Database } from '../../db/engine.js';
import { route } from '../route.js';

/** Step 2 (analyse): reasons and their mapping rules, segments, the recovery scores and the prioritised list. */
export function registerAnalyseRoutes(app: FastifyInstance, database: Database): void {
  route(app, { method: 'GET', url: '/api/v1/reasons', tag: 'analyse', summary: 'The reason catalogue (hierarchical dotted codes)' }, async () => ({
    reasons: await listReasons(database),
  }));
  route(app, { method: 'GET', url: '/api/v1/reasons/rules', tag: 'analyse', summary: 'Reason-mapping rules in matching order (first match wins)' }, async () => ({
    rules: await listReasonRules(database),
  }));
  route(
    app,
    { method: 'POST', url: '/api/v1/reasons/rules', tag: 'analyse', summary: 'Add a reason-mapping rule', body: reasonRuleInputSchema, successStatus: 201 },
    async ({ body }) => addReasonRule(database, body),
  );
  route(
    app,
    { method: 'DELETE', url: '/api/v1/reasons/rules/:id', tag: 'analyse', summary: 'Remove a reason-mapping rule', params: z.object({ id: z.coerce.number().int().positive() }) },
    async ({ params }) => removeReasonRule(database, params.id),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/reasons/rules/test', tag: 'analyse', summary: 'What the current rules make of a text (nothing is written)', body: ruleTestSchema },
    async ({ body }) => testReasonText(database, body.text),
  );
  route(app, { method: 'POST', url: '/api/v1/reasons/map', tag: 'analyse', summary: 'Map the reason of every contract (idempotent; verified codes kept)' }, async () =>
    mapContractReasons(database),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/segments/recompute', tag: 'analyse', summary: 'Recompute Reinartz & Kumar segments and RFM scores', body: segmentOptionsSchema },
    async ({ body }) => computeSegments(database, body),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/recovery/score', tag: 'analyse', summary: 'Score every lost or sleeping customer (expected value of a recovery attempt, explained)', body: recoveryScoreOptionsSchema },
    async ({ body }) => scoreRecovery(database, body),
  );
  route(
    app,
    { method: 'GET', url: '/api/v1/recovery/list', tag: 'analyse', summary: 'The prioritised recovery list: filters, sorting, offset or keyset paging', query: recoveryListQuerySchema },
    async ({ query }) => listRecovery(database, query),
  );
  route(app, { method: 'GET', url: '/api/v1/recovery/priors', tag: 'analyse', summary: 'Beta priors of P(recovery) per segment × reason cell (null = any)' }, async () => ({
    priors: await listRecoveryPriors(database),
  }));
  route(
    app,
    {
      method: 'PUT',
      url: '/api/v1/recovery/priors',
      tag: 'analyse',
      summary: 'Set the prior of a cell: alpha and beta, or rate and weight; applies from the next scoring',
      body: recoveryPriorInputSchema,
    },
    async ({ body }) => setRecoveryPrior(database, body),
  );
  route(app, { method: 'GET', url: '/api/v1/recovery/costs', tag: 'analyse', summary: 'Cost of each recovery measure per currency (minor units)' }, async () => ({
    costs: await listRecoveryCosts(database),
  }));
  route(
    app,
    {
      method: 'PUT',
      url: '/api/v1/recovery/costs',
      tag: 'analyse',
      summary: 'Set the cost of a measure in a currency (amount as a decimal, e.g. "12.50"); applies from the next scoring',
      body: recoveryCostInputSchema,
    },
    async ({ body }) => setRecoveryCost(database, body),
  );
}
