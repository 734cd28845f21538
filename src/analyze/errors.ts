import { defineDomainError } from '../shared/errors.js';

export const AnalyzeError = defineDomainError('analyze', {
  invalid_options: 'invalid_input',
  /** No orders up to the calibration end: nothing to analyse. */
  no_orders: 'invalid_input',
  /** Customers exist but none bought twice in calibration: purchase rates and dropout cannot be estimated. */
  no_repeat_customers: 'invalid_input',
  /** The data cannot pin the model down (a parameter runs off to a boundary, a flat optimum). */
  model_not_identifiable: 'invalid_input',
  did_not_converge: 'invalid_input',
  internal: 'internal',
});
export type AnalyzeError = InstanceType<typeof AnalyzeError>;
