import type { z } from 'zod';

export interface InputIssue {
  path: string;
  message: string;
}

/**
 * Parses `input` with a zod schema; a failure becomes the domain's error, built by `fail` from a message naming
 * every field ("invalid rescue cycle: periodEnd: must be after periodStart") and the issues.
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string, fail: (message: string, issues: InputIssue[]) => Error): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw fail(`invalid ${what}: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`, issues);
}
