/** Segments and the recovery list's states and sorts. No imports: the web app bundles this file, and the schemas' zod must not come with it. */

export const SEGMENTS = ['true_friends', 'butterflies', 'barnacles', 'strangers'] as const;
export const RECOVERY_STATES = ['lost', 'sleeping'] as const;
export const RECOVERY_SORTS = ['expected_value', 'value', 'p_recovery', 'lost_since'] as const;
export type RecoverySort = (typeof RECOVERY_SORTS)[number];
