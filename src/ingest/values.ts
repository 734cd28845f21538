import { z } from 'zod';
import { isValidTimeZone, zonedToUtc } from '../shared/time.js';

/**
 * Field types shared by every input schema (CSV rows, API bodies, CLI flags). Each accepts text as it comes
 * from a file or a form, trims it, treats '' as absent, and converts it exactly — or reports what is wrong
 * in words a user can act on. Nothing is guessed: a date in another format than the one stated is an error.
 */

export const DATE_FORMATS = ['iso', 'YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export const DECIMAL_SEPARATORS = ['point', 'comma'] as const;
export type DecimalSeparator = (typeof DECIMAL_SEPARATORS)[number];

export interface ValueOptions {
  /** How dates are written; 'iso' is ISO 8601 (date, or date-time with optional offset). */
  dateFormat: DateFormat;
  /** Zone of dates and times written without an offset. */
  timezone: string;
  decimal: DecimalSeparator;
}

export const defaultValueOptions: ValueOptions = { dateFormat: 'iso', timezone: 'UTC', decimal: 'point' };

type Input = string | undefined | null;
const blank = (v: Input): v is '' | undefined | null => v === undefined || v === null || v.trim() === '';

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

function validCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
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

// ISO 4217 minor-unit exponents that differ from the usual 2.
const CURRENCY_EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

/** Number of minor units per major unit, as a power of ten (ISO 4217). */
export function currencyExponent(currency: string): number {
  return CURRENCY_EXPONENTS[currency] ?? 2;
}

/** Converts an exact decimal to integer minor units of `currency`; refuses to round. */
export function toMinorUnits(decimal: Decimal, currency: string): number | string {
  const exponent = currencyExponent(currency);
  if (decimal.scale > exponent) {
    return `has ${decimal.scale} decimal places but ${currency} has ${exponent}; winback does not round money`;
  }
  const minor = decimal.units * 10n ** BigInt(exponent - decimal.scale);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) return 'amount is too large';
  return Number(minor);
}

/** Zod field types configured with the import's options. */
export function fieldTypes(options: ValueOptions) {
  const optionalText = z
    .string()
    .nullish()
    .transform((v) => (blank(v) ? null : v.trim()));
  const requiredText = z
    .string({ error: 'is required' })
    .nullish()
    .transform((v, ctx) => {
      if (blank(v)) {
        ctx.addIssue({ code: 'custom', message: 'is required' });
        return z.NEVER;
      }
      return v.trim();
    });

  const timestamp = z
    .union([z.string(), z.date()])
    .nullish()
    .transform((v, ctx): Date | null => {
      if (v instanceof Date) return v;
      if (blank(v)) return null;
      const parsed = parseTimestamp(v.trim(), options);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return new Date(parsed);
    });

  const decimal = z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v, ctx): Decimal | null => {
      if (typeof v === 'number') v = String(v);
      if (blank(v)) return null;
      const parsed = parseDecimal(v.trim(), options.decimal);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    });

  const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
    z
      .union([z.string(), z.number()])
      .nullish()
      .transform((v, ctx): number | null => {
        if (blank(typeof v === 'number' ? String(v) : v)) return null;
        const text = String(v).trim();
        const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
          ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}` });
          return z.NEVER;
        }
        return n;
      });

  const TRUE = new Set(['true', 'yes', 'y', '1', 'ja', 'x']);
  const FALSE = new Set(['false', 'no', 'n', '0', 'nein']);
  const boolean = z
    .union([z.string(), z.boolean()])
    .nullish()
    .transform((v, ctx): boolean | null => {
      if (typeof v === 'boolean') return v;
      if (blank(v)) return null;
      const key = v.trim().toLowerCase();
      if (TRUE.has(key)) return true;
      if (FALSE.has(key)) return false;
      ctx.addIssue({ code: 'custom', message: 'expected true or false (also yes/no, 1/0)' });
      return z.NEVER;
    });

  const oneOf = <const T extends readonly string[]>(values: T) =>
    z
      .string()
      .nullish()
      .transform((v, ctx): T[number] | null => {
        if (blank(v)) return null;
        const key = v.trim().toLowerCase().replace(/[\s-]+/g, '_');
        if ((values as readonly string[]).includes(key)) return key as T[number];
        ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}` });
        return z.NEVER;
      });

  /** A list written as 'a;b;c' (or with commas or pipes), each item one of `values`. */
  const listOf = <const T extends readonly string[]>(values: T) =>
    z
      .union([z.string(), z.array(z.string())])
      .nullish()
      .transform((v, ctx): T[number][] | null => {
        if (v === null || v === undefined || (typeof v === 'string' && blank(v))) return null;
        const items = (Array.isArray(v) ? v : v.split(/[;,|]/)).map((s) => s.trim().toLowerCase()).filter(Boolean);
        const unknown = items.filter((item) => !(values as readonly string[]).includes(item));
        if (unknown.length > 0) {
          ctx.addIssue({ code: 'custom', message: `unknown ${unknown.join(', ')}; expected items from ${values.join(', ')}` });
          return z.NEVER;
        }
        return [...new Set(items)] as T[number][];
      });

  const timeOfDay = z
    .string()
    .nullish()
    .transform((v, ctx): string | null => {
      if (blank(v)) return null;
      const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) {
        ctx.addIssue({ code: 'custom', message: 'expected a time of day such as 09:00 or 17:30' });
        return z.NEVER;
      }
      return `${m[1]!.padStart(2, '0')}:${m[2]}:${m[3] ?? '00'}`;
    });

  const currency = z
    .string()
    .nullish()
    .transform((v, ctx): string | null => {
      if (blank(v)) return null;
      const code = v.trim().toUpperCase();
      if (!/^[A-Z]{3}$/.test(code)) {
        ctx.addIssue({ code: 'custom', message: 'expected a three-letter ISO 4217 currency code such as EUR' });
        return z.NEVER;
      }
      return code;
    });

  const country = z
    .string()
    .nullish()
    .transform((v, ctx): string | null => {
      if (blank(v)) return null;
      const code = v.trim().toUpperCase();
      if (!/^[A-Z]{2}$/.test(code)) {
        ctx.addIssue({ code: 'custom', message: 'expected a two-letter ISO 3166 country code such as DE' });
        return z.NEVER;
      }
      return code;
    });

  const timezone = z
    .string()
    .nullish()
    .transform((v, ctx): string | null => {
      if (blank(v)) return null;
      if (!isValidTimeZone(v.trim())) {
        ctx.addIssue({ code: 'custom', message: 'expected an IANA time zone such as Europe/Berlin' });
        return z.NEVER;
      }
      return v.trim();
    });

  return { optionalText, requiredText, timestamp, decimal, integer, boolean, oneOf, listOf, timeOfDay, currency, country, timezone };
}

export type FieldTypes = ReturnType<typeof fieldTypes>;
