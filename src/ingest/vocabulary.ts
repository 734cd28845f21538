/** Import entities, date formats and decimal separators. No imports: the web app bundles this file, and the schemas' zod must not come with it. */

export const ENTITY_NAMES = ['teams', 'employees', 'customers', 'contracts', 'orders', 'interactions', 'preferences'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

export const DATE_FORMATS = ['iso', 'YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export const DECIMAL_SEPARATORS = ['point', 'comma'] as const;
export type DecimalSeparator = (typeof DECIMAL_SEPARATORS)[number];
