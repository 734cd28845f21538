/**
 * Options of step 2 — one zod schema per operation, shared by the CLI flags, the HTTP API and the library
 * (strings are coerced, so CLI flags and query parameters parse alike).
 */
import { z } from 'zod';
import { currencyCodeSchema } from '../currency/schemas.js';
import { parseDecimal, toMinorUnits } from '../ingest/values.js';
import { parseWith } from '../shared/parse.js';
import { AnalyseError } from './errors.js';
import { PATTERN_TYPES } from './rules.js';
import { RECOVERY_SORTS, RECOVERY_STATES, SEGMENTS } from './vocabulary.js';

export { RECOVERY_SORTS, RECOVERY_STATES, SEGMENTS, type RecoverySort } from './vocabulary.js';

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
  /** Minimum expected value in the reporting currency, minor units (scores without a rate never pass it). */
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

/** Twelve significant digits: 0.7 × 20 is 14, not 14.000000000000002. */
const clean = (x: number) => Number(x.toPrecision(12));

/**
 * One cell of the P(recovery) priors (`winback recovery priors set`, PUT /api/v1/recovery/priors). `segment`
 * and `reasonCode` default to 'any' (the row for every segment / every reason). The prior is Beta(alpha, beta);
 * `rate` and `weight` are the friendlier form of the same: the prior mean and how many attempts it weighs as
 * (alpha = rate × weight, beta = weight − alpha). Parsing the output again gives the same output.
 */
export const recoveryPriorInputSchema = z
  .object({
    segment: z
      .enum([...SEGMENTS, 'any'], { error: `unknown segment: expected one of ${SEGMENTS.join(', ')} or any` })
      .nullable()
      .default('any')
      .transform((v) => (v === 'any' ? null : v)),
    /** A reason code from the catalogue; a parent code ('price') also covers its children without a row of their own. */
    reasonCode: z
      .string()
      .trim()
      .toLowerCase()
      .min(1, 'a reason code or any')
      .nullable()
      .default('any')
      .transform((v) => (v === 'any' ? null : v)),
    alpha: z.coerce.number().positive('alpha must be greater than 0').finite().optional(),
    beta: z.coerce.number().positive('beta must be greater than 0').finite().optional(),
    /** Prior mean P(recovery), 0 < rate < 1. */
    rate: z.coerce.number().gt(0, 'rate must be greater than 0').lt(1, 'rate must be below 1').optional(),
    /** Weight of the prior in attempts (alpha + beta). */
    weight: z.coerce.number().positive('weight must be greater than 0').finite().optional(),
    rationale: z.string().trim().max(2000).optional(),
  })
  .superRefine((o, ctx) => {
    const ab = o.alpha !== undefined || o.beta !== undefined;
    const rw = o.rate !== undefined || o.weight !== undefined;
    if (ab && rw) ctx.addIssue({ code: 'custom', message: 'give alpha and beta, or rate and weight, not both' });
    else if (ab ? o.alpha === undefined || o.beta === undefined : o.rate === undefined || o.weight === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give alpha and beta, or rate and weight (alpha = rate × weight, beta = weight − alpha)' });
    }
  })
  .transform((o) => {
    const alpha = o.alpha ?? clean(o.rate! * o.weight!);
    const beta = o.beta ?? clean(o.weight! - alpha);
    return { segment: o.segment, reasonCode: o.reasonCode, alpha, beta, ...(o.rationale !== undefined ? { rationale: o.rationale } : {}) };
  });
export type RecoveryPriorInput = z.input<typeof recoveryPriorInputSchema>;

/**
 * The cost of one recovery measure in one currency (`winback recovery costs set`, PUT /api/v1/recovery/costs).
 * `amount` is a decimal in major units ('12.50'), converted to minor units exactly by the importer's parser (more
 * decimals than the currency has are refused, not rounded): the output carries both, and parsing it again gives
 * the same output.
 */
export const recoveryCostInputSchema = z
  .object({
    measure: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z][a-z0-9_]*$/, 'a measure name: lower-case letters, digits and _, starting with a letter (e.g. agent_call)'),
    currency: currencyCodeSchema,
    amount: z.union([z.string(), z.number()], { error: 'an amount such as 12.50 is required' }),
    description: z.string().trim().max(2000).optional(),
  })
  .transform((o, ctx) => {
    const decimal = parseDecimal(String(o.amount).trim(), 'point');
    const minor = typeof decimal === 'string' ? decimal : toMinorUnits(decimal, o.currency);
    if (typeof minor === 'string' || minor < 0) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: typeof minor === 'string' ? minor : 'must not be negative' });
      return z.NEVER;
    }
    return { measure: o.measure, currency: o.currency, amount: String(o.amount).trim(), amountMinor: minor, ...(o.description !== undefined ? { description: o.description } : {}) };
  });
export type RecoveryCostInput = z.input<typeof recoveryCostInputSchema>;

/** Parses with a schema; failures become AnalyseError('invalid_options') naming each field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, (message, issues) => new AnalyseError('invalid_options', message, { issues }));
}
