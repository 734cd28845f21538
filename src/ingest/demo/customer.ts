/**
 * Simulates one demo customer's whole history from that customer's own random stream: who they
 * are, what they bought or subscribed to, when (and why) they left, how often they were in
 * contact, and how they want to be contacted. Nothing here touches files; generate.ts writes the
 * records and assigns the running external ids.
 *
 * Model choices (all rates per customer are drawn once, so customers differ — heterogeneity is
 * what lets the analysis features separate "sleeping" from "active" and "worth it" from "not"):
 *
 * - Mix: ~35 % of customers are companies (80 % of partner/field-sales acquisitions, 20 % of the
 *   rest); companies lean to the subscription (55 % vs 32 %), giving ~40 % subscription customers
 *   and ~60 % shop customers overall. The two groups are disjoint to keep the story simple.
 * - Acquisition: half uniform over the history window, half with a linearly rising density (the
 *   company grows), so recent cohorts are larger.
 * - Subscriptions: 12-month terms renewing automatically. Churn follows the shifted-beta-geometric
 *   model (Fader & Hardie 2007): each customer has a per-renewal churn probability
 *   θ ~ Beta(0.8, 2.0) (mean 0.29, right-skewed: most stay for years, a few are very likely to go).
 *   At each renewal a customer who "churns" downgrades instead in 25 % of cases when a cheaper plan
 *   exists. Notice is given 14–104 days before the term ends; relocation and business closure end
 *   the contract early (special termination, 30 days after notice). 14 % of lost subscribers
 *   (never a closed business) return 60 days + Exp(mean 240 days) after the end; as many of those
 *   returns would fall after `asOf`, about 8 % of cancelled customers show up won back.
 * - Shop: BG/NBD (Fader, Hardie & Lee 2005). Purchase rate λ ~ Gamma(shape r = 0.5, rate α = 2.5
 *   per week) — mean 0.2 purchases a week but heavily skewed (median ≈ 0.09); after each repeat
 *   purchase the customer drops out with probability p ~ Beta(a = 0.8, b = 5) (mean 0.14) and
 *   silently "falls asleep". Tuned so that about a fifth of shop customers buy once, more than half
 *   of those acquired over a year ago bought nothing in the last year, and a million customers
 *   give about 5 M orders (≈ 8.5 per shop customer). Key-account
 *   companies (12 % of companies) buy like wholesalers: λ ~ Gamma(4, rate 4) (about weekly) and
 *   p ~ Beta(0.5, 20), so a few customers have dozens to hundreds of orders.
 * - Spend: gamma–gamma (Fader, Hardie & Lee 2005 note): each amount ~ Gamma(shape p = 6, rate ν)
 *   with the customer's ν ~ Gamma(shape q = 4, rate γ = 20), giving a mean order of
 *   pγ/(q−1) = 40 currency units (EUR-equivalent; converted to the customer's currency). Key
 *   accounts order four times as much. Margin 25–45 % of the amount, missing for 10 % of orders;
 *   5 % of orders lack an external id (the importer's de-duplication must cope).
 * - Interactions: a base rate ~ Gamma(2, 0.6) per year over the active relationship; in the
 *   120 days before 75 % of departures (cancellation notice or shop dropout) a burst of
 *   1 + Poisson(2.5) contacts with density rising towards the departure, themed by the reason;
 *   30 % of lost subscribers (15 % of dropouts) show usage or support contact afterwards.
 * - Preferences for 70 % of customers; do-not-contact for ~5 % of all customers, more often after
 *   a complaint.
 */
import type { Rng } from '../../stats/random.js';
import { DAY_MS, HOUR_MS, WEEK_MS, YEAR_MS, startOfUtcDay } from './dates.js';
import type { Employee, Organisation } from './organisation.js';
import { TEAMS } from './organisation.js';
import { countries, drawCompany, drawEmail, drawPerson, drawPhone, type Country } from './people.js';
import { REASON_MIX, demoReasonPhrases, reasonFamily, type ReasonCode } from './reasons.js';
import { LATENT_NEED_CONTACTS, REASON_NOTES, REASON_PREFIXES, ROUTINE_SUMMARIES, warningContacts } from './texts.js';
import { Weighted, between, chance } from './weighted.js';

// ---- Parameters (see the header for the reasoning) -------------------------------------------

