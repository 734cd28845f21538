/**
 * Inputs of step 3 — one zod schema per operation, shared by the CLI flags, the HTTP API and the library (strings
 * are coerced, so CLI flags and query parameters parse alike).
 */
import { z } from 'zod';
import { CausesError } from './errors.js';
import { parseWith } from '../shared/parse.js';

export const LOSS_STATES = ['lost', 'sleeping'] as const;
export const TREND_PERIODS = ['month', 'quarter'] as const;
export const ROOT_CAUSE_STATUSES = ['open', 'in_progress', 'fixed', 'wont_fix'] as const;
/** Statuses of items still to be worked on: the Pareto shows these next to their reasons. */
export const UNRESOLVED_STATUSES = ['open', 'in_progress'] as const;
export type LossState = (typeof LOSS_STATES)[number];
export type TrendPeriod = (typeof TREND_PERIODS)[number];
export type RootCauseStatus = (typeof ROOT_CAUSE_STATUSES)[number];

const date = (example: string) => z.coerce.date({ error: `expected a date such as ${example}` }).refine((d) => Number.isFinite(d.getTime()), 'not a valid date');
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const reasonCode = z.string().trim().toLowerCase().min(1, 'a reason code is required');
const code = (what: string) => z.string().trim().min(1, `${what} is required`);
/** A list: an array, or one string with comma-separated values (a query parameter, a CLI flag). */
const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (typeof v === 'string' ? v.split(',') : v).map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(item));

/**
 * Which losses a report covers: transitions to lost or sleeping whose effective date is in [from, to).
 * `team` / `employee`: customers the team or employee serves (customers.team_id / employee_id, by code).
 * `level`: roll the reason codes up to this level of the hierarchy (1: 'service.slow_response' → 'service');
 * default: the full code. `reason`: only losses whose effective reason is this code or one of its descendants.
 */
const lossFilter = {
  /** First instant included (default: 12 months before `to`). */
  from: date('2024-07-01').optional(),
  /** End of the period, excluded (default: now). */
  to: date('2025-07-01').optional(),
  level: z.coerce.number().int().min(1).max(10).optional(),
  /** Only customers who became lost, or only those who fell asleep (default: both). */
  state: z.enum(LOSS_STATES, { error: `expected one of ${LOSS_STATES.join(', ')}` }).optional(),
  team: code('a team code').optional(),
  employee: code('an employee code').optional(),
  reason: reasonCode.optional(),
};
const periodIsOrdered = (o: { from?: Date | undefined; to?: Date | undefined }) => !o.from || !o.to || o.from < o.to;
const periodMessage = { path: ['to'], message: 'must be after from' };

/** `winback causes pareto`, GET /api/v1/causes/pareto. */
export const paretoQuerySchema = z.object(lossFilter).refine(periodIsOrdered, periodMessage);
export type ParetoQueryInput = z.input<typeof paretoQuerySchema>;
export type ParetoQuery = z.output<typeof paretoQuerySchema>;

/** `winback causes trends`, GET /api/v1/causes/trends: per month or quarter and reason (long format). */
export const trendsQuerySchema = z
  .object({ ...lossFilter, by: z.enum(TREND_PERIODS, { error: `expected one of ${TREND_PERIODS.join(', ')}` }).default('month') })
  .refine(periodIsOrdered, periodMessage);
export type TrendsQueryInput = z.input<typeof trendsQuerySchema>;
export type TrendsQuery = z.output<typeof trendsQuerySchema>;

/** `winback causes feedback`, GET /api/v1/causes/feedback: the lost customers of one team or one employee. */
export const feedbackQuerySchema = z
  .object({
    team: lossFilter.team,
    employee: lossFilter.employee,
    from: lossFilter.from,
    to: lossFilter.to,
    level: lossFilter.level,
    state: lossFilter.state,
    /** How many reasons the summary compares with the company. */
    top: z.coerce.number().int().min(1).max(50).default(5),
    /** The customers who left, most recent first: a page of them (a large team loses tens of thousands a year). */
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .refine((o) => (o.team === undefined) !== (o.employee === undefined), { path: ['team'], message: 'give either a team or an employee' })
  .refine(periodIsOrdered, periodMessage);
export type FeedbackQueryInput = z.input<typeof feedbackQuerySchema>;
export type FeedbackQuery = z.output<typeof feedbackQuerySchema>;

// ---- Root-cause items

const status = z.enum(ROOT_CAUSE_STATUSES, { error: `expected one of ${ROOT_CAUSE_STATUSES.join(', ')}` });
const text = z
  .string()
  .trim()
  .transform((s) => (s === '' ? null : s));

export const itemIdSchema = z.object({ id: z.coerce.number().int().positive() });

/** A new root-cause item. Reasons by code, customers by their external id, employees by code. */
export const itemCreateSchema = z.object({
  title: z.string().trim().min(1, 'a title is required'),
  description: text.nullable().optional(),
  /** The employee who owns the fix. */
  owner: code('an employee code').nullable().optional(),
  status: status.default('open'),
  reasons: list(reasonCode).default([]),
  customers: list(code('a customer id')).default([]),
  /** Who records it (an employee code). */
  by: code('an employee code').optional(),
  note: text.nullable().optional(),
});
export type ItemCreateInput = z.input<typeof itemCreateSchema>;

/** Changes to an item; a status change is appended to its history with `by` and `note`. */
export const itemUpdateSchema = z
  .object({
    title: z.string().trim().min(1, 'a title must not be empty').optional(),
    description: text.nullable().optional(),
    owner: code('an employee code').nullable().optional(),
    status: status.optional(),
    by: code('an employee code').optional(),
    note: text.nullable().optional(),
  })
  .refine((o) => o.title !== undefined || o.description !== undefined || o.owner !== undefined || o.status !== undefined, {
    message: 'nothing to change: give a title, description, owner or status',
  });
export type ItemUpdateInput = z.input<typeof itemUpdateSchema>;

/** Links reasons and customers to an item (idempotent), or with `remove` unlinks them. */
export const itemLinksSchema = z
  .object({
    reasons: list(reasonCode).default([]),
    customers: list(code('a customer id')).default([]),
    remove: bool.default(false),
  })
  .refine((o) => o.reasons.length + o.customers.length > 0, { message: 'give at least one reason or customer' });
export type ItemLinksInput = z.input<typeof itemLinksSchema>;

/** Filters of the item list. `reason`: items linked to the code, one of its ancestors or descendants. */
export const itemListQuerySchema = z.object({
  status: list(status).optional(),
  reason: reasonCode.optional(),
  owner: code('an employee code').optional(),
  customer: code('a customer id').optional(),
});
export type ItemListQueryInput = z.input<typeof itemListQuerySchema>;

/** Parses with a schema; failures become CausesError('invalid_options') naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, (message, issues) => new CausesError('invalid_options', message, { issues }));
}
