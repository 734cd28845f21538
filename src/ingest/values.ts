import { z } from 'zod';
import { currencyExponent } from '../currency/exponent.js';
import { isValidTimeZone, zonedToUtc } from '../shared/time.js';
import type { DateFormat, DecimalSeparator } from './vocabulary.js';

/**
 * Field types shared by every input schema (CSV rows, API bodies, CLI flags). Each accepts text as it comes
 * from a file or a form, trims it, treats '' as absent, and converts it exactly — or reports what is wrong
 * in words a user can act on. Nothing is guessed: a date in another format than the one stated is an error.
 */

export { DATE_FORMATS, DECIMAL_SEPARATORS, type DateFormat, type DecimalSeparator } from './vocabulary.js';

export interface ValueOptions {
  /** How dates are written; 'iso' is ISO 8601 (date, or date-time with optional offset). */
  dateFormat: DateFormat;
  /** Zone of dates and times written without an offset. */
  timezone: string;
  decimal: DecimalSeparator;
}

export const defaultValueOptions: ValueOptions = { dateFormat: 'iso', timezone: 'UTC', decimal: 'point' };


// ISO 8601: date, or date-time with optional seconds/fraction and optional Z or ±hh:mm offset.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const TIME_SUFFIX = '(?:[ T](\\d{2}):(\\d{2})(?::(\\d{2}))?)?$';
const OTHER_FORMATS: Record<Exclude<DateFormat, 'iso'>, { pattern: RegExp; order: ['y' | 'm' | 'd', 'y' | 'm' | 'd', 'y' | 'm' | 'd'] }> = {
  'YYYY-MM-DD': { pattern: new RegExp('^(\\d{4})-(\\d{1,2})-(\\d{1,2})' + TIME_SUFFIX), order: ['y', 'm', 'd'] },
  'DD.MM.YYYY': { pattern: new RegExp('^(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})' + TIME_SUFFIX), order: ['d', 'm', 'y'] },
  'DD/MM/YYYY': { pattern: new RegExp('^(\\d{1,2})/(\\d{1,2})/(\\d{4})' + TIME_SUFFIX), order: ['d', 'm', 'y'] },
  'MM/DD/YYYY': { pattern: new RegExp('^(\\d{1,2})/(\\d{1,2})/(\\d{4})' + TIME_SUFFIX), order: ['m', 'd', 'y'] },
  YYYYMMDD: { pattern: new RegExp('^(\\d{4})(\\d{2})(\\d{2})' + TIME_SUFFIX), order: ['y', 'm', 'd'] },
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  if (month !== 2) return day <= DAYS_IN_MONTH[month - 1]!;
  // As Date.UTC counts them: it reads years 0–99 as 1900–1999.
  const y = year >= 0 && year <= 99 ? year + 1900 : year;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return day <= (leap ? 29 : 28);
}

/** Parses a date or date-time in the stated format; returns epoch milliseconds or an error message. */
export function parseTimestamp(text: string, options: ValueOptions): number | string {
  const expected = options.dateFormat === 'iso' ? 'an ISO 8601 date such as 2024-03-05 or 2024-03-05T14:30:00Z' : `a date in the format ${options.dateFormat}`;
  let year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millis = 0;
  let offsetMs: number | undefined;
  if (options.dateFormat === 'iso') {
    const m = ISO.exec(text);
    if (!m) return `expected ${expected}`;
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4] !== undefined) [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (m[7] !== undefined) millis = Math.floor(Number(`0.${m[7]}`) * 1000);
    if (m[8] !== undefined) offsetMs = parseOffset(m[8]);
  } else {
    const { pattern, order } = OTHER_FORMATS[options.dateFormat];
    const m = pattern.exec(text);
    if (!m) return `expected ${expected}`;
    const parts = { y: 0, m: 0, d: 0 };
    order.forEach((key, i) => (parts[key] = Number(m[i + 1])));
    [year, month, day] = [parts.y, parts.m, parts.d];
    if (m[4] !== undefined) [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  }
  if (!validCalendarDate(year, month, day)) return `no such date (expected ${expected})`;
  if (hour > 23 || minute > 59 || second > 59) return `no such time of day (expected ${expected})`;
  if (offsetMs !== undefined) return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMs;
  return zonedToUtc({ year, month, day, hour, minute, second }, options.timezone) + millis;
}

function parseOffset(text: string): number {
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
}

