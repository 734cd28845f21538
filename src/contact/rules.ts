/**
 * The contact rules as a pure function of the customer's facts: do-not-contact, allowed channels, maximum
 * frequency, calling hours in the customer's time zone, the preferred contact person. The first rule that
 * forbids the contact is the refusal; every refusal names its rule and the facts that decided it.
 */
import { wallClockAt } from '../shared/time.js';
import { PERSONAL_CHANNELS, TIME_BOUND_CHANNELS, type ContactChannel, type ContactPolicy } from './schemas.js';

export interface ContactFacts {
  doNotContact: boolean;
  doNotContactAt: Date | null;
  doNotContactSource: string | null;
  allowedChannels: readonly string[] | null;
  /** The customer's own frequency limit, when they gave one. */
  maxContacts: number | null;
  perDays: number | null;
  /** Contacts that reached the customer, newest first (enough of them to decide the frequency rule). */
  recentContacts: readonly Date[];
  hoursStart: string | null;
  hoursEnd: string | null;
  timeZone: string | null;
  preferredEmployee: { id: number; name: string } | null;
}

export interface ContactAttempt {
  channel: ContactChannel;
  at: Date;
  employeeId?: number | undefined;
  requestedByCustomer: boolean;
}

export type ContactRefusal =
  | { type: 'do_not_contact'; since: string | null; source: string | null }
  | { type: 'channel_not_allowed'; channel: string; allowed: string[] }
  | { type: 'frequency'; maxContacts: number; perDays: number; contactsInWindow: number; nextAllowedAt: string; source: 'customer' | 'policy' }
  | { type: 'quiet_hours'; localTime: string; timeZone: string; window: string; source: 'customer' | 'policy' }
  | { type: 'preferred_person'; preferredEmployeeId: number; preferredEmployee: string };

export type ContactDecision = { allowed: true } | { allowed: false; refusal: ContactRefusal };

const DAY_MS = 86_400_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const pad = (n: number) => String(n).padStart(2, '0');

/** Whether `minute` of the day lies in [start, end), windows that cross midnight included. */
function inWindow(minute: number, start: string, end: string): boolean {
  const s = minutesOf(start);
  const e = minutesOf(end);
  return s <= e ? minute >= s && minute < e : minute >= s || minute < e;
}

export function evaluateContact(facts: ContactFacts, attempt: ContactAttempt, policy: ContactPolicy): ContactDecision {
  if (facts.doNotContact) {
    return { allowed: false, refusal: { type: 'do_not_contact', since: facts.doNotContactAt?.toISOString() ?? null, source: facts.doNotContactSource } };
  }
  if (facts.allowedChannels && !facts.allowedChannels.includes(attempt.channel)) {
    return { allowed: false, refusal: { type: 'channel_not_allowed', channel: attempt.channel, allowed: [...facts.allowedChannels] } };
  }
  if (!attempt.requestedByCustomer) {
    const own = facts.maxContacts !== null && facts.perDays !== null;
    const maxContacts = own ? facts.maxContacts! : policy.maxContacts;
    const perDays = own ? facts.perDays! : policy.perDays;
    const windowStart = attempt.at.getTime() - perDays * DAY_MS;
    const inWindowContacts = facts.recentContacts.filter((d) => d.getTime() > windowStart && d.getTime() <= attempt.at.getTime());
    if (inWindowContacts.length >= maxContacts) {
      // The window frees up when the oldest contact that still counts falls out of it.
      const oldestCounting = [...inWindowContacts].sort((a, b) => b.getTime() - a.getTime())[maxContacts - 1]!;
      return {
        allowed: false,
        refusal: {
          type: 'frequency',
          maxContacts,
          perDays,
          contactsInWindow: inWindowContacts.length,
          nextAllowedAt: new Date(oldestCounting.getTime() + perDays * DAY_MS).toISOString(),
          source: own ? 'customer' : 'policy',
        },
      };
    }
  }
  if (TIME_BOUND_CHANNELS.has(attempt.channel)) {
    const own = facts.hoursStart !== null && facts.hoursEnd !== null;
    const start = own ? facts.hoursStart!.slice(0, 5) : policy.callingHoursStart;
    const end = own ? facts.hoursEnd!.slice(0, 5) : policy.callingHoursEnd;
    const timeZone = facts.timeZone ?? policy.defaultTimeZone;
    const local = wallClockAt(attempt.at.getTime(), timeZone);
    if (!inWindow(local.hour * 60 + local.minute, start, end)) {
      return {
        allowed: false,
        refusal: { type: 'quiet_hours', localTime: `${pad(local.hour)}:${pad(local.minute)}`, timeZone, window: `${start}–${end}`, source: own ? 'customer' : 'policy' },
      };
    }
  }
  if (facts.preferredEmployee && attempt.employeeId !== undefined && PERSONAL_CHANNELS.has(attempt.channel) && attempt.employeeId !== facts.preferredEmployee.id) {
    return { allowed: false, refusal: { type: 'preferred_person', preferredEmployeeId: facts.preferredEmployee.id, preferredEmployee: facts.preferredEmployee.name } };
  }
  return { allowed: true };
}

/** What a refusal says to the person who tried: the rule and what would allow the contact. */
export function describeRefusal(r: ContactRefusal): string {
  switch (r.type) {
    case 'do_not_contact':
      return `the customer asked not to be contacted${r.since ? ` (since ${r.since.slice(0, 10)}${r.source ? `, ${r.source}` : ''})` : ''}`;
    case 'channel_not_allowed':
      return `the customer does not accept contact by ${r.channel}; allowed: ${r.allowed.join(', ') || 'none'}`;
    case 'frequency':
      return `at most ${r.maxContacts} contact(s) in ${r.perDays} days (${r.source === 'customer' ? "the customer's preference" : 'company policy'}); ${r.contactsInWindow} already made, next possible ${r.nextAllowedAt.slice(0, 16).replace('T', ' ')} UTC`;
    case 'quiet_hours':
      return `it is ${r.localTime} for the customer (${r.timeZone}); contact only ${r.window} (${r.source === 'customer' ? "the customer's hours" : 'company calling hours'})`;
    case 'preferred_person':
      return `the customer's preferred contact person is ${r.preferredEmployee}: only they may call or visit`;
    default: {
      const unreachable: never = r;
      return unreachable;
    }
  }
}
