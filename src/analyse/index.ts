/** Step 2 of customer recovery: reason mapping, segments, worth-winning-back (explained). */
export * from './errors.js';
export * from './normalise.js';
export * from './rules.js';
export * from './schemas.js';
export * from './reasons.js';
export * from './segments.js';
export * from './expected-value.js';
export * from './recovery.js';