const COMPANY_SHARE_ASSISTED = 0.8; // partner / field sales
const COMPANY_SHARE_OTHER = 0.2;
const SUBSCRIPTION_SHARE_COMPANY = 0.55;
const SUBSCRIPTION_SHARE_PRIVATE = 0.32;
const KEY_ACCOUNT_SHARE_OF_COMPANIES = 0.12;

const SBG_A = 0.8;
const SBG_B = 2.0;
const DOWNGRADE_INSTEAD_OF_CANCEL = 0.25;
const WINBACK_PROBABILITY = 0.14;
const WINBACK_MIN_GAP_DAYS = 60;
const WINBACK_MEAN_EXTRA_DAYS = 240;
const REASON_CODE_FILLED = 0.15;
const BLANK_UNKNOWN_REASON = 0.45;

const BGNBD = { r: 0.5, alpha: 2.5, a: 0.8, b: 5 };
const BGNBD_KEY_ACCOUNT = { r: 4, alpha: 4, a: 0.5, b: 20 };
const SPEND = { p: 6, q: 4, gamma: 20 };
const KEY_ACCOUNT_SPEND_FACTOR = 4;
const MARGIN_MISSING = 0.1;
const ORDER_ID_MISSING = 0.05;

const INTERACTIONS_PER_YEAR = { shape: 2, scale: 0.6 };
const WARNING_WINDOW_DAYS = 120;
const WARNING_SHARE = 0.75;
const WARNING_EXTRA_MEAN = 2.5;
const LATENT_NEED_SUBSCRIBER = 0.3;
const LATENT_NEED_DROPOUT = 0.15;
const LATENT_NEED_WINDOW_DAYS = 365;

const PREFERENCE_SHARE = 0.7;
const DNC_AFTER_COMPLAINT = 0.12;
const DNC_OTHERWISE = 0.05;

/** Exchange rates from the EUR-equivalent model amounts; prices are set per currency below. */
const FX: Record<Country['currency'], number> = { EUR: 1, CHF: 1, GBP: 0.85, USD: 1.1, PLN: 4.3 };

const PLANS = ['basic', 'standard', 'premium'] as const;
type PlanIndex = 0 | 1 | 2;
/** Monthly list prices in minor units (cents) per currency, cheapest plan first. */
const PLAN_PRICES: Record<Country['currency'], readonly [number, number, number]> = {
  EUR: [1900, 4900, 12900],
  CHF: [1900, 4900, 12900],
  GBP: [1700, 4200, 10900],
  USD: [2100, 5400, 13900],
  PLN: [7900, 19900, 52900],
};

const CHANNELS = new Weighted<string>([
  ['web', 35],
  ['advertising', 20],
  ['referral', 15],
  ['partner', 15],
  ['field_sales', 15],
]);
const PLAN_CHOICE = new Weighted<PlanIndex>([
  [0, 45],
  [1, 38],
  [2, 17],
]);
const KEY_ACCOUNT_PLAN_CHOICE = new Weighted<PlanIndex>([
  [1, 40],
  [2, 60],
]);
const REASONS = new Weighted(REASON_MIX.map((r) => [r, r.weight] as const));
const PRICE_REASONS = new Weighted<ReasonCode>([
  ['price', 1],
  ['price.too_expensive', 3],
  ['price.competitor_cheaper', 1],
]);

// ---- Records ----------------------------------------------------------------------------------

export type InteractionType = 'service_call' | 'support_ticket' | 'complaint' | 'usage';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface CustomerRecord {
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  country: string;
  timezone: string;
  acquiredAt: number;
  acquisitionChannel: string;
  team: string;
  employee: string;
  currency: string;
  industry: string | null;
  newsletter: boolean;
}

export interface ContractRecord {
  plan: string;
  startedAt: number;
  endsAt: number | null;
  cancelledAt: number | null;
  cancellationReason: string | null;
  reasonCode: ReasonCode | null;
  /** Minor units. */
  monthlyValue: number;
}

export interface OrderRecord {
  occurredAt: number;
  /** Minor units. */
  amount: number;
  margin: number | null;
  hasExternalId: boolean;
}

export interface InteractionRecord {
  type: InteractionType;
  channel: string;
  occurredAt: number;
  severity: Severity;
  handledBy: string | null;
  summary: string;
}

export interface PreferenceRecord {
  allowedChannels: string;
  maxContacts: number;
  perDays: number;
  preferredEmployee: string | null;
  contactHoursStart: string | null;
  contactHoursEnd: string | null;
  doNotContact: boolean;
  doNotContactAt: number | null;
  doNotContactSource: string | null;
}

