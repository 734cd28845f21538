/**
 * Inputs of the customers domain — one zod schema per operation, shared by the HTTP API, the CLI and the library.
 * Strings are coerced, so query parameters and CLI flags parse alike; lists may be given as arrays or as
 * comma-separated text (`state=lost,sleeping`, `--channels phone,email`).
 */
import { z } from 'zod';
import { SEGMENTS } from '../analyse/schemas.js';
import { CONTACT_CHANNELS } from '../contact/schemas.js';
import { LIFECYCLE_STATES } from '../identify/schemas.js';
import { parseWith } from '../shared/parse.js';
import { CustomersError } from './errors.js';

/**
 * Sort keys of the customer list. Every sort breaks ties by customer id in the same direction, so paging is
 * stable. Customers without a value for the key (no state, no score, not lost, no order) come after all others
 * in both directions.
 * - name: lower-cased name in byte order (C collation: the same order on every engine and locale);
 * - external_id: the external id (database collation);
 * - state: lifecycle order active, at_risk, sleeping, lost, won_back (then customer id);
 * - lost_since: when a lost or sleeping customer left (others have none);
 * - p_alive, clv: the current analysis' scores; CLV in the reporting currency at the current rates (a currency
 *   without a rate after every converted CLV);
 * - expected_value: the recovery score's expected value in the reporting currency (lost and sleeping customers);
 * - last_order: the customer's latest order.
 */
export const CUSTOMER_SORTS = ['name', 'external_id', 'state', 'lost_since', 'p_alive', 'clv', 'expected_value', 'last_order'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/** The direction a sort takes when none is given: text and lifecycle ascending, values and dates newest/highest first. */
export const DEFAULT_ORDER: Record<CustomerSort, 'asc' | 'desc'> = {
  name: 'asc',
  external_id: 'asc',
  state: 'asc',
  lost_since: 'desc',
  p_alive: 'desc',
  clv: 'desc',
  expected_value: 'desc',
  last_order: 'desc',
};

/** A list of enum values, as an array or comma-separated text. */
function listOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v),
    z.array(z.enum(values, { error: `unknown ${what}: expected one of ${values.join(', ')}` })),
  );
}
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const probability = z.coerce.number().min(0, 'a probability from 0 to 1').max(1, 'a probability from 0 to 1');

/**
 * Filters, search, sort and paging of the customer list (GET /api/v1/customers, `winback customers list`) and
 * of its CSV export (which ignores the paging and streams every matching row).
 */
export const customerListQuerySchema = z
  .object({
    /**
     * Search: case-insensitive prefix of the name, the company, the external id or the e-mail address (indexed).
     * With `match=contains` a substring anywhere in them — a scan of every customer, slower on large bases.
     */
    q: z.string().trim().min(1).max(200).optional(),
    match: z.enum(['prefix', 'contains']).default('prefix'),
    /** Lifecycle states (any of them). */
    state: listOf(LIFECYCLE_STATES, 'state').optional(),
    /** Reinartz & Kumar segments (any of them). */
    segment: listOf(SEGMENTS, 'segment').optional(),
    /** A departure reason code of the recovery score; a parent code ('price') includes its children. */
    reason: z.string().trim().toLowerCase().min(1).optional(),
    /** A team code: the customers the team serves. */
    team: z.string().trim().min(1).optional(),
    /** An employee code: the customers the employee serves. */
    employee: z.string().trim().min(1).optional(),
    /** P(alive) of the current analysis, inclusive bounds. */
    pAliveMin: probability.optional(),
    pAliveMax: probability.optional(),
    /** CLV of the current analysis in the reporting currency (minor units, at the current rates), inclusive bounds. */
    clvMin: z.coerce.number().int().optional(),
    clvMax: z.coerce.number().int().optional(),
    /** true: only customers who asked not to be contacted; false: only the others. */
    doNotContact: bool.optional(),
    sort: z.enum(CUSTOMER_SORTS).default('name'),
    /** Default: asc for name, external_id and state, desc for the others. */
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    /** Offset paging, 1-based. */
    page: z.coerce.number().int().min(1).default(1),
    /** Keyset paging: the `next` cursor of the previous page (then `page` is ignored). Faster than deep pages. */
    after: z.string().min(1).optional(),
    /**
     * Count matching customers up to this many (0: do not count). Beyond it `total.exact` is false and
     * `total.count` is a lower bound: counting every match of a broad filter over a million customers costs
     * more than the page itself.
     */
    countLimit: z.coerce.number().int().min(0).max(100_000_000).default(10_000),
  })
  .superRefine((o, ctx) => {
    if (o.pAliveMin !== undefined && o.pAliveMax !== undefined && o.pAliveMin > o.pAliveMax) {
      ctx.addIssue({ code: 'custom', path: ['pAliveMax'], message: 'must not be below pAliveMin' });
    }
    if (o.clvMin !== undefined && o.clvMax !== undefined && o.clvMin > o.clvMax) {
      ctx.addIssue({ code: 'custom', path: ['clvMax'], message: 'must not be below clvMin' });
    }
  });
