/**
 * Inputs of the currency settings — one zod schema per operation, shared by the CLI, the HTTP API and the
 * library. Currency codes and rates are read by the same plain parsers the importer uses (src/ingest/values.ts).
 */
import { z } from 'zod';
import { defaultValueOptions, fieldTypes, FieldProblem } from '../ingest/values.js';
import { parseWith } from '../shared/parse.js';
import { CurrencyError } from './errors.js';
import { decimalToString, parseRate } from './money.js';

const currencyField = fieldTypes(defaultValueOptions).currency;

/** A three-letter ISO 4217 code, upper-cased ('gbp' → 'GBP'). */
export const currencyCodeSchema = z.string({ error: 'a currency code such as EUR is required' }).transform((v, ctx): string => {
  const code = currencyField.parse(v);
  if (code instanceof FieldProblem || code === null) {
    ctx.addIssue({ code: 'custom', message: code instanceof FieldProblem ? code.message : 'a currency code such as EUR is required' });
    return z.NEVER;
  }
  return code;
});

/** An exchange rate as an exact decimal ('1.17' or 1.17), normalised to its shortest text. */
export const rateSchema = z.union([z.string(), z.number()], { error: 'a rate such as 1.17 is required' }).transform((v, ctx): string => {
  const rate = parseRate(String(v));
  if (typeof rate === 'string') {
    ctx.addIssue({ code: 'custom', message: rate });
    return z.NEVER;
  }
  return decimalToString(rate);
});

/** Who made the change, kept with it (the CLI passes the user name, the API `api` unless given). */
const updatedBy = z.string().trim().min(1).max(200).optional();

export const reportingCurrencyInputSchema = z.object({ currency: currencyCodeSchema, updatedBy });
export type ReportingCurrencyInput = z.input<typeof reportingCurrencyInputSchema>;

/** PUT /api/v1/currency/rates/:code takes the currency from the path and this body. */
export const exchangeRateBodySchema = z.object({
  /** Value of one unit of the currency in the reporting currency: 1 GBP = 1.17 EUR → 1.17. */
  rate: rateSchema,
  updatedBy,
});
export const exchangeRateInputSchema = exchangeRateBodySchema.extend({ currency: currencyCodeSchema });
export type ExchangeRateInput = z.input<typeof exchangeRateInputSchema>;

export const currencyParamsSchema = z.object({ code: currencyCodeSchema });

/** Parses with a schema; failures become CurrencyError('invalid_options') naming each field. */
export function parseCurrencyInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, (message, issues) => new CurrencyError('invalid_options', message, { issues }));
}