/** A decimal amount split exactly into digits and scale: '12.50' → { units: 1250n, scale: 2 }. */
export interface Decimal {
  units: bigint;
  scale: number;
}

export function parseDecimal(text: string, separator: DecimalSeparator): Decimal | string {
  const sep = separator === 'point' ? '.' : ',';
  const pattern = separator === 'point' ? /^([+-]?)(\d+)(?:\.(\d+))?$/ : /^([+-]?)(\d+)(?:,(\d+))?$/;
  const m = pattern.exec(text);
  if (!m) return `not a decimal amount (expected digits with an optional ${sep === '.' ? 'decimal point' : 'decimal comma'}, e.g. 1234${sep}50)`;
  const fraction = m[3] ?? '';
  const units = BigInt(m[2]! + fraction) * (m[1] === '-' ? -1n : 1n);
  return { units, scale: fraction.length };
}

/**
 * An exact decimal amount as the importer holds it: like Decimal, but the digits are a plain number when
 * there are at most 15 of them (every such integer is exact in a double) — the common case, read without a
 * regex or a BigInt.
 */
export interface Amount {
  units: number | bigint;
  scale: number;
}

/** Digits a double holds exactly whatever they are (10^15 < 2^53). */
const EXACT_DIGITS = 15;

/** parseDecimal for amounts: the same acceptance and messages, a number instead of a BigInt when exact. */
export function parseAmount(text: string, separator: DecimalSeparator): Amount | string {
  const sep = separator === 'point' ? 46 : 44;
  const n = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 43 || first === 45) {
    negative = first === 45;
    i = 1;
  }
  let units = 0;
  let digits = 0;
  let scale = -1; // -1 until the separator is seen
  let intDigits = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      units = units * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
      else intDigits++;
    } else if (c === sep && scale < 0) scale = 0;
    else return parseDecimal(text, separator); // not a plain decimal: the reference parser words the problem
  }
  if (intDigits === 0 || scale === 0 || digits > EXACT_DIGITS) return parseDecimal(text, separator);
  // -0 would print as 0 anyway; keep it a plain 0 so that comparisons and SQL see the same value.
  return { units: negative && units !== 0 ? -units : units, scale: scale < 0 ? 0 : scale };
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000];

/** Converts an exact decimal to integer minor units of `currency`; refuses to round. */
export function toMinorUnits(decimal: Amount, currency: string): number | string {
  const exponent = currencyExponent(currency);
  if (decimal.scale > exponent) {
    return `has ${decimal.scale} decimal places but ${currency} has ${exponent}; winback does not round money`;
  }
  if (typeof decimal.units === 'number') {
    // Exact whenever the result is a safe integer; a larger true value also comes out above the limit.
    const minor = decimal.units * POWERS_OF_TEN[exponent - decimal.scale]!;
    return Math.abs(minor) > Number.MAX_SAFE_INTEGER ? 'amount is too large' : minor;
  }
  const minor = decimal.units * 10n ** BigInt(exponent - decimal.scale);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) return 'amount is too large';
  return Number(minor);
}

/** What a field type returns for input it cannot accept: the message a user sees. */
export class FieldProblem {
  constructor(readonly message: string) {}
}

/**
 * A field type: a plain function from raw input (text from a file; text, numbers, dates, … from an API body)
 * to the converted value or a FieldProblem, and the zod schema built from that same function. The importer
 * calls `parse` per row; API bodies and the documentation use `schema`. `input` is the zod type of the raw
 * input the schema accepts (checked before `parse` runs); `parse` itself is only ever given such input (or
 * undefined / null), which is all a CSV record can hold.
 */
export interface FieldType<T> {
  parse: (raw: unknown) => T | FieldProblem;
  schema: z.ZodType<T>;
}

function fieldType<T>(input: z.ZodType, parse: (raw: unknown) => T | FieldProblem): FieldType<T> {
  let schema: z.ZodType<T> | undefined;
  return {
    parse,
    get schema() {
      // Built on first use: the importer's hot path never needs it.
      schema ??= input.nullish().transform((v, ctx): T => {
        const result = parse(v);
        if (result instanceof FieldProblem) {
          ctx.addIssue({ code: 'custom', message: result.message });
          return z.NEVER;
        }
        return result;
      }) as unknown as z.ZodType<T>;
      return schema;
    },
  };
}

