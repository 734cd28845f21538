import { defineDomainError } from '../shared/errors.js';

export const WinbackError = defineDomainError('winback', {
  invalid_input: 'invalid_input',
  cycle_not_found: 'not_found',
  customer_not_found: 'not_found',
  employee_not_found: 'not_found',
  offer_not_found: 'not_found',
  offer_exists: 'conflict',
  unknown_reason: 'invalid_input',
  /** The cycle is not in the status the action needs (e.g. starting a started cycle). */
  cycle_status: 'conflict',
  /** The caller does not hold the claim on this target (expired, or someone else's). */
  not_claimed: 'conflict',
  not_a_member: 'refused',
  /** Accepting the offer would exceed the cycle's offer budget. */
  budget_exceeded: 'conflict',
  offer_not_eligible: 'invalid_input',
  no_targets: 'invalid_input',
});
export type WinbackError = InstanceType<typeof WinbackError>;
