/** The lifecycle states. No imports: the web app bundles this file, and the schemas' zod must not come with it. */

export const LIFECYCLE_STATES = ['active', 'at_risk', 'sleeping', 'lost', 'won_back'] as const;
