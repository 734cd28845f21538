/** Display formats. Amounts arrive as integer minor units with their currency (EUR 1234 = €12.34). */
import { currencyExponent } from '../../src/currency/exponent';
import { describeTerms } from '../../src/winback/terms';
import type { Offer } from './types';

// The server's ISO 4217 exponents, not Intl's display digits (0 for HUF, COP, IDR, …, where amounts are stored in hundredths).
export { currencyExponent };

const locale = undefined; // the browser's

export const toMajor = (minor: number, currency: string) => minor / 10 ** currencyExponent(currency);
/** Major units (as typed) to the integer minor units the server stores, rounded to the currency's smallest unit. */
export const toMinor = (major: number, currency: string) => Math.round(major * 10 ** currencyExponent(currency));

/** €12,345 (whole units) or with cents when `exact`. */
export function money(minor: number | null | undefined, currency: string | null | undefined, exact = false): string {
  if (minor === null || minor === undefined || !currency) return '—';
  const digits = exact ? currencyExponent(currency) : 0;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(toMajor(minor, currency));
  } catch {
    return `${toMajor(minor, currency).toFixed(digits)} ${currency}`;
  }
}

export const num = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);

export const pct = (share: number | null | undefined, digits = 1) => (share === null || share === undefined ? '—' : `${num(share * 100, digits)} %`);

export const day = (d: string | null | undefined) => (d ? new Date(d).toISOString().slice(0, 10) : '—');

export function dateTime(d: string | null | undefined): string {
  if (!d) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d));
}

/** 'true_friends' → 'True friends' */
export const label = (code: string | null | undefined) => (code ? (code.charAt(0).toUpperCase() + code.slice(1)).replace(/[_.]/g, ' ') : '—');

/** An amount already in major units (chart values), whole units. */
export function moneyMajor(major: number | null | undefined, currency: string): string {
  if (major === null || major === undefined) return '—';
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(major);
  } catch {
    return `${Math.round(major)} ${currency}`;
  }
}

/** An offer's terms in words (as the CLI writes them), amounts with cents. */
export const offerTerms = (terms: Offer['terms']) => describeTerms(terms, (minor, currency) => money(minor, currency, true));