export interface SimulatedCustomer {
  customer: CustomerRecord;
  contracts: ContractRecord[];
  orders: OrderRecord[];
  /** Sorted by time. */
  interactions: InteractionRecord[];
  preference: PreferenceRecord | null;
}

export interface HistoryWindow {
  /** First instant of the history (inclusive). */
  start: number;
  /** `asOf`: nothing may happen after it. */
  end: number;
}

/** A departure the interaction model reacts to. */
interface Departure {
  at: number;
  /** Reason family for subscriptions, `shop` for a dropout. */
  theme: string;
  /** When contact after leaving counts as latent need (contract end, or the dropout itself). */
  goneFrom: number;
  latentNeedChance: number;
}

// ---- Simulation -------------------------------------------------------------------------------

export function simulateCustomer(rng: Rng, org: Organisation, window: HistoryWindow): SimulatedCustomer {
  const country = countries.draw(rng);
  const person = drawPerson(rng, country.language);
  const acquisitionChannel = CHANNELS.draw(rng);
  const assisted = acquisitionChannel === 'partner' || acquisitionChannel === 'field_sales';
  const company = chance(rng, assisted ? COMPANY_SHARE_ASSISTED : COMPANY_SHARE_OTHER)
    ? drawCompany(rng, country, person)
    : null;
  const keyAccount = company !== null && chance(rng, KEY_ACCOUNT_SHARE_OF_COMPANIES);
  const subscriber = chance(rng, company ? SUBSCRIPTION_SHARE_COMPANY : SUBSCRIPTION_SHARE_PRIVATE);
  const acquiredAt = drawAcquisition(rng, window);
  const team = serveTeam(rng, country, acquisitionChannel, keyAccount);
  const owner = rng.pick(org.frontlineByTeam.get(team) as readonly Employee[]);

  const customer: CustomerRecord = {
    name: person.name,
    email: chance(rng, 0.95) ? drawEmail(rng, person, company && chance(rng, 0.8) ? company.domain : null) : null,
    phone: chance(rng, 0.85) ? drawPhone(rng, country) : null,
    company: company?.name ?? null,
    country: country.code,
    timezone: rng.pick(country.timeZones),
    acquiredAt,
    acquisitionChannel,
    team,
    employee: owner.code,
    currency: country.currency,
    industry: company?.industry ?? null,
    newsletter: chance(rng, 0.45),
  };

  const contracts: ContractRecord[] = [];
  const orders: OrderRecord[] = [];
  const departures: Departure[] = [];
  const activeSpans = subscriber
    ? simulateSubscription(rng, window, acquiredAt, country, keyAccount, contracts, departures)
    : simulateShop(rng, window, acquiredAt, country, keyAccount, orders, departures);

  const interactions = simulateInteractions(rng, org, window, {
    owner,
    subscriber,
    keyAccount,
    utcOffsetHours: UTC_OFFSET_HOURS[customer.timezone] ?? 1,
    activeSpans,
    departures,
  });
  const preference = chance(rng, PREFERENCE_SHARE)
    ? drawPreference(rng, org, window, owner, acquiredAt, interactions)
    : null;
  return { customer, contracts, orders, interactions, preference };
}

function drawAcquisition(rng: Rng, window: HistoryWindow): number {
  const u = rng.uniform();
  const fraction = chance(rng, 0.5) ? u : Math.sqrt(u);
  return window.start + fraction * (window.end - window.start);
}

const SOUTHERN = new Set(['AT', 'CH', 'IT', 'FR', 'ES']);

function serveTeam(rng: Rng, country: Country, channel: string, keyAccount: boolean): string {
  if (keyAccount) return TEAMS.keyAccounts.code;
  if ((channel === 'web' || channel === 'advertising') && chance(rng, 0.7)) return TEAMS.online.code;
  if (country.code === 'DE') return chance(rng, 0.5) ? TEAMS.north.code : TEAMS.south.code;
  return SOUTHERN.has(country.code) ? TEAMS.south.code : TEAMS.north.code;
}

function addYears(ms: number, years: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate());
}

/**
 * Contracts of one subscriber (see header). Returns the spans during which the customer was a
 * subscriber, for the interaction model.
 */
