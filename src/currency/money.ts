/**
 * Conversion arithmetic, pure and exact: rates are decimals (never binary floats), amounts integer minor units.
 *
 *   converted = round(amount × rate × 10^(e_to − e_from))          round half away from zero
 *
 * e is the ISO 4217 minor-unit exponent (currencyExponent): at 1 GBP = 1.17 EUR, 1234 pence are
 * round(1234 × 1.17) = 1444 cent; at 1 JPY = 0.0058 EUR, 1000 yen are round(1000 × 0.0058 × 10²) = 580 cent.
 * `rate × 10^(e_to − e_from)` is the factor between minor units. SQL that converts many rows at once computes
 * round(amount × factor::numeric) with the factor from here — PostgreSQL rounds numeric half away from zero too,
 * so both give the same result (a test holds them equal).
 */
import { parseDecimal, type Decimal } from '../ingest/values.js';
import { currencyExponent } from './exponent.js';

/** Trailing zeros of the fraction dropped: 1.170 → 1.17; scale never negative. */
export function normaliseDecimal(d: Decimal): Decimal {
  let { units, scale } = d;
  if (scale < 0) return { units: units * 10n ** BigInt(-scale), scale: 0 };
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

export function decimalToString(d: Decimal): string {
  const { units, scale } = normaliseDecimal(d);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

export const MAX_RATE_DECIMALS = 18;
const MAX_RATE = 10n ** 12n;

/** An exchange rate as typed by a user ('1.17'): positive, at most 18 decimals, below 10¹²; or what is wrong. */
export function parseRate(text: string): Decimal | string {
  const parsed = parseDecimal(text.trim(), 'point');
  if (typeof parsed === 'string') return `${parsed}; a rate is written like 1.17 (value of one unit in the reporting currency)`;
  const d = normaliseDecimal(parsed);
  if (d.units <= 0n) return 'must be greater than 0';
  if (d.scale > MAX_RATE_DECIMALS) return `has more than ${MAX_RATE_DECIMALS} decimal places`;
  if (d.units >= MAX_RATE * 10n ** BigInt(d.scale)) return 'must be below 1,000,000,000,000';
  return d;
}

/** Factor between minor units of `from` and of `to` at `rate` (major units of `to` per major unit of `from`). */
export function conversionFactor(rate: Decimal, from: string, to: string): Decimal {
  return normaliseDecimal({ units: rate.units, scale: rate.scale - (currencyExponent(to) - currencyExponent(from)) });
}

/** a / b rounded half away from zero, for integers (b ≠ 0). */
function divideRounded(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  let q = x / y;
  if (2n * (x % y) >= y) q += 1n;
  return negative ? -q : q;
}

/** round(amount × factor), exactly; null when the result is not a safe integer. */
export function convertMinor(amount: number, factor: Decimal): number | null {
  if (!Number.isSafeInteger(amount)) return null;
  const f = normaliseDecimal(factor);
  const result = Number(divideRounded(BigInt(amount) * f.units, 10n ** BigInt(f.scale)));
  return Number.isSafeInteger(result) ? result : null;
}

/**
 * a / b rounded to `significant` significant digits (half away from zero), for positive decimals: the cross
 * rates when the reporting currency changes (1 GBP = 1.17 EUR and 1 CHF = 1.07 EUR give 1 GBP = 1.09345794393
 * CHF). Twelve digits keep far more precision than any quoted rate (a round trip EUR → CHF → EUR may move a
 * rate in its twelfth digit: 1.17 → 1.17000000001), and bound the length of rates after many changes.
 */
export function divideDecimals(a: Decimal, b: Decimal, significant = 12): Decimal {
  if (a.units <= 0n || b.units <= 0n) throw new RangeError('divideDecimals: positive decimals only');
  // a / b = (a.units · 10^b.scale) / (b.units · 10^a.scale); scaled by 10^k to keep `significant` digits.
  const num = a.units * 10n ** BigInt(Math.max(b.scale, 0));
  const den = b.units * 10n ** BigInt(Math.max(a.scale, 0));
  let k = significant - (num.toString().length - den.toString().length);
  const scaled = (kk: number) => divideRounded(kk >= 0 ? num * 10n ** BigInt(kk) : num, kk >= 0 ? den : den * 10n ** BigInt(-kk));
  let q = scaled(k);
  if (q.toString().length > significant) q = scaled(--k);
  return normaliseDecimal({ units: q, scale: k });
}

/**
 * Minor units written in major units with the currency's decimals: 123456 EUR → '1234.56', 1000 JPY → '1000'.
 * Model estimates (an expected spend of 1440.27 cent) are shown to the nearest minor unit.
 */
export function formatMinor(amount: number, currency: string | null): string {
  const exponent = currency ? currencyExponent(currency) : 2;
  const text = decimalToString({ units: BigInt(Math.round(amount)), scale: exponent });
  const [whole, fraction = ''] = text.split('.');
  return exponent === 0 ? whole! : `${whole}.${fraction.padEnd(exponent, '0')}`;
}

const formatters = new Map<number, Intl.NumberFormat>();
/** Minor units as a major-unit amount with thousands separators ("1,234.50"), for people to read. */
export function major(minor: number, currency: string | null): string {
  const digits = currency ? currencyExponent(currency) : 2;
  let f = formatters.get(digits);
  if (!f) formatters.set(digits, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(minor / 10 ** digits);
}
