import { z } from 'zod';
import { isValidTimeZone } from '../shared/time.js';
import type { ValueOptions } from './values.js';
import { DATE_FORMATS, DECIMAL_SEPARATORS, ENTITY_NAMES } from './vocabulary.js';

export { ENTITY_NAMES, type EntityName } from './vocabulary.js';

/** 'field=Column,other=Other Column' (CLI, query string) or an object (API body) → { field: column }. */
const columnMap = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const entries = value
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => {
        const at = part.indexOf('=');
        return at < 0 ? [part.trim(), ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
      });
    return Object.fromEntries(entries);
  },
  z.record(z.string().min(1), z.string().min(1, 'names no column: write field=Column Header')),
);

const booleanFlag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());

/** How to read an import file. One schema for the CLI flags and the HTTP API's query parameters. */
export const importOptionsSchema = z.object({
  entity: z.enum(ENTITY_NAMES, { error: `expected one of ${ENTITY_NAMES.join(', ')}` }),
  /** Column overrides: winback field → header in the file. */
  map: columnMap.default({}),
  dateFormat: z.enum(DATE_FORMATS, { error: `expected one of ${DATE_FORMATS.join(', ')}` }).default('iso'),
  timezone: z
    .string()
    .refine(isValidTimeZone, 'expected an IANA time zone such as Europe/Berlin')
    .default('UTC'),
  decimal: z.enum(DECIMAL_SEPARATORS).default('point'),
  /** Currency of amounts in files without a currency column. */
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'expected a three-letter ISO 4217 currency code such as EUR')
    .transform((c) => c.toUpperCase())
    .optional(),
  delimiter: z.string().length(1, 'expected a single character').default(','),
  /** Import the valid rows and write the rejected ones, with their reasons, to `rejectsFile`. */
  skipInvalid: booleanFlag.default(false),
  rejectsFile: z.string().min(1).optional(),
  /** How many problems to list before giving up on an invalid file. */
  maxErrors: z.coerce.number().int().min(1).max(10_000).default(20),
});

export type ImportOptionsInput = z.input<typeof importOptionsSchema>;
export type ImportOptions = z.output<typeof importOptionsSchema>;

export function valueOptions(options: ImportOptions): ValueOptions {
  return { dateFormat: options.dateFormat, timezone: options.timezone, decimal: options.decimal };
}