/** A field type whose value is then converted further (never failing), as `.transform(map)` would. */
export function mapField<T, U>(type: FieldType<T>, map: (value: T) => U): FieldType<U> {
  let schema: z.ZodType<U> | undefined;
  return {
    parse: (raw) => {
      const result = type.parse(raw);
      return result instanceof FieldProblem ? result : map(result);
    },
    get schema() {
      schema ??= type.schema.transform(map) as unknown as z.ZodType<U>;
      return schema;
    },
  };
}

const isBlank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

// Zones whose offset is always zero: no Intl lookup needed.
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu']);

/**
 * parseTimestamp, as fast as it can be for what files mostly hold: ISO timestamps with Z or an offset are
 * read by hand (no regex, no Intl), and local times in a zone are converted once per distinct wall-clock
 * reading (a file of dates has few distinct days). Same results and messages as parseTimestamp.
 */
export function timestampParser(options: ValueOptions): (text: string) => number | string {
  const utcZone = UTC_ZONES.has(options.timezone);
  // Results by text (other formats) or by wall-clock reading (ISO without offset): pure, so safe to reuse.
  const zoned = new Map<string, number>();
  const remember = (key: string, value: number) => {
    if (zoned.size >= 100_000) zoned.clear();
    zoned.set(key, value);
  };
  if (options.dateFormat !== 'iso') {
    return (text) => {
      const cached = zoned.get(text);
      if (cached !== undefined) return cached;
      const result = parseTimestamp(text, options);
      if (typeof result === 'number') remember(text, result);
      return result;
    };
  }
  return (text) => {
    const fast = fastIso(text);
    if (fast !== undefined) {
      const { year, month, day, hour, minute, second, millis, offsetMs } = fast;
      if (!validCalendarDate(year, month, day)) return 'no such date (expected an ISO 8601 date such as 2024-03-05 or 2024-03-05T14:30:00Z)';
      if (hour > 23 || minute > 59 || second > 59) return 'no such time of day (expected an ISO 8601 date such as 2024-03-05 or 2024-03-05T14:30:00Z)';
      if (offsetMs !== undefined) return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMs;
      if (utcZone) return Date.UTC(year, month - 1, day, hour, minute, second) + millis;
      const key = text.length > 19 ? text.slice(0, 19) : text; // the wall-clock reading without its fraction
      let cached = zoned.get(key);
      if (cached === undefined) remember(key, (cached = zonedToUtc({ year, month, day, hour, minute, second }, options.timezone)));
      return cached + millis;
    }
    return parseTimestamp(text, options);
  };
}

// Milliseconds of a three-digit fraction, computed exactly as parseTimestamp does.
const MILLIS_OF_3_DIGITS: number[] = Array.from({ length: 1000 }, (_, i) => Math.floor(Number(`0.${String(i).padStart(3, '0')}`) * 1000));

const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};
const twoDigits = (text: string, i: number): number => {
  const a = digit(text, i);
  const b = digit(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

interface IsoParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  offsetMs: number | undefined;
}

/**
 * The common ISO shapes (YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.fff]][Z|±hh:mm]) read without a regex; undefined
 * for anything else, which then goes through the full parser (that is the reference).
 */
function fastIso(text: string): IsoParts | undefined {
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const y1 = twoDigits(text, 0);
  const y2 = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (y1 < 0 || y2 < 0 || month < 0 || day < 0) return undefined;
  const year = y1 * 100 + y2;
  if (n === 10) return { year, month, day, hour: 0, minute: 0, second: 0, millis: 0, offsetMs: undefined };
  const sep = text.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || n < 16 || text.charCodeAt(13) !== 58) return undefined;
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  if (hour < 0 || minute < 0) return undefined;
  let i = 16;
  let second = 0;
  let millis = 0;
  if (i < n && text.charCodeAt(i) === 58) {
    second = twoDigits(text, 17);
    if (second < 0 || n < 19) return undefined;
    i = 19;
    if (i < n && (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 44)) {
      let j = i + 1;
      while (j < n && digit(text, j) >= 0) j++;
      const digits = j - i - 1;
      if (digits < 1 || digits > 9) return undefined;
      millis = digits === 3 ? MILLIS_OF_3_DIGITS[digit(text, i + 1) * 100 + twoDigits(text, i + 2)]! : Math.floor(Number(`0.${text.slice(i + 1, j)}`) * 1000);
      i = j;
    }
  }
  if (i === n) return { year, month, day, hour, minute, second, millis, offsetMs: undefined };
  if (i === n - 1 && text.charCodeAt(i) === 90) return { year, month, day, hour, minute, second, millis, offsetMs: 0 };
  return undefined; // numeric offsets: the full parser
}

