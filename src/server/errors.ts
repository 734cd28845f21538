import type { z } from 'zod';
import { defineDomainError } from '../shared/errors.js';

export const RequestError = defineDomainError('request', {
  invalid_request: 'invalid_input',
  not_found: 'not_found',
  unsupported_media_type: 'invalid_input',
});
export type RequestError = InstanceType<typeof RequestError>;

/** Validates request input with the domain's zod schema; a failure names each field and what is wrong. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  throw new RequestError('invalid_request', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
}