function simulateSubscription(
  rng: Rng,
  window: HistoryWindow,
  acquiredAt: number,
  country: Country,
  keyAccount: boolean,
  contracts: ContractRecord[],
  departures: Departure[],
): [number, number][] {
  const theta = rng.beta(SBG_A, SBG_B);
  const prices = PLAN_PRICES[country.currency];
  const spans: [number, number][] = [];
  let plan: PlanIndex = (keyAccount ? KEY_ACCOUNT_PLAN_CHOICE : PLAN_CHOICE).draw(rng);
  let startedAt = startOfUtcDay(acquiredAt);
  let spanStart = acquiredAt;

  for (;;) {
    let termEnd = addYears(startedAt, 1);
    let outcome: 'running' | 'cancelled' | 'downgraded' = 'running';
    while (termEnd <= window.end) {
      if (rng.uniform() < theta) {
        outcome = plan > 0 && chance(rng, DOWNGRADE_INSTEAD_OF_CANCEL) ? 'downgraded' : 'cancelled';
        break;
      }
      termEnd = addYears(termEnd, 1);
    }
    const contract: ContractRecord = {
      plan: PLANS[plan],
      startedAt,
      endsAt: null,
      cancelledAt: null,
      cancellationReason: null,
      reasonCode: null,
      monthlyValue: prices[plan],
    };
    contracts.push(contract);
    if (outcome === 'running') {
      spans.push([spanStart, window.end]);
      return spans;
    }

    const reason = outcome === 'downgraded' ? { code: PRICE_REASONS.draw(rng), endsEarly: false } : REASONS.draw(rng);
    const termStart = addYears(termEnd, -1);
    if (reason.endsEarly) {
      contract.cancelledAt = startOfUtcDay(between(rng, Math.max(termStart, startedAt), termEnd - DAY_MS));
      contract.endsAt = Math.min(contract.cancelledAt + 30 * DAY_MS, termEnd);
    } else {
      contract.cancelledAt = termEnd - (14 + rng.int(91)) * DAY_MS;
      contract.endsAt = termEnd;
    }
    contract.cancellationReason = phraseReason(rng, reason.code);
    contract.reasonCode = chance(rng, REASON_CODE_FILLED) ? reason.code : null;

    if (outcome === 'downgraded') {
      // Same relationship goes on on a cheaper plan from the day the old contract ends.
      plan = (plan - 1) as PlanIndex;
      startedAt = contract.endsAt;
      continue;
    }

    spans.push([spanStart, contract.endsAt]);
    departures.push({
      at: contract.cancelledAt,
      theme: reasonFamily(reason.code),
      goneFrom: contract.cancelledAt,
      latentNeedChance: LATENT_NEED_SUBSCRIBER,
    });
    // A closed business does not come back; anyone else may.
    if (reason.code === 'business_closed' || !chance(rng, WINBACK_PROBABILITY)) return spans;
    const returnAt = startOfUtcDay(
      contract.endsAt + (WINBACK_MIN_GAP_DAYS + rng.exponential(1 / WINBACK_MEAN_EXTRA_DAYS)) * DAY_MS,
    );
    if (returnAt > window.end) return spans;
    // Won back: often on a cheaper plan than before.
    if (plan > 0 && chance(rng, 0.4)) plan = (plan - 1) as PlanIndex;
    startedAt = returnAt;
    spanStart = returnAt;
  }
}

/** Casing, punctuation and prefixes vary the way hand-typed CRM fields do. */
function phraseReason(rng: Rng, code: ReasonCode): string {
  if (code === 'unknown' && chance(rng, BLANK_UNKNOWN_REASON)) return '';
  let text = rng.pick(demoReasonPhrases[code]);
  const u = rng.uniform();
  if (u < 0.12) text = text.toLowerCase();
  else if (u < 0.18) text = text.toUpperCase();
  else if (u < 0.26) text = text.charAt(0).toUpperCase() + text.slice(1);
  if (chance(rng, 0.12)) text += rng.pick(['.', '!', ' !!', '...']);
  if (chance(rng, 0.08)) text = rng.pick(REASON_PREFIXES) + text;
  if (chance(rng, 0.03)) text += rng.pick(REASON_NOTES);
  if (chance(rng, 0.04)) text = ` ${text} `;
  return text;
}