/** Field types configured with the import's options: plain parsers, each with the zod schema built from it. */
export function fieldTypes(options: ValueOptions) {
  const optionalText = fieldType<string | null>(z.string(), (v) => (isBlank(v) ? null : (v as string).trim()));
  const requiredText = fieldType<string>(z.string({ error: 'is required' }), (v) => (isBlank(v) ? new FieldProblem('is required') : (v as string).trim()));

  const readTimestamp = timestampParser(options);
  const timestamp = fieldType<Date | null>(z.union([z.string(), z.date()]), (v) => {
    if (v instanceof Date) return v;
    if (isBlank(v)) return null;
    const parsed = readTimestamp((v as string).trim());
    return typeof parsed === 'string' ? new FieldProblem(parsed) : new Date(parsed);
  });

  const decimal = fieldType<Amount | null>(z.union([z.string(), z.number()]), (v) => {
    if (typeof v === 'number') v = String(v);
    if (isBlank(v)) return null;
    const parsed = parseAmount((v as string).trim(), options.decimal);
    return typeof parsed === 'string' ? new FieldProblem(parsed) : parsed;
  });

  const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
    fieldType<number | null>(z.union([z.string(), z.number()]), (v) => {
      if (isBlank(typeof v === 'number' ? String(v) : v)) return null;
      const text = String(v).trim();
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        return new FieldProblem(`expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
      }
      return n;
    });

  const TRUE = new Set(['true', 'yes', 'y', '1', 'ja', 'x']);
  const FALSE = new Set(['false', 'no', 'n', '0', 'nein']);
  const boolean = fieldType<boolean | null>(z.union([z.string(), z.boolean()]), (v) => {
    if (typeof v === 'boolean') return v;
    if (isBlank(v)) return null;
    const key = (v as string).trim().toLowerCase();
    if (TRUE.has(key)) return true;
    if (FALSE.has(key)) return false;
    return new FieldProblem('expected true or false (also yes/no, 1/0)');
  });

  const oneOf = <const T extends readonly string[]>(values: T) =>
    fieldType<T[number] | null>(z.string(), (v) => {
      if (isBlank(v)) return null;
      const key = (v as string).trim().toLowerCase().replace(/[\s-]+/g, '_');
      if ((values as readonly string[]).includes(key)) return key as T[number];
      return new FieldProblem(`expected one of ${values.join(', ')}`);
    });

  /** A list written as 'a;b;c' (or with commas or pipes), each item one of `values`. */
  const listOf = <const T extends readonly string[]>(values: T) =>
    fieldType<T[number][] | null>(z.union([z.string(), z.array(z.string())]), (v) => {
      if (v === null || v === undefined || (typeof v === 'string' && isBlank(v))) return null;
      const items = (Array.isArray(v) ? (v as string[]) : (v as string).split(/[;,|]/)).map((s) => s.trim().toLowerCase()).filter(Boolean);
      const unknown = items.filter((item) => !(values as readonly string[]).includes(item));
      if (unknown.length > 0) return new FieldProblem(`unknown ${unknown.join(', ')}; expected items from ${values.join(', ')}`);
      return [...new Set(items)] as T[number][];
    });

  const timeOfDay = fieldType<string | null>(z.string(), (v) => {
    if (isBlank(v)) return null;
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec((v as string).trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return new FieldProblem('expected a time of day such as 09:00 or 17:30');
    return `${m[1]!.padStart(2, '0')}:${m[2]}:${m[3] ?? '00'}`;
  });

  const currency = fieldType<string | null>(z.string(), (v) => {
    if (isBlank(v)) return null;
    const code = (v as string).trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code)) return new FieldProblem('expected a three-letter ISO 4217 currency code such as EUR');
    return code;
  });

  const country = fieldType<string | null>(z.string(), (v) => {
    if (isBlank(v)) return null;
    const code = (v as string).trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(code)) return new FieldProblem('expected a two-letter ISO 3166 country code such as DE');
    return code;
  });

  const timezone = fieldType<string | null>(z.string(), (v) => {
    if (isBlank(v)) return null;
    if (!isValidTimeZone((v as string).trim())) return new FieldProblem('expected an IANA time zone such as Europe/Berlin');
    return (v as string).trim();
  });

  return { optionalText, requiredText, timestamp, decimal, integer, boolean, oneOf, listOf, timeOfDay, currency, country, timezone };
}

export type FieldTypes = ReturnType<typeof fieldTypes>;
