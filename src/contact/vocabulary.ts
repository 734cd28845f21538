/** The contact channels. No imports: the web app bundles this file, and the schemas' zod must not come with it. */

export const CONTACT_CHANNELS = ['phone', 'email', 'sms', 'letter', 'visit'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
