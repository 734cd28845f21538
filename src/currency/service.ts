/**
 * The reporting currency and the exchange rates into it. Amounts are stored in their own currency everywhere;
 * what ranks or sums amounts of several currencies (the recovery list, the loss report) converts them at the
 * rates current when it runs — a changed rate takes effect at the next scoring or report, never silently
 * rewriting a stored figure. A currency without a rate is never converted: the figure says so instead.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import { parseDecimal, type Decimal } from '../ingest/values.js';
import { CurrencyError } from './errors.js';
import { conversionFactor, convertMinor, decimalToString, divideDecimals } from './money.js';
import { readRates, replaceRates, upsertRate, type ExchangeRate, type RatesSnapshot } from './repository.js';
import { exchangeRateInputSchema, parseCurrencyInput, reportingCurrencyInputSchema, type ExchangeRateInput, type ReportingCurrencyInput } from './schemas.js';

export type { ExchangeRate } from './repository.js';

/** Recorded as the author of a change that does not say who made it. */
const UNKNOWN_AUTHOR = 'unknown';

/** Says when changes apply; printed by the CLI, returned by the API. */
export const TAKES_EFFECT = 'takes effect at the next recovery scoring (`winback recovery score`, `winback analyze`) and the next loss report; stored scores keep the rate they were computed with';

export interface CurrencySettings {
  reportingCurrency: string;
  updatedBy: string;
  updatedAt: Date;
  /** One row per currency that can be converted, by code (the reporting currency is implicit: rate 1). */
  rates: ExchangeRate[];
}

export async function currencySettings(database: Database): Promise<CurrencySettings> {
  return readRates(database.db);
}

export interface ExchangeRateChange {
  reportingCurrency: string;
  rate: ExchangeRate;
  /** The rate before, null when the currency had none. */
  previous: string | null;
  takesEffect: string;
}

export async function setExchangeRate(database: Database, input: ExchangeRateInput): Promise<ExchangeRateChange> {
  const o = parseCurrencyInput(exchangeRateInputSchema, input, 'exchange rate');
  return database.db.transaction().execute(async (trx) => {
    const now = await readRates(trx, { forUpdate: true });
    if (o.currency === now.reportingCurrency) {
      throw new CurrencyError('reporting_currency_rate', `${o.currency} is the reporting currency: its rate is 1 by definition (to report in another currency: winback currency set-reporting <CODE>)`);
    }
    const previous = now.rates.find((r) => r.currency === o.currency)?.rate ?? null;
    const rate = await upsertRate(trx, o.currency, o.rate, o.updatedBy ?? UNKNOWN_AUTHOR);
    return { reportingCurrency: now.reportingCurrency, rate, previous, takesEffect: TAKES_EFFECT };
  });
}

export interface ReportingCurrencyChange {
  previous: string;
  reportingCurrency: string;
  /** The rates as they are now, re-expressed in the new reporting currency. */
  rates: ExchangeRate[];
  takesEffect: string;
}

/**
 * Makes `currency` the reporting currency. Every rate is re-expressed in it through the cross rate — with
 * 1 GBP = 1.17 EUR and 1 CHF = 1.07 EUR, reporting in CHF gives 1 GBP = 1.17 / 1.07 CHF and 1 EUR = 1 / 1.07
 * CHF — so the new currency needs a rate first; the rates keep meaning "value in the reporting currency".
 */
