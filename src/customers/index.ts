/** Customers: the searchable list and its CSV export, the profile and timeline, contact preferences, people. */
export * from './errors.js';
export * from './schemas.js';
export * from './list.js';
export * from './csv.js';
export * from './people.js';
export * from './profile.js';
export * from './timeline.js';
export * from './preferences.js';
export * from './format.js';
