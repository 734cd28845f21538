import { z } from 'zod';

export { LIFECYCLE_STATES } from './vocabulary.js';

const date = (example: string) => z.coerce.date({ error: `expected a date such as ${example}` }).refine((d) => Number.isFinite(d.getTime()), 'not a valid date');

/**
 * Thresholds of the lifecycle rules — one schema for `winback identify`, POST /api/v1/states/recompute and the
 * library (strings are coerced, so CLI flags and query parameters parse alike). Defaults:
 *
 * - sleeping (order customers without a formal exit):
 *   - `sleepingPAlive` 0.3: the current analysis' P(alive) is below it (used when the customer is scored and has
 *     not bought since the analysis' calibration end);
 *   - otherwise the inter-purchase fallback: no purchase for longer than `sleepingGapFactor` 3 × the customer's
 *     own median gap between purchase days, but at least `sleepingMinGapDays` 90 days; a customer with a single
 *     purchase day is sleeping after `singlePurchaseGapDays` 365 days. The state is entered on the day the
 *     allowed gap ran out (last purchase + allowed gap).
 * - at_risk (still active): P(alive) below `atRiskPAlive` 0.6 or fallen by ≥ `atRiskPAliveDrop` 0.2 since the
 *   previous scoring analysis; purchase days in the last `recentDays` 90 days fewer than `purchaseRateDropRatio`
 *   0.5 × the customer's own earlier rate (customers with ≥ `minPurchaseDaysForRate` 3 purchase days and a
 *   history longer than 2 × recentDays); complaints in the last `recentDays` ≥ `complaintsThreshold` 2, or more
 *   than in the `recentDays` before; a cancellation pending (a running contract with a cancellation date).
 * - lost (contract customers): the last contract ended — its `ends_at`, or its `cancelled_at` when it has no end —
 *   with no contract running or starting within `renewalGapDays` 1 day after the end (a contract renewed on
 *   the day it ended, or the day after, continues the relationship).
 * - won_back: a lost customer with a new contract, a sleeping customer with a new purchase. After
 *   `wonBackPeriodDays` 365 days back the customer counts as ordinary again (active / at_risk). A win-back
 *   agreed on a recovery call counts at once and stands `recoveryConfirmDays` 90 days for the new contract or
 *   purchase to confirm it; without one the customer returns to lost / sleeping on that day.
 */
export const identifyOptionsSchema = z.object({
  asOf: date('2025-06-30').optional(),
  sleepingPAlive: z.coerce.number().min(0).max(1).default(0.3),
  sleepingGapFactor: z.coerce.number().min(1).max(100).default(3),
  sleepingMinGapDays: z.coerce.number().int().min(1).max(3650).default(90),
  singlePurchaseGapDays: z.coerce.number().int().min(1).max(3650).default(365),
  atRiskPAlive: z.coerce.number().min(0).max(1).default(0.6),
  atRiskPAliveDrop: z.coerce.number().min(0).max(1).default(0.2),
  recentDays: z.coerce.number().int().min(7).max(3650).default(90),
  purchaseRateDropRatio: z.coerce.number().min(0).max(1).default(0.5),
  minPurchaseDaysForRate: z.coerce.number().int().min(2).max(1000).default(3),
  complaintsThreshold: z.coerce.number().int().min(1).max(1000).default(2),
  renewalGapDays: z.coerce.number().int().min(0).max(365).default(1),
  wonBackPeriodDays: z.coerce.number().int().min(1).max(3650).default(365),
  /** How long a win-back agreed on a recovery call stands without a new contract or purchase to confirm it. */
  recoveryConfirmDays: z.coerce.number().int().min(1).max(3650).default(90),
  /** Customers read and written per batch (each batch commits on its own; on PostgreSQL two run at a time). */
  batchSize: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
});
export type IdentifyOptionsInput = z.input<typeof identifyOptionsSchema>;
export type IdentifyOptions = z.output<typeof identifyOptionsSchema>;
export type RuleOptions = Omit<IdentifyOptions, 'asOf' | 'batchSize'>;

export const LOSS_PERIODS = ['month', 'quarter'] as const;
export const LOSS_GROUPS = ['segment', 'reason', 'team', 'plan', 'channel', 'country'] as const;
export type LossPeriod = (typeof LOSS_PERIODS)[number];
export type LossGroup = (typeof LOSS_GROUPS)[number];

/** Options of the loss report — `winback report losses` and GET /api/v1/reports/losses. */
export const lossReportOptionsSchema = z
  .object({
    by: z.enum(LOSS_PERIODS, { error: `expected one of ${LOSS_PERIODS.join(', ')}` }).default('month'),
    groupBy: z.enum(LOSS_GROUPS, { error: `expected one of ${LOSS_GROUPS.join(', ')}` }).optional(),
    /** First day of the first period (default: the period of the earliest loss). */
    from: date('2024-01-01').optional(),
    /** Last instant included (default: now). */
    to: date('2025-06-30').optional(),
    /** Only what was known then: transitions recorded up to this instant. */
    knownAt: date('2025-04-01').optional(),
  })
  .refine((o) => !o.from || !o.to || o.from <= o.to, { path: ['to'], message: 'must not be before from' });
export type LossReportOptionsInput = z.input<typeof lossReportOptionsSchema>;
export type LossReportOptions = z.output<typeof lossReportOptionsSchema>;