export async function setReportingCurrency(database: Database, input: ReportingCurrencyInput): Promise<ReportingCurrencyChange> {
  const o = parseCurrencyInput(reportingCurrencyInputSchema, input, 'reporting currency');
  return database.db.transaction().execute(async (trx) => {
    const now = await readRates(trx, { forUpdate: true });
    if (o.currency === now.reportingCurrency) return { previous: now.reportingCurrency, reportingCurrency: o.currency, rates: now.rates, takesEffect: TAKES_EFFECT };
    const pivot = now.rates.find((r) => r.currency === o.currency);
    if (!pivot) {
      throw new CurrencyError(
        'no_rate',
        `no exchange rate for ${o.currency}: set its value in ${now.reportingCurrency} first (winback currency set-rate ${o.currency} <rate>), so the other rates can be re-expressed in ${o.currency}`,
      );
    }
    const p = exactRate(pivot.rate);
    const rebased = [
      ...now.rates.filter((r) => r.currency !== o.currency).map((r) => ({ currency: r.currency, rate: decimalToString(divideDecimals(exactRate(r.rate), p)) })),
      { currency: now.reportingCurrency, rate: decimalToString(divideDecimals({ units: 1n, scale: 0 }, p)) },
    ].sort((a, b) => a.currency.localeCompare(b.currency));
    await replaceRates(trx, o.currency, rebased, o.updatedBy ?? UNKNOWN_AUTHOR);
    const after = await readRates(trx);
    return { previous: now.reportingCurrency, reportingCurrency: after.reportingCurrency, rates: after.rates, takesEffect: TAKES_EFFECT };
  });
}

function exactRate(text: string): Decimal {
  const d = parseDecimal(text, 'point');
  if (typeof d === 'string') throw new Error(`exchange rate ${text} as stored is not a decimal`);
  return d;
}

/** A rate as applied to amounts: the reporting currency itself has rate '1'. */
export interface AppliedRate {
  currency: string;
  rate: string;
  /** Factor between minor units (rate × 10^(exponent of the reporting currency − exponent of `currency`)). */
  factor: string;
  updatedAt: Date;
  updatedBy: string;
}

/** The rates of one moment, ready to convert amounts in Node or (through `applied`) in SQL. */
export interface Conversion {
  reportingCurrency: string;
  applied: AppliedRate[];
  rateOf(currency: string | null): AppliedRate | undefined;
  /** amount (minor units of `currency`) in minor units of the reporting currency; null without a rate. */
  convert(amount: number, currency: string | null): number | null;
  /** amount (minor units of `from`) in minor units of `to`, through the reporting currency; null without both rates. */
  convertBetween(amount: number, from: string, to: string): number | null;
}

export function conversionFrom(snapshot: RatesSnapshot): Conversion {
  const reporting = snapshot.reportingCurrency;
  const entries = [
    { currency: reporting, rate: '1', updatedAt: snapshot.updatedAt, updatedBy: snapshot.updatedBy },
    ...snapshot.rates.filter((r) => r.currency !== reporting),
  ].map((r) => {
    const factor = conversionFactor(exactRate(r.rate), r.currency, reporting);
    return { applied: { ...r, factor: decimalToString(factor) }, factor };
  });
  const byCurrency = new Map(entries.map((e) => [e.applied.currency, e]));
  return {
    reportingCurrency: reporting,
    applied: entries.map((e) => e.applied),
    rateOf: (currency) => (currency === null ? undefined : byCurrency.get(currency)?.applied),
    convert(amount, currency) {
      const entry = currency === null ? undefined : byCurrency.get(currency);
      if (!entry) return null;
      const converted = convertMinor(amount, entry.factor);
      if (converted === null) throw new CurrencyError('amount_too_large', `${amount} ${currency} in ${reporting} is too large to be represented exactly`);
      return converted;
    },
    convertBetween(amount, from, to) {
      if (from === to) return amount;
      const source = byCurrency.get(from);
      const target = byCurrency.get(to);
      if (!source || !target) return null;
      const converted = convertMinor(amount, divideDecimals(source.factor, target.factor));
      if (converted === null) throw new CurrencyError('amount_too_large', `${amount} ${from} in ${to} is too large to be represented exactly`);
      return converted;
    },
  };
}

/** The current rates; inside a transaction, pass the transaction so the rates belong to its snapshot. */
export async function loadConversion(db: Kysely<DB>): Promise<Conversion> {
  return conversionFrom(await readRates(db));
}

/** '1 GBP = 1.17 EUR' */
export function describeRate(rate: Pick<AppliedRate, 'currency' | 'rate'>, reportingCurrency: string): string {
  return `1 ${rate.currency} = ${rate.rate} ${reportingCurrency}`;
}
