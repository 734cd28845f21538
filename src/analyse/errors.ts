import { defineDomainError } from '../shared/errors.js';

export const AnalyseError = defineDomainError('analyse', {
  invalid_options: 'invalid_input',
  invalid_rule: 'invalid_input',
  unknown_reason: 'invalid_input',
  rule_not_found: 'not_found',
  contract_not_found: 'not_found',
  customer_not_found: 'not_found',
  unknown_team: 'invalid_input',
  unknown_measure: 'invalid_input',
  /** Lifecycle states have not been computed (customer_states is missing or empty). */
  no_states: 'invalid_input',
  internal: 'internal',
});
export type AnalyseError = InstanceType<typeof AnalyseError>;
