/** Step 1 of customer recovery: lifecycle states and their history, loss accounting. */
export * from './errors.js';
export * from './schemas.js';
export * from './rules.js';
export * from './repository.js';
export * from './service.js';
export * from './losses.js';
