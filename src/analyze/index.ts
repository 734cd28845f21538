/** Customer-base analysis: SQL summaries, model fits, per-customer scores and their history. */
export * from './errors.js';
export * from './schemas.js';
export * from './repository.js';
export * from './service.js';
export * from './report.js';
export * from './runs.js';
