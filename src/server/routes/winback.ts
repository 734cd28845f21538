import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { contactMadeSchema, contactRequestSchema, evaluateContactRequest, recordContact } from '../../contact/index.js';
import type { Database } from '../../db/engine.js';
import {
  callRecordSchema,
  callWorkspace,
  closeCycle,
  createCycle,
  createOffer,
  cycleInputSchema,
  cycleProgress,
  getOffer,
  listCycles,
  listCycleTargets,
  listOffers,
  nextCall,
  nextCallSchema,
  offerInputSchema,
  offerUpdateSchema,
  recordCall,
  releaseClaim,
  startCycle,
  startCycleSchema,
  targetListQuerySchema,
  updateOffer,
  workspaceQuerySchema,
} from '../../winback/index.js';
import { route } from '../route.js';

const id = z.coerce.number().int().positive();
const cycleParams = z.object({ id });
const claimParams = z.object({ id, customerId: id });
const employeeQuery = z.object({ employeeId: id });

/** Step 4 (win back): rescue cycles, the call queue, the guided call, the offer catalogue, the contact gate. */
export function registerWinbackRoutes(app: FastifyInstance, database: Database): void {
  route(app, { method: 'GET', url: '/api/v1/cycles', tag: 'winback', summary: 'Rescue cycles, newest first' }, async () => ({ cycles: await listCycles(database) }));
  route(
    app,
    { method: 'POST', url: '/api/v1/cycles', tag: 'winback', summary: 'Plan a rescue cycle (draft): period, target rule, holdout share, offer budget, people', body: cycleInputSchema, successStatus: 201 },
    ({ body }) => createCycle(database, body),
  );
  route(
    app,
    { method: 'GET', url: '/api/v1/cycles/:id', tag: 'winback', summary: "A cycle's progress: targets, holdout, contacted, outcomes, budget committed", params: cycleParams },
    ({ params }) => cycleProgress(database, params.id),
  );
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/cycles/:id/targets',
      tag: 'winback',
      summary: "A cycle's targets in rank order: who, queue status, assigned and claimed by, outcome (holdout marked)",
      params: cycleParams,
      query: targetListQuerySchema,
    },
    ({ params, query }) => listCycleTargets(database, params.id, query),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/cycles/:id/start', tag: 'winback', summary: 'Start a draft cycle: select its targets, draw the holdout (seed recorded), deal the executives their handful', params: cycleParams, body: startCycleSchema },
    ({ params, body }) => startCycle(database, params.id, body),
  );
  route(app, { method: 'POST', url: '/api/v1/cycles/:id/close', tag: 'winback', summary: 'Close an active cycle', params: cycleParams }, async ({ params }) => {
    await closeCycle(database, params.id);
    return cycleProgress(database, params.id);
  });
  route(
    app,
    {
      method: 'POST',
      url: '/api/v1/cycles/:id/next-call',
      tag: 'winback',
      summary: 'Claim the next call for this employee (exclusive, expiring); 204 when nothing is due and callable now',
      params: cycleParams,
      body: nextCallSchema,
    },
    async ({ params, body }, _request, reply) => {
      const claim = await nextCall(database, params.id, body);
      if (!claim) return reply.status(204).send();
      return claim;
    },
  );
  route(
    app,
    { method: 'DELETE', url: '/api/v1/cycles/:id/claims/:customerId', tag: 'winback', summary: 'Give a claimed call back to the queue', params: claimParams, query: employeeQuery },
    async ({ params, query }) => {
      await releaseClaim(database, params.id, params.customerId, query.employeeId);
      return { released: true };
    },
  );
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/cycles/:id/workspace/:customerId',
      tag: 'winback',
      summary: "The call workspace: the customer's story, whether a call is allowed now, and the eligible offers ranked within the cycle budget",
      params: claimParams,
      query: workspaceQuerySchema.omit({ cycleId: true }),
    },
    ({ params, query }) => callWorkspace(database, params.customerId, { ...query, cycleId: params.id }),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/calls', tag: 'winback', summary: 'Record a guided recovery call; its outcome takes effect at once (refused with the rule if contact rules forbid it)', body: callRecordSchema, successStatus: 201 },
    ({ body }) => recordCall(database, body),
  );

  route(app, { method: 'GET', url: '/api/v1/offers', tag: 'winback', summary: 'The offer catalogue (material and immaterial)', query: z.object({ active: z.stringbool().optional() }) }, async ({ query }) => ({
    offers: await listOffers(database.db, query.active ?? false),
  }));
  route(app, { method: 'GET', url: '/api/v1/offers/:id', tag: 'winback', summary: 'One offer', params: cycleParams }, ({ params }) => getOffer(database, params.id));
  route(
    app,
    { method: 'POST', url: '/api/v1/offers', tag: 'winback', summary: 'Add an offer to the catalogue (terms by type, eligibility by segment and reason)', body: offerInputSchema, successStatus: 201 },
    ({ body }) => createOffer(database, body),
  );
  route(
    app,
    { method: 'PATCH', url: '/api/v1/offers/:id', tag: 'winback', summary: 'Change an offer (deactivate it with active: false; offers are never deleted)', params: cycleParams, body: offerUpdateSchema },
    ({ params, body }) => updateOffer(database, params.id, body),
  );

  route(
    app,
    { method: 'POST', url: '/api/v1/contact/check', tag: 'contact', summary: 'May this contact be made or scheduled? The decision and the rule that forbids it (nothing is written)', body: contactRequestSchema },
    ({ body }) => evaluateContactRequest(database, body),
  );
  route(
    app,
    { method: 'POST', url: '/api/v1/contact/log', tag: 'contact', summary: 'Record a contact made outside a call (letter, email); refused with the rule, and logged, if a rule forbids it', body: contactMadeSchema, successStatus: 201 },
    ({ body }) => recordContact(database, body),
  );
}
