/**
 * The offer catalogue: material incentives (discount, account credit, free months, switching bonus) and
 * immaterial gestures (apology, personal advisor, priority service, product fix). Each type has its terms and its
 * cost model; eligibility by segment and reason; the call workspace proposes the eligible offers ranked by the
 * expected value they add for this customer.
 */
import { z } from 'zod';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { OfferKind, OfferType } from '../db/schema-winback.js';

const money = z.object({ amount: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/) });
const months = z.number().int().min(1).max(60);

/** The terms of each offer type (`type` is the discriminant; stored as the offer's type column + terms jsonb). */
export const offerTermsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('discount_percent'), percent: z.number().gt(0).max(100), months }),
  z.object({ type: z.literal('account_credit'), amount: money }),
  z.object({ type: z.literal('free_months'), months }),
  z.object({ type: z.literal('switching_bonus'), amount: money }),
  z.object({ type: z.literal('apology') }),
  z.object({ type: z.literal('personal_advisor'), months, costPerMonth: money }),
  z.object({ type: z.literal('priority_service'), months, costPerMonth: money }),
  z.object({ type: z.literal('product_fix') }),
]);
export type OfferTerms = z.output<typeof offerTermsSchema>;

export function offerKind(terms: OfferTerms): OfferKind {
  switch (terms.type) {
    case 'discount_percent':
    case 'account_credit':
    case 'free_months':
    case 'switching_bonus':
      return 'material';
    case 'apology':
    case 'personal_advisor':
    case 'priority_service':
    case 'product_fix':
      return 'immaterial';
    default: {
      const unreachable: never = terms;
      return unreachable;
    }
  }
}

/** What the customer pays per month (their last contract, else a twelfth of their trailing-year orders). */
export interface CustomerValueBasis {
  monthlyValue: number;
  currency: string | null;
}

/**
 * Cost of the offer to the company for this customer, in minor units of `currency`; null when it cannot be
 * stated in the customer's currency (a fixed amount in another currency).
 */
export function offerCost(terms: OfferTerms, basis: CustomerValueBasis): { amount: number; currency: string | null } | null {
  const inCustomerCurrency = (m: { amount: number; currency: string }) => (basis.currency === null || m.currency === basis.currency ? { amount: m.amount, currency: m.currency } : null);
  switch (terms.type) {
    case 'discount_percent':
      return { amount: Math.round((terms.percent / 100) * basis.monthlyValue * terms.months), currency: basis.currency };
    case 'free_months':
      return { amount: Math.round(basis.monthlyValue * terms.months), currency: basis.currency };
    case 'account_credit':
    case 'switching_bonus':
      return inCustomerCurrency(terms.amount);
    case 'personal_advisor':
    case 'priority_service':
      return inCustomerCurrency({ amount: terms.costPerMonth.amount * terms.months, currency: terms.costPerMonth.currency });
    case 'apology':
    case 'product_fix':
      return { amount: 0, currency: basis.currency };
    default: {
      const unreachable: never = terms;
      return unreachable;
    }
  }
}

export interface Offer {
  id: number;
  code: string;
  name: string;
  kind: OfferKind;
  terms: OfferTerms;
  eligibleSegments: string[] | null;
  eligibleReasons: string[] | null;
  uplift: number;
  active: boolean;
  description: string | null;
}

export function offerFromRow(r: {
  id: number;
  code: string;
  name: string;
  kind: OfferKind;
  type: OfferType;
  terms: Record<string, unknown>;
  eligible_segments: string[] | null;
  eligible_reasons: string[] | null;
  uplift: number;
  active: boolean;
  description: string | null;
}): Offer {
  return {
    id: Number(r.id),
    code: r.code,
    name: r.name,
    kind: r.kind,
    terms: offerTermsSchema.parse({ ...r.terms, type: r.type }),
    eligibleSegments: r.eligible_segments,
    eligibleReasons: r.eligible_reasons,
    uplift: r.uplift,
    active: r.active,
    description: r.description,
  };
}

export async function listOffers(db: Kysely<DB> | Transaction<DB>, activeOnly = false): Promise<Offer[]> {
  let q = db.selectFrom('offers').selectAll().orderBy('kind').orderBy('code');
  if (activeOnly) q = q.where('active', '=', true);
  return (await q.execute()).map(offerFromRow);
}

const reasonMatches = (reason: string | null, eligible: readonly string[]) => reason !== null && eligible.some((e) => reason === e || reason.startsWith(`${e}.`));

export interface OfferProposal {
  offer: Offer;
  eligible: boolean;
  /** Why not eligible (segment, reason, currency, budget). */
  because: string | null;
  cost: number | null;
  currency: string | null;
  /** P(recovery) with the offer made: min(1, p · uplift). */
  pWithOffer: number;
  /** Expected value added over making no offer: pWithOffer·(value − cost) − p·value. */
  addedValue: number | null;
}

/**
 * Every active offer for this customer, eligible ones first by the expected value they add; an offer whose
 * cost would exceed the remaining budget is shown as not eligible, with the reason.
 */
export function proposeOffers(
  offers: readonly Offer[],
  customer: { segment: string | null; reasonCode: string | null; pRecovery: number; valueIfRecovered: number; basis: CustomerValueBasis },
  budget: { remaining: number; currency: string } | null,
): OfferProposal[] {
  const proposals = offers
    .filter((o) => o.active)
    .map((offer): OfferProposal => {
      const pWithOffer = Math.min(1, customer.pRecovery * offer.uplift);
      const cost = offerCost(offer.terms, customer.basis);
      const base = { offer, pWithOffer, cost: cost?.amount ?? null, currency: cost?.currency ?? null };
      const refuse = (because: string): OfferProposal => ({ ...base, eligible: false, because, addedValue: null });
      if (offer.eligibleSegments && !(customer.segment !== null && offer.eligibleSegments.includes(customer.segment))) {
        return refuse(`for ${offer.eligibleSegments.join(', ')} only (customer: ${customer.segment ?? 'no segment'})`);
      }
      if (offer.eligibleReasons && !reasonMatches(customer.reasonCode, offer.eligibleReasons)) {
        return refuse(`for reasons ${offer.eligibleReasons.join(', ')} only (customer: ${customer.reasonCode ?? 'unknown'})`);
      }
      if (!cost) return refuse(`its cost is fixed in another currency than the customer's (${customer.basis.currency})`);
      if (budget && cost.amount > 0 && cost.currency !== null && cost.currency !== budget.currency) {
        return refuse(`the cycle budget is in ${budget.currency}, the offer would cost ${cost.currency}`);
      }
      if (budget && cost.amount > budget.remaining) return refuse(`costs ${cost.amount} but only ${budget.remaining} of the cycle budget is left`);
      const addedValue = Math.round(pWithOffer * (customer.valueIfRecovered - cost.amount) - customer.pRecovery * customer.valueIfRecovered);
      return { ...base, eligible: true, because: null, addedValue };
    });
  return proposals.sort((a, b) => Number(b.eligible) - Number(a.eligible) || (b.addedValue ?? -Infinity) - (a.addedValue ?? -Infinity) || a.offer.code.localeCompare(b.offer.code));
}
