import { describe, expect, it } from 'vitest';
import { describeRefusal, evaluateContact, type ContactFacts } from './rules.js';
import { DEFAULT_CONTACT_POLICY } from './schemas.js';

const NOON_BERLIN = new Date('2025-03-10T11:00:00Z'); // 12:00 in Berlin (CET)
const none: ContactFacts = {
  doNotContact: false,
  doNotContactAt: null,
  doNotContactSource: null,
  allowedChannels: null,
  maxContacts: null,
  perDays: null,
  recentContacts: [],
  hoursStart: null,
  hoursEnd: null,
  timeZone: 'Europe/Berlin',
  preferredEmployee: null,
};
const call = { channel: 'phone' as const, at: NOON_BERLIN, requestedByCustomer: false };
const refusalType = (facts: Partial<ContactFacts>, attempt: Partial<typeof call> & { employeeId?: number } = {}) => {
  const d = evaluateContact({ ...none, ...facts }, { ...call, ...attempt }, DEFAULT_CONTACT_POLICY);
  return d.allowed ? 'allowed' : d.refusal.type;
};

describe('contact rules', () => {
  it('allow a call at noon to a customer without preferences', () => {
    expect(refusalType({})).toBe('allowed');
  });

  it('refuse a customer who asked not to be contacted, before any other rule', () => {
    expect(refusalType({ doNotContact: true, doNotContactAt: new Date('2025-01-01'), allowedChannels: ['email'] })).toBe('do_not_contact');
  });

  it('refuse a channel the customer does not accept', () => {
    expect(refusalType({ allowedChannels: ['email', 'letter'] })).toBe('channel_not_allowed');
    expect(refusalType({ allowedChannels: ['email', 'letter'] }, { channel: 'email' } as never)).toBe('allowed');
  });

  it('count contacts across channels in the window, the customer’s own limit first', () => {
    const tenDaysAgo = new Date(NOON_BERLIN.getTime() - 10 * 86_400_000);
    expect(refusalType({ recentContacts: [tenDaysAgo] })).toBe('frequency'); // policy: 1 in 30 days
    expect(refusalType({ recentContacts: [tenDaysAgo], maxContacts: 2, perDays: 30 })).toBe('allowed');
    expect(refusalType({ recentContacts: [tenDaysAgo], maxContacts: 1, perDays: 7 })).toBe('allowed');
    const d = evaluateContact({ ...none, recentContacts: [tenDaysAgo] }, call, DEFAULT_CONTACT_POLICY);
    expect(d.allowed ? null : d.refusal).toMatchObject({ type: 'frequency', nextAllowedAt: new Date(tenDaysAgo.getTime() + 30 * 86_400_000).toISOString() });
  });

  it('let a callback the customer asked for through the frequency rule, but no other', () => {
    const yesterday = new Date(NOON_BERLIN.getTime() - 86_400_000);
    expect(refusalType({ recentContacts: [yesterday] }, { requestedByCustomer: true })).toBe('allowed');
    expect(refusalType({ recentContacts: [yesterday], doNotContact: true }, { requestedByCustomer: true })).toBe('do_not_contact');
  });

  it('judge calling hours in the customer’s time zone, with their own hours first', () => {
    const sevenUtc = new Date('2025-03-10T07:30:00Z'); // 08:30 Berlin, 16:30 Tokyo
    expect(refusalType({}, { at: sevenUtc })).toBe('quiet_hours');
    expect(refusalType({ timeZone: 'Asia/Tokyo' }, { at: sevenUtc })).toBe('allowed');
    expect(refusalType({ hoursStart: '08:00:00', hoursEnd: '10:00:00' }, { at: sevenUtc })).toBe('allowed');
    expect(refusalType({ hoursStart: '08:00:00', hoursEnd: '10:00:00' })).toBe('quiet_hours');
    // Email is not time-bound.
    expect(refusalType({}, { at: sevenUtc, channel: 'email' } as never)).toBe('allowed');
    // Summer time: 07:30 UTC is 09:30 in Berlin in July.
    expect(refusalType({}, { at: new Date('2025-07-10T07:30:00Z') })).toBe('allowed');
  });

  it('follow the customer’s clock across the daylight-saving switches, on the day itself', () => {
    // Berlin springs forward on 2025-03-30 (02:00 → 03:00): 07:30 UTC is 08:30 the day before, 09:30 that day.
    expect(refusalType({}, { at: new Date('2025-03-29T07:30:00Z') })).toBe('quiet_hours');
    expect(refusalType({}, { at: new Date('2025-03-30T07:30:00Z') })).toBe('allowed');
    // …and falls back on 2025-10-26: 07:30 UTC is 09:30 the day before, 08:30 that day.
    expect(refusalType({}, { at: new Date('2025-10-25T07:30:00Z') })).toBe('allowed');
    expect(refusalType({}, { at: new Date('2025-10-26T07:30:00Z') })).toBe('quiet_hours');
    // New York switches three weeks earlier (2025-03-09): 13:30 UTC is 08:30 EST, then 09:30 EDT.
    expect(refusalType({ timeZone: 'America/New_York' }, { at: new Date('2025-03-08T13:30:00Z') })).toBe('quiet_hours');
    expect(refusalType({ timeZone: 'America/New_York' }, { at: new Date('2025-03-09T13:30:00Z') })).toBe('allowed');
    // The end of the calling hours is exclusive: 18:59 is fine, 19:00 is not (Berlin, CET).
    expect(refusalType({}, { at: new Date('2025-03-10T17:59:00Z') })).toBe('allowed');
    expect(refusalType({}, { at: new Date('2025-03-10T18:00:00Z') })).toBe('quiet_hours');
  });

  it('let only the preferred contact person call or visit', () => {
    const facts = { preferredEmployee: { id: 7, name: 'Dana Vogel' } };
    expect(refusalType(facts, { employeeId: 3 })).toBe('preferred_person');
    expect(refusalType(facts, { employeeId: 7 })).toBe('allowed');
    expect(refusalType(facts, { employeeId: 3, channel: 'email' } as never)).toBe('allowed');
  });

  it('describe every refusal with what decided it', () => {
    const d = evaluateContact({ ...none, preferredEmployee: { id: 7, name: 'Dana Vogel' } }, { ...call, employeeId: 3 }, DEFAULT_CONTACT_POLICY);
    expect(d.allowed ? '' : describeRefusal(d.refusal)).toContain('Dana Vogel');
    const q = evaluateContact(none, { ...call, at: new Date('2025-03-10T21:00:00Z') }, DEFAULT_CONTACT_POLICY);
    expect(q.allowed ? '' : describeRefusal(q.refusal)).toBe('it is 22:00 for the customer (Europe/Berlin); contact only 09:00–19:00 (company calling hours)');
  });
});
