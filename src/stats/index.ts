/**
 * The public surface of `src/stats`: pure models and numerics, no I/O. Everything else in the
 * product imports statistics from here, not from the individual files.
 */
export * from './errors.js';
export * from './random.js';
export * from './special.js';
export * from './optimize.js';
export * from './fit.js';
export * from './summary.js';
export * from './bgnbd.js';
export * from './paretonbd.js';
export * from './gammagamma.js';
export * from './sbg.js';
export * from './clv.js';
export * from './validation.js';
export * from './alive.js';
