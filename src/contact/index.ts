export * from './errors.js';
export * from './repository.js';
export * from './rules.js';
export * from './schemas.js';
export * from './service.js';