/** Shop purchases (BG/NBD) and amounts (gamma–gamma); see header. Returns the active span. */
function simulateShop(
  rng: Rng,
  window: HistoryWindow,
  acquiredAt: number,
  country: Country,
  keyAccount: boolean,
  orders: OrderRecord[],
  departures: Departure[],
): [number, number][] {
  const purchase = keyAccount ? BGNBD_KEY_ACCOUNT : BGNBD;
  const lambdaPerWeek = rng.gamma(purchase.r, 1 / purchase.alpha);
  const dropout = rng.beta(purchase.a, purchase.b);
  const spendRate = rng.gamma(SPEND.q, 1 / SPEND.gamma);
  const spendFactor = FX[country.currency] * (keyAccount ? KEY_ACCOUNT_SPEND_FACTOR : 1);

  const addOrder = (at: number): void => {
    const amount = Math.max(1, Math.round(rng.gamma(SPEND.p, 1 / spendRate) * spendFactor * 100));
    const margin = chance(rng, MARGIN_MISSING) ? null : Math.round(amount * between(rng, 0.25, 0.45));
    orders.push({ occurredAt: at, amount, margin, hasExternalId: !chance(rng, ORDER_ID_MISSING) });
  };

  // The first purchase is the acquisition; in BG/NBD dropout can only follow a repeat purchase.
  addOrder(acquiredAt);
  let t = acquiredAt;
  for (;;) {
    t += rng.exponential(lambdaPerWeek) * WEEK_MS;
    if (t > window.end) return [[acquiredAt, window.end]];
    addOrder(t);
    if (rng.uniform() < dropout) {
      departures.push({ at: t, theme: 'shop', goneFrom: t, latentNeedChance: LATENT_NEED_DROPOUT });
      return [[acquiredAt, t]];
    }
  }
}

const ROUTINE_TYPES_SUBSCRIBER = new Weighted<InteractionType>([
  ['service_call', 30],
  ['support_ticket', 35],
  ['complaint', 8],
  ['usage', 27],
]);
const ROUTINE_TYPES_SHOP = new Weighted<InteractionType>([
  ['service_call', 35],
  ['support_ticket', 35],
  ['complaint', 12],
  ['usage', 18],
]);
const CHANNEL_BY_TYPE: Record<InteractionType, Weighted<string>> = {
  service_call: new Weighted([['phone', 85], ['visit', 15]]),
  support_ticket: new Weighted([['email', 55], ['chat', 40], ['phone', 5]]),
  complaint: new Weighted([['phone', 45], ['email', 40], ['visit', 10], ['chat', 5]]),
  usage: new Weighted([['chat', 40], ['visit', 30], ['email', 30]]),
};
const ROUTINE_SEVERITY = new Weighted<Severity>([['low', 55], ['medium', 35], ['high', 9], ['critical', 1]]);
const WARNING_SEVERITY = new Weighted<Severity>([['low', 15], ['medium', 40], ['high', 33], ['critical', 12]]);

/** Standard-time offsets, close enough to put staff contact into the customer's office hours. */
const UTC_OFFSET_HOURS: Record<string, number> = {
  'Europe/London': 0,
  'America/New_York': -5,
  'America/Chicago': -6,
  'America/Denver': -7,
  'America/Los_Angeles': -8,
};

interface InteractionContext {
  owner: Employee;
  subscriber: boolean;
  keyAccount: boolean;
  utcOffsetHours: number;
  activeSpans: readonly [number, number][];
  departures: readonly Departure[];
}

