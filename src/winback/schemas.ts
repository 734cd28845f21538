import { z } from 'zod';
import { SEGMENTS } from '../analyse/schemas.js';
import { CONTACT_CHANNELS } from '../contact/schemas.js';
import { parseWith } from '../shared/parse.js';
import { WinbackError } from './errors.js';
import { OFFER_RESPONSES, OUTCOMES, TARGET_STATUSES } from './vocabulary.js';

export { OFFER_RESPONSES, OUTCOMES, TARGET_STATUSES } from './vocabulary.js';

const id = z.coerce.number().int().positive();
const date = z.coerce.date({ error: 'expected a date such as 2025-03-01' });
const currency = z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR');

/** Which customers of the recovery list a cycle targets; empty lists mean "any". */
export const targetRuleSchema = z.object({
  states: z.array(z.enum(['lost', 'sleeping'])).default(['lost', 'sleeping']),
  segments: z.array(z.enum(SEGMENTS)).default([]),
  /** Reason codes; a code matches its descendants ('price' matches 'price.too_expensive'). */
  reasons: z.array(z.string().trim().toLowerCase()).default([]),
  teamIds: z.array(id).default([]),
  /** Minimum expected value of the attempt, minor units of the reporting currency. */
  minExpectedValue: z.coerce.number().int().default(1),
  maxTargets: z.coerce.number().int().min(1).max(1_000_000).default(500),
});
export type TargetRule = z.output<typeof targetRuleSchema>;

export const cycleMemberSchema = z.object({ employeeId: id, role: z.enum(['agent', 'executive', 'manager']) });

export const cycleInputSchema = z
  .object({
    name: z.string().trim().min(1),
    periodStart: date,
    periodEnd: date,
    targetRule: targetRuleSchema.default(targetRuleSchema.parse({})),
    holdoutShare: z.coerce.number().min(0).max(0.5).default(0.1),
    executiveTargets: z.coerce.number().int().min(1).max(10).default(5),
    currency: currency.default('EUR'),
    /** Offer budget in minor units of `currency`. */
    offerBudget: z.coerce.number().int().min(0),
    members: z.array(cycleMemberSchema).default([]),
    claimMinutes: z.coerce.number().int().min(1).max(1440).default(30),
    maxAttempts: z.coerce.number().int().min(1).max(20).default(3),
    retryHours: z.coerce.number().int().min(1).max(720).default(24),
    createdBy: id.optional(),
  })
  .refine((c) => c.periodEnd > c.periodStart, { path: ['periodEnd'], message: 'must be after periodStart' });
export type CycleInput = z.input<typeof cycleInputSchema>;

export const startCycleSchema = z.object({
  /** Seed of the holdout draw; recorded on the cycle (default: drawn and recorded). */
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).optional(),
  at: date.optional(),
});
export type StartCycleInput = z.input<typeof startCycleSchema>;

export const nextCallSchema = z.object({ employeeId: id, at: date.optional() });
export type NextCallInput = z.input<typeof nextCallSchema>;

/** The call workspace of one customer: who is calling, in which cycle, at what moment (default now). */
export const workspaceQuerySchema = z.object({ employeeId: id, cycleId: id.optional(), at: date.optional() });
export type WorkspaceQueryInput = z.input<typeof workspaceQuerySchema>;

/** The targets of a cycle in rank order: filters and paging. */
export const targetListQuerySchema = z.object({
  status: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (typeof v === 'string' ? v.split(',') : v).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TARGET_STATUSES, { error: `expected one of ${TARGET_STATUSES.join(', ')}` })))
    .optional(),
  /** Only the targets dealt to this employee (an executive's handful) or claimed by them. */
  employeeId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type TargetListQueryInput = z.input<typeof targetListQuerySchema>;

/**
 * The guided recovery call: apologise → listen → diagnose and verify → support → offer → outcome. What a
 * complete record needs depends on the outcome; the rules are in the refinement below.
 */
export const callRecordSchema = z
  .object({
    customerId: id,
    cycleId: id.optional(),
    employeeId: id,
    channel: z.enum(CONTACT_CHANNELS).default('phone'),
    at: date.optional(),
    apologyMade: z.boolean().default(false),
    customerExplanation: z.string().trim().optional(),
    diagnosedReason: z.string().trim().toLowerCase().optional(),
    reasonConfirmed: z.boolean().optional(),
    supportExtended: z.string().trim().optional(),
    offer: z.object({ offerId: id, response: z.enum(OFFER_RESPONSES) }).optional(),
    outcome: z.enum(OUTCOMES),
    nextStep: z.string().trim().optional(),
    callbackAt: date.optional(),
    notes: z.string().trim().optional(),
  })
  .superRefine((c, ctx) => {
    const need = (ok: boolean, path: string, message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (c.outcome === 'unreachable') {
      need(c.offer === undefined && c.diagnosedReason === undefined, 'outcome', 'an unreachable customer cannot have been diagnosed or made an offer');
      return;
    }
    // A conversation took place: the steps of the guided call.
    need(c.apologyMade, 'apologyMade', 'a recovery conversation starts with an apology');
    need(!!c.customerExplanation, 'customerExplanation', "record the customer's explanation in their words");
    if (c.reasonConfirmed !== undefined) need(!!c.diagnosedReason, 'diagnosedReason', 'a confirmed reason names the reason');
    if (c.diagnosedReason) need(c.reasonConfirmed !== undefined, 'reasonConfirmed', 'say whether the customer confirmed the diagnosed reason');
    if (c.outcome === 'won_back') {
      need(!!c.diagnosedReason, 'diagnosedReason', 'a won-back customer has a diagnosed reason');
      if (c.offer) need(c.offer.response === 'accepted', 'offer', 'a won-back customer accepted the offer made (or record none)');
    }
    if (c.outcome === 'declined' && c.offer) need(c.offer.response === 'declined', 'offer', 'the customer declined: the offer response is declined');
    if (c.outcome === 'considering') {
      need(!!c.callbackAt, 'callbackAt', 'a customer who is considering gets a callback date');
      if (c.offer) need(c.offer.response === 'considering', 'offer', 'the customer is considering the offer: response considering');
    }
    if (c.offer?.response === 'accepted') need(c.outcome === 'won_back', 'outcome', 'an accepted offer means the customer was won back');
    if (c.outcome === 'asked_not_to_be_contacted') need(c.offer === undefined || c.offer.response === 'declined', 'offer', 'an offer to a customer who asked not to be contacted can only have been declined');
    need(!!c.nextStep || c.outcome === 'asked_not_to_be_contacted' || c.outcome === 'declined', 'nextStep', 'say what happens next');
  });
export type CallRecordInput = z.input<typeof callRecordSchema>;
export type CallRecord = z.output<typeof callRecordSchema>;

/** Parses with a schema; failures become WinbackError('invalid_input') naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, (message, issues) => new WinbackError('invalid_input', message, { issues }));
}
