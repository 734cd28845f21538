/** Call outcomes, offer responses, target statuses. No imports: the web app bundles this file, and the schemas' zod must not come with it. */

export const OUTCOMES = ['won_back', 'considering', 'declined', 'unreachable', 'asked_not_to_be_contacted'] as const;
export const OFFER_RESPONSES = ['accepted', 'declined', 'considering'] as const;
export const TARGET_STATUSES = ['holdout', 'open', 'claimed', 'callback', 'done', 'unreachable', 'blocked'] as const;