export type CustomerListQueryInput = z.input<typeof customerListQuerySchema>;
export type CustomerListQuery = z.output<typeof customerListQuerySchema>;

export const customerIdSchema = z.object({ id: z.coerce.number({ error: 'a customer id (a number)' }).int().positive('a customer id (a positive number)') });

/** One page of a customer's timeline, newest first. */
export const timelineQuerySchema = z.object({
  /** The `next` cursor of the previous page, or a date/time: only events strictly before it. */
  before: z.string().trim().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type TimelineQueryInput = z.input<typeof timelineQuerySchema>;

const clock = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'expected a time of day such as 09:00');

/**
 * A change of a customer's contact preferences (PUT /api/v1/customers/:id/preferences, `winback customers prefs`).
 * Only the fields given change; null clears a field. The fields are those of the preferences import
 * (src/ingest/entities.ts): `maxContacts` and `perDays` go together, as do the contact hours. Setting
 * `doNotContact` records when (`doNotContactAt`, default now) and who or what asked (`doNotContactSource`); a
 * customer who already asked keeps the date and source of record. `doNotContact: false` allows contact again and
 * clears both.
 */
export const preferencesInputSchema = z
  .object({
    allowedChannels: listOf(CONTACT_CHANNELS, 'channel').optional(),
    maxContacts: z.coerce.number().int().min(0).max(1000).nullable().optional(),
    perDays: z.coerce.number().int().min(1).max(3650).nullable().optional(),
    contactHoursStart: clock.nullable().optional(),
    contactHoursEnd: clock.nullable().optional(),
    /** Employee code of the preferred contact person. */
    preferredEmployee: z.string().trim().min(1).nullable().optional(),
    doNotContact: bool.optional(),
    doNotContactAt: z.coerce.date().refine((d) => Number.isFinite(d.getTime()), 'not a valid date').optional(),
    doNotContactSource: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((o, ctx) => {
    if ((o.maxContacts === undefined) !== (o.perDays === undefined) || (o.maxContacts === null) !== (o.perDays === null)) {
      ctx.addIssue({ code: 'custom', path: [o.maxContacts === undefined || o.maxContacts === null ? 'maxContacts' : 'perDays'], message: 'maxContacts and perDays go together' });
    }
    if ((o.contactHoursStart === undefined) !== (o.contactHoursEnd === undefined) || (o.contactHoursStart === null) !== (o.contactHoursEnd === null)) {
      ctx.addIssue({ code: 'custom', path: ['contactHoursEnd'], message: 'contact hours need both a start and an end' });
    }
    if (o.doNotContact !== true && (o.doNotContactAt !== undefined || o.doNotContactSource !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['doNotContact'], message: 'doNotContactAt and doNotContactSource need doNotContact: true' });
    }
    if (Object.values(o).every((v) => v === undefined)) ctx.addIssue({ code: 'custom', message: 'nothing to change: give at least one preference' });
  });
export type PreferencesInput = z.input<typeof preferencesInputSchema>;
export type Preferences = z.output<typeof preferencesInputSchema>;

export const employeeListQuerySchema = z.object({
  /** A team code: only its employees. */
  team: z.string().trim().min(1).optional(),
});
export type EmployeeListQueryInput = z.input<typeof employeeListQuerySchema>;

/** Parses with a schema; failures become CustomersError('invalid_input') naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, (message, issues) => new CustomersError('invalid_input', message, { issues }));
}
