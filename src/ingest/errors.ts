import { defineDomainError } from '../shared/errors.js';

export const ImportError = defineDomainError('import', {
  invalid_options: 'invalid_input',
  file_not_found: 'not_found',
  empty_file: 'invalid_input',
  malformed_csv: 'invalid_input',
  missing_columns: 'invalid_input',
  invalid_rows: 'invalid_input',
  aborted: 'unavailable',
});
export type ImportError = InstanceType<typeof ImportError>;

/** One thing wrong with an import file, located the way an editor finds it. */
export interface ImportProblem {
  file: string;
  line: number;
  column: string;
  message: string;
  value?: string;
}

/** `file:line: column: what is wrong (value)` */
export function formatProblem(p: ImportProblem): string {
  return `${p.file}:${p.line}: ${p.column}: ${p.message}${p.value !== undefined ? ` (${p.value})` : ''}`;
}
