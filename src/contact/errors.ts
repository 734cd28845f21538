import { defineDomainError } from '../shared/errors.js';

export const ContactError = defineDomainError('contact', {
  /** A contact rule forbids the contact; `details.rule` names it. */
  refused: 'refused',
  customer_not_found: 'not_found',
  employee_not_found: 'not_found',
  invalid_request: 'invalid_input',
});
export type ContactError = InstanceType<typeof ContactError>;
