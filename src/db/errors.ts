import { defineDomainError } from '../shared/errors.js';

export const DbError = defineDomainError('db', {
  database_newer_than_code: 'conflict',
  migration_changed: 'conflict',
  data_dir_locked: 'unavailable',
  connection_failed: 'unavailable',
});
export type DbError = InstanceType<typeof DbError>;
