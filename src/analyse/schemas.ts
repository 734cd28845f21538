/**
 * Options of step 2 — one zod schema per operation, shared by the CLI flags, the HTTP API and the library
 * (strings are coerced, so CLI flags and query parameters parse alike).
 */
import { z } from 'zod';
import { AnalyseError } from './errors.js';
import { PATTERN_TYPES } from './rules.js';

export const SEGMENTS = ['true_friends', 'butterflies', 'barnacles', 'strangers'] as const;
export const RECOVERY_STATES = ['lost', 'sleeping'] as const;
export const RECOVERY_SORTS = ['expected_value', 'value', 'p_recovery', 'lost_since'] as const;

const date = (what: string) => z.coerce.date({ error: `expected a date such as 2025-01-31 (${what})` }).refine((d) => Number.isFinite(d.getTime()), 'not a valid date');
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const reasonRuleInputSchema = z.object({
  patternType: z.enum(PATTERN_TYPES).default('keyword'),
  pattern: z.string().trim().min(1, 'a pattern is required'),
  reasonCode: z.string().trim().toLowerCase().min(1, 'a reason code is required'),
  /** Where the rule goes in the matching order; default: after the last rule. Rules at or after it move down. */
  position: z.coerce.number().int().min(1).optional(),
  active: bool.default(true),
  note: z.string().optional(),
});
export type ReasonRuleInput = z.input<typeof reasonRuleInputSchema>;

export const ruleTestSchema = z.object({ text: z.string() });

/**
 * Segment options. Thresholds default to the medians of the customer base (tenure over all customers, profit
 * per currency); an explicit profit threshold is in minor units of each customer's currency. `marginRatio`:
 * margin share used for order lines without a margin and for contract revenue (default: the observed margin
 * ratio of the orders that carry one, else 0.3).
 */
export const segmentOptionsSchema = z.object({
  asOf: date('asOf').optional(),
  tenureThresholdDays: z.coerce.number().min(0).optional(),
  profitThreshold: z.coerce.number().optional(),
  marginRatio: z.coerce.number().min(0).max(1).optional(),
});
export type SegmentOptionsInput = z.input<typeof segmentOptionsSchema>;
export type SegmentOptions = z.output<typeof segmentOptionsSchema>;

/**
 * Recovery scoring options. `measure`: the recovery measure whose cost is charged (recovery_costs).
 * `contractTermMonths`: length of one renewal period of contracts (the sBG period). `annualDiscountRate`,
 * `horizonMonths`: default to the current analysis' options (else 0.1 and 24).
 */
export const recoveryScoreOptionsSchema = z.object({
  asOf: date('asOf').optional(),
  measure: z.string().trim().min(1).default('agent_call'),
  contractTermMonths: z.coerce.number().int().min(1).max(120).default(12),
  annualDiscountRate: z.coerce.number().min(0).max(10).optional(),
  horizonMonths: z.coerce.number().int().min(1).max(1200).optional(),
  marginRatio: z.coerce.number().min(0).max(1).optional(),
});
export type RecoveryScoreOptionsInput = z.input<typeof recoveryScoreOptionsSchema>;
export type RecoveryScoreOptions = z.output<typeof recoveryScoreOptionsSchema>;

/** Filters, sorting and paging of the prioritised recovery list (`winback recovery list`, GET /api/v1/recovery/list). */
export const recoveryListQuerySchema = z.object({
  state: z.enum(RECOVERY_STATES).optional(),
  segment: z.enum(SEGMENTS).optional(),
  /** A reason code; a parent code ('price') includes its children ('price.too_expensive'). */
  reason: z.string().trim().toLowerCase().min(1).optional(),
  /** A team code. */
  team: z.string().trim().min(1).optional(),
  /** Minimum expected value, minor units. */
  minValue: z.coerce.number().int().optional(),
  sort: z.enum(RECOVERY_SORTS).default('expected_value'),
  order: z.enum(['desc', 'asc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  /** Offset paging, 1-based. */
  page: z.coerce.number().int().min(1).default(1),
  /** Keyset paging: the `next` cursor of the previous page (then `page` is ignored). */
  after: z.string().min(1).optional(),
});
export type RecoveryListQuery = z.output<typeof recoveryListQuerySchema>;
export type RecoveryListQueryInput = z.input<typeof recoveryListQuerySchema>;

export const recoveryOutcomeSchema = z.object({
  customerId: z.coerce.number().int().positive(),
  occurredAt: date('occurredAt'),
  wonBack: bool,
  /** Segment and reason at the time of the attempt; default: the customer's current ones. */
  segment: z.enum(SEGMENTS).nullable().optional(),
  reasonCode: z.string().trim().toLowerCase().optional(),
  measure: z.string().optional(),
  note: z.string().optional(),
});
export type RecoveryOutcomeInput = z.input<typeof recoveryOutcomeSchema>;

/** Parses with a schema; failures become AnalyseError('invalid_options') naming each field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new AnalyseError('invalid_options', `invalid ${what}: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`, { issues });
}
