import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/engine.js';
import { analyzeOptionsSchema, listAnalysisRuns, runAnalysis, type AnalyzePhase } from '../../analyze/index.js';
import { reportError, type ErrorReport } from '../../shared/errors.js';
import { refreshCustomerBase, refreshOptionsSchema, type RefreshStep } from '../../pipeline/refresh.js';
import { RequestError } from '../errors.js';
import { route } from '../route.js';

/**
 * A long analysis started from the web page: it runs in the background while the page polls its progress
 * (the step it is in, of how many), then reads the same result the synchronous endpoints return.
 */
interface Job {
  id: string;
  kind: 'analysis' | 'refresh';
  status: 'running' | 'done' | 'failed';
  step: string;
  stepIndex: number;
  steps: string[];
  message: string;
  startedAt: Date;
  finishedAt: Date | null;
  result?: unknown;
  error?: ErrorReport['body']['error'];
}

const ANALYSIS_PHASES: AnalyzePhase[] = ['summarising', 'fitting', 'scoring', 'validating', 'writing', 'done'];
const REFRESH_STEPS: RefreshStep[] = ['models', 'states', 'reasons', 'segments', 'recovery'];
const KEEP_JOBS = 20;

const jobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('analysis'), options: analyzeOptionsSchema.optional() }),
  z.object({ kind: z.literal('refresh'), options: refreshOptionsSchema.optional() }),
]);

/** A background job as GET /api/v1/analyses/jobs/:id answers it. */
export type AnalysisJobView = ReturnType<typeof view>;

const view = (job: Job) => ({
  id: job.id,
  kind: job.kind,
  status: job.status,
  step: job.step,
  stepIndex: job.stepIndex,
  steps: job.steps,
  message: job.message,
  startedAt: job.startedAt,
  finishedAt: job.finishedAt,
  elapsedMs: (job.finishedAt ?? new Date()).getTime() - job.startedAt.getTime(),
  ...(job.status === 'done' ? { result: job.result } : {}),
  ...(job.status === 'failed' ? { error: job.error } : {}),
});

export function registerAnalysisRoutes(app: FastifyInstance, database: Database): void {
  const jobs = new Map<string, Job>();

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
      method: 'GET',
      url: '/api/v1/analyses',
      tag: 'analysis',
      summary: 'The recorded analyses, newest first: models fitted, data, validation against a holdout',
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10), kind: z.enum(['scoring', 'validation']).optional() }),
    },
    async ({ query }) => ({ analyses: await listAnalysisRuns(database, query) }),
  );
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/analyses/:id',
      tag: 'analysis',
      summary: 'One recorded analysis',
      params: z.object({ id: z.coerce.number().int().positive() }),
    },
    async ({ params }) => {
      const [run] = await listAnalysisRuns(database, { id: params.id, limit: 1 });
      if (!run) throw new RequestError('not_found', `no analysis ${params.id}`);
      return run;
    },
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
  route(
    app,
    {
      method: 'POST',
      url: '/api/v1/analyses/jobs',
      tag: 'analysis',
      summary: 'Start an analysis ({kind: "analysis"}, as POST /analyses) or a refresh ({kind: "refresh"}, as POST /refresh) in the background; poll its progress',
      body: jobSchema,
      successStatus: 202,
    },
    async ({ body }) => {
      const steps: string[] = body.kind === 'analysis' ? ANALYSIS_PHASES : REFRESH_STEPS;
      const job: Job = { id: randomUUID(), kind: body.kind, status: 'running', step: steps[0]!, stepIndex: 0, steps, message: 'starting', startedAt: new Date(), finishedAt: null };
      jobs.set(job.id, job);
      for (const id of [...jobs.keys()].slice(0, Math.max(0, jobs.size - KEEP_JOBS))) jobs.delete(id);
      const work =
        body.kind === 'analysis'
          ? runAnalysis(database, body.options ?? {}, (p) => Object.assign(job, { step: p.phase, stepIndex: steps.indexOf(p.phase), message: p.message }))
          : refreshCustomerBase(database, body.options ?? {}, (s) => Object.assign(job, { step: s, stepIndex: steps.indexOf(s), message: `refreshing ${s}` }));
      work.then(
        (result) => Object.assign(job, { status: 'done', result, finishedAt: new Date(), stepIndex: steps.length, message: 'done' }),
        (error: unknown) => {
          const report = reportError(error);
          if (report.status >= 500) app.log.error(error);
          Object.assign(job, { status: 'failed', error: report.body.error, finishedAt: new Date(), message: 'failed' });
        },
      );
      return view(job);
    },
  );
  route(
    app,
    {
      method: 'GET',
      url: '/api/v1/analyses/jobs/:id',
      tag: 'analysis',
      summary: 'Progress of a background analysis or refresh (step of steps), then its result or error',
      params: z.object({ id: z.string().uuid() }),
    },
    async ({ params }) => {
      const job = jobs.get(params.id);
      if (!job) throw new RequestError('not_found', `no analysis job ${params.id} (jobs are kept in memory until the server restarts)`);
      return view(job);
    },
  );
}