function simulateInteractions(
  rng: Rng,
  org: Organisation,
  window: HistoryWindow,
  { owner, subscriber, keyAccount, utcOffsetHours, activeSpans, departures }: InteractionContext,
): InteractionRecord[] {
  const interactions: InteractionRecord[] = [];
  /**
   * Staff contact happens between 08:00 and 18:00 local time on the day drawn; usage happens
   * whenever. The move stays within the day and never before `notBefore` or after `asOf`.
   */
  const add = (type: InteractionType, at: number, notBefore: number, severity: Severity, summary: string): void => {
    let occurredAt = at;
    let handledBy: string | null = null;
    if (type !== 'usage') {
      const officeHour = 8 + 10 * rng.uniform() - utcOffsetHours;
      const moved = startOfUtcDay(at + utcOffsetHours * HOUR_MS) + officeHour * HOUR_MS;
      if (moved >= notBefore && moved <= window.end) occurredAt = moved;
      handledBy = chance(rng, 0.7) ? owner.code : rng.pick(org.frontline).code;
    }
    interactions.push({
      type,
      channel: CHANNEL_BY_TYPE[type].draw(rng),
      occurredAt,
      severity: type === 'usage' ? 'low' : severity,
      handledBy,
      summary,
    });
  };

  const perYear = rng.gamma(INTERACTIONS_PER_YEAR.shape, INTERACTIONS_PER_YEAR.scale) * (keyAccount ? 2 : 1);
  const routineTypes = subscriber ? ROUTINE_TYPES_SUBSCRIBER : ROUTINE_TYPES_SHOP;
  for (const [from, to] of activeSpans) {
    const count = rng.poisson((perYear * (to - from)) / YEAR_MS);
    for (let k = 0; k < count; k++) {
      const type = routineTypes.draw(rng);
      add(type, between(rng, from, to), from, ROUTINE_SEVERITY.draw(rng), rng.pick(ROUTINE_SUMMARIES[type]));
    }
  }

  for (const departure of departures) {
    // Warnings only while the customer was one: not in a gap before a win-back.
    let earliest = window.start;
    for (const [from] of activeSpans) if (from <= departure.at) earliest = from;
    if (chance(rng, WARNING_SHARE)) {
      const contacts = warningContacts(departure.theme);
      const count = 1 + rng.poisson(WARNING_EXTRA_MEAN);
      for (let k = 0; k < count; k++) {
        // 1 − √U has density 2(1 − x) on [0, 1]: contacts crowd towards the departure.
        const at = departure.at - (1 - Math.sqrt(rng.uniform())) * WARNING_WINDOW_DAYS * DAY_MS;
        const [type, summary] = rng.pick(contacts);
        const severity = WARNING_SEVERITY.draw(rng);
        if (at >= earliest) add(type, at, earliest, severity, summary);
      }
    }
    if (chance(rng, departure.latentNeedChance)) {
      const until = Math.min(window.end, departure.goneFrom + LATENT_NEED_WINDOW_DAYS * DAY_MS);
      const contacts = LATENT_NEED_CONTACTS[departure.theme === 'shop' ? 'shop' : 'subscription'];
      const count = 1 + rng.poisson(1.5);
      for (let k = 0; k < count; k++) {
        const [type, summary] = rng.pick(contacts);
        add(type, between(rng, departure.goneFrom, until), departure.goneFrom, 'low', summary);
      }
    }
  }
  interactions.sort((x, y) => x.occurredAt - y.occurredAt);
  return interactions;
}

const CONTACT_CHANNEL_CHANCE: readonly (readonly [string, number])[] = [
  ['phone', 0.6],
  ['email', 0.85],
  ['sms', 0.3],
  ['letter', 0.25],
  ['visit', 0.1],
];
const CONTACT_HOURS: readonly (readonly [string, string] | null)[] = [
  ['09:00', '18:00'],
  ['10:00', '16:00'],
  ['08:00', '12:00'],
  ['14:00', '20:00'],
  ['09:00', '17:00'],
  null,
];
const MAX_CONTACTS = new Weighted<number>([[1, 60], [2, 30], [3, 10]]);
const PER_DAYS = new Weighted<number>([[30, 60], [60, 25], [90, 15]]);

function drawPreference(
  rng: Rng,
  org: Organisation,
  window: HistoryWindow,
  owner: Employee,
  acquiredAt: number,
  interactions: readonly InteractionRecord[],
): PreferenceRecord {
  const allowed = CONTACT_CHANNEL_CHANCE.filter(([, p]) => chance(rng, p)).map(([channel]) => channel);
  const hours = rng.pick(CONTACT_HOURS);
  let lastComplaint: number | null = null;
  for (const i of interactions) if (i.type === 'complaint') lastComplaint = i.occurredAt;

  const doNotContact = chance(rng, lastComplaint !== null ? DNC_AFTER_COMPLAINT : DNC_OTHERWISE);
  let doNotContactAt: number | null = null;
  let doNotContactSource: string | null = null;
  if (doNotContact) {
    const becauseOfComplaint = lastComplaint !== null && chance(rng, 0.6);
    doNotContactSource = becauseOfComplaint ? 'complaint' : chance(rng, 0.75) ? 'customer_request' : 'legal';
    const from = becauseOfComplaint ? (lastComplaint as number) : acquiredAt;
    doNotContactAt = startOfUtcDay(between(rng, from, window.end));
  }
  let preferredEmployee: string | null = null;
  if (chance(rng, 0.25)) preferredEmployee = chance(rng, 0.8) ? owner.code : rng.pick(org.agents).code;
  return {
    allowedChannels: allowed.length > 0 ? allowed.join(';') : 'email',
    maxContacts: MAX_CONTACTS.draw(rng),
    perDays: PER_DAYS.draw(rng),
    preferredEmployee,
    contactHoursStart: hours?.[0] ?? null,
    contactHoursEnd: hours?.[1] ?? null,
    doNotContact,
    doNotContactAt,
    doNotContactSource,
  };
}
