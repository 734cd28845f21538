/** Reporting currency and exchange rates: converting amounts of several currencies into one, exactly. */
export * from './errors.js';
export * from './exponent.js';
export * from './money.js';
export * from './schemas.js';
export * from './repository.js';
export * from './service.js';
