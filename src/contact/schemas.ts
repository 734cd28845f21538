import { z } from 'zod';
import { isValidTimeZone } from '../shared/time.js';
import { CONTACT_CHANNELS, type ContactChannel } from './vocabulary.js';

export { CONTACT_CHANNELS, type ContactChannel } from './vocabulary.js';

/** Channels that reach a person at a moment, so calling hours apply (an email waits in the inbox). */
export const TIME_BOUND_CHANNELS: ReadonlySet<ContactChannel> = new Set(['phone', 'sms', 'visit']);
/** Channels on which the preferred contact person must be the one who makes the contact. */
export const PERSONAL_CHANNELS: ReadonlySet<ContactChannel> = new Set(['phone', 'visit']);

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time such as 09:00');

/**
 * The company's contact policy, applied where a customer has no preference of their own:
 * - at most `maxContacts` contacts that reached the customer in `perDays` days, across all channels;
 * - time-bound channels only between `callingHoursStart` and `callingHoursEnd` in the customer's time zone
 *   (`defaultTimeZone` when the customer has none).
 */
export const contactPolicySchema = z.object({
  maxContacts: z.coerce.number().int().min(1).max(100).default(1),
  perDays: z.coerce.number().int().min(1).max(365).default(30),
  callingHoursStart: clock.default('09:00'),
  callingHoursEnd: clock.default('19:00'),
  defaultTimeZone: z.string().refine(isValidTimeZone, 'not an IANA time zone such as Europe/Berlin').default('UTC'),
});
export type ContactPolicy = z.output<typeof contactPolicySchema>;
export const DEFAULT_CONTACT_POLICY: ContactPolicy = contactPolicySchema.parse({});

/** A contact to check: scheduled (a callback, a planned call) or made now. */
export const contactRequestSchema = z.object({
  customerId: z.coerce.number().int().positive(),
  channel: z.enum(CONTACT_CHANNELS, { error: `expected one of ${CONTACT_CHANNELS.join(', ')}` }),
  at: z.coerce.date().optional(),
  action: z.enum(['schedule', 'contact']).default('contact'),
  employeeId: z.coerce.number().int().positive().optional(),
  cycleId: z.coerce.number().int().positive().optional(),
  /** A callback the customer asked for on a call continues that conversation: it is not a new contact. */
  requestedByCustomer: z.boolean().default(false),
});
export type ContactRequestInput = z.input<typeof contactRequestSchema>;
export type ContactRequest = z.output<typeof contactRequestSchema>;

/** A contact made outside a recovery call (a letter sent, an email, a visit), recorded through the gate. */
export const contactMadeSchema = contactRequestSchema.extend({
  action: z.literal('contact').default('contact'),
  reached: z.boolean().nullable().default(null),
  detail: z.string().trim().max(2000).nullable().default(null),
});
export type ContactMadeInput = z.input<typeof contactMadeSchema>;
