import { defineDomainError } from '../shared/errors.js';

export const CausesError = defineDomainError('causes', {
  invalid_options: 'invalid_input',
  /** A reason code that is not in the catalogue (linking, filtering). */
  unknown_reason: 'invalid_input',
  /** A customer external id that names no customer (linking, filtering). */
  unknown_customer: 'invalid_input',
  unknown_team: 'invalid_input',
  unknown_employee: 'invalid_input',
  item_not_found: 'not_found',
});
export type CausesError = InstanceType<typeof CausesError>;
