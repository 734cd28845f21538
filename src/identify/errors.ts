import { defineDomainError } from '../shared/errors.js';

export const IdentifyError = defineDomainError('identify', {
  invalid_options: 'invalid_input',
  /** States describe a later instant already; recomputing for an earlier one would rewrite the present. */
  as_of_before_last_recompute: 'conflict',
});
export type IdentifyError = InstanceType<typeof IdentifyError>;
