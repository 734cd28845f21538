export * from './calls.js';
export * from './cycles.js';
export * from './errors.js';
export * from './offers.js';
export * from './queue.js';
export * from './schemas.js';
export * from './workspace.js';
