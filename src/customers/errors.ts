import { defineDomainError } from '../shared/errors.js';

/** Errors of the customers domain (list, profile, timeline, contact preferences, people). */
export const CustomersError = defineDomainError('customers', {
  invalid_input: 'invalid_input',
  /** A keyset cursor that this list did not hand out (or one of another sort). */
  invalid_cursor: 'invalid_input',
  unknown_team: 'invalid_input',
  unknown_employee: 'invalid_input',
  unknown_reason: 'invalid_input',
  customer_not_found: 'not_found',
});
export type CustomersError = InstanceType<typeof CustomersError>;
