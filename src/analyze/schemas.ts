import { z } from 'zod';

export const TIME_UNITS = ['day', 'week', 'month'] as const;
export const MODEL_CHOICES = ['bgnbd', 'paretonbd', 'auto'] as const;

const MS_PER_DAY = 86_400_000;
const utcDay = (d: Date) => Math.floor(d.getTime() / MS_PER_DAY);

/**
 * Options of an analysis — one schema for `winback analyze` and the HTTP API (strings are coerced, so CLI
 * flags and query parameters parse alike).
 *
 * - `asOf`: end of the data looked at (default: now). Without `holdout` it is the calibration end.
 * - `holdout`: a date before `asOf`; calibration then ends at `holdout` and `holdout..asOf` validates the
 *   models (predicted against actual transactions). Validation analyses never become the current scores.
 * - `unit`: model time unit; `model`: purchase model ('auto' fits both and keeps the better likelihood).
 * - `horizonMonths`, `annualDiscountRate`: CLV horizon and discounting.
 * - `marginRatio`: margin as a share of spend for every customer; when absent, each customer's observed
 *   ratio (orders with a margin), else the observed ratio of all customers, else 0.3.
 * - `minSpendCustomers`: fewest repeat customers of a currency for its Gamma-Gamma spend model; below it the
 *   three parameters are not identified (a dozen customers drive p and q to absurd values), so each
 *   customer's own average repeat spend is used instead.
 */
/** The model options without `holdout`: what a refresh of the current scores takes (see src/pipeline). */
export const modelOptionsSchema = z.object({
  asOf: z.coerce.date({ error: 'expected a date such as 2025-01-31' }).optional(),
  unit: z.enum(TIME_UNITS, { error: `expected one of ${TIME_UNITS.join(', ')}` }).default('week'),
  model: z.enum(MODEL_CHOICES, { error: `expected one of ${MODEL_CHOICES.join(', ')}` }).default('bgnbd'),
  horizonMonths: z.coerce.number().int().min(1).max(1200).default(24),
  annualDiscountRate: z.coerce.number().min(0).max(10).default(0.1),
  marginRatio: z.coerce.number().min(0).max(1).optional(),
  minSpendCustomers: z.coerce.number().int().min(3).max(1_000_000).default(30),
});

export const analyzeOptionsSchema = modelOptionsSchema
  .extend({ holdout: z.coerce.date({ error: 'expected a date such as 2024-07-31' }).optional() })
  .superRefine((o, ctx) => {
    for (const key of ['asOf', 'holdout'] as const) {
      const d = o[key];
      if (d !== undefined && !Number.isFinite(d.getTime())) ctx.addIssue({ code: 'custom', path: [key], message: 'not a valid date' });
    }
    if (o.holdout !== undefined && Number.isFinite(o.holdout.getTime())) {
      const asOf = o.asOf ?? new Date();
      if (!(utcDay(o.holdout) < utcDay(asOf))) {
        ctx.addIssue({ code: 'custom', path: ['holdout'], message: 'the holdout start must be a day before asOf' });
      }
    }
  });

export type AnalyzeOptionsInput = z.input<typeof analyzeOptionsSchema>;
export type AnalyzeOptions = z.output<typeof analyzeOptionsSchema>;
