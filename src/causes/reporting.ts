/**
 * Amounts of several currencies in the reporting currency (src/currency), at the rates current when the report
 * runs: each currency's sums are converted and then added. A currency without a rate is never added as if it
 * were the reporting currency — it is left out and named in `unconverted`.
 */
import type { Conversion } from '../currency/index.js';

export interface ReportingRates {
  /** The reporting currency. */
  currency: string;
  /** The rates used, for the currencies of the report (the reporting currency itself has rate 1). */
  rates: { currency: string; rate: string; updatedAt: Date; updatedBy: string }[];
  /** Currencies of the report without a rate: left out of the converted figures. */
  unconverted: string[];
}

export function reportingRates(conversion: Conversion, currencies: Iterable<string | null>): ReportingRates {
  const present = [...new Set([...currencies].filter((c): c is string => c !== null))].sort();
  return {
    currency: conversion.reportingCurrency,
    rates: present.flatMap((c) => {
      const r = conversion.rateOf(c);
      return r ? [{ currency: r.currency, rate: r.rate, updatedAt: r.updatedAt, updatedBy: r.updatedBy }] : [];
    }),
    unconverted: present.filter((c) => !conversion.rateOf(c)),
  };
}

/**
 * The amount in minor units of the reporting currency; null when the currency has no rate. Losses recorded
 * without a currency carry no value (src/identify records value and currency together): 0.
 */
export function toReporting(conversion: Conversion, amount: number, currency: string | null): number | null {
  return currency === null ? 0 : conversion.convert(amount, currency);
}
