/** Step 3 of customer recovery: reasons by revenue (Pareto, trends), root-cause items, frontline feedback. */
export * from './errors.js';
export * from './schemas.js';
export * from './filters.js';
export * from './items.js';
export * from './pareto.js';
export * from './trends.js';
export * from './feedback.js';
export * from './format.js';
export type { ReasonSource } from './repository.js';
