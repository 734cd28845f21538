import { defineDomainError } from '../shared/errors.js';

export const CurrencyError = defineDomainError('currency', {
  invalid_options: 'invalid_input',
  /** A currency without an exchange rate where one is needed (e.g. to become the reporting currency). */
  no_rate: 'invalid_input',
  /** The reporting currency's rate is 1 by definition and cannot be set. */
  reporting_currency_rate: 'invalid_input',
  /** A converted amount outside the exactly representable integers. */
  amount_too_large: 'invalid_input',
});
export type CurrencyError = InstanceType<typeof CurrencyError>;
