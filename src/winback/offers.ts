/**
 * The offer catalogue: material incentives (discount, account credit, free months, switching bonus) and
 * immaterial gestures (apology, personal advisor, priority service, product fix). Each type has its terms and its
 * cost model; eligibility by segment and reason; the call workspace proposes the eligible offers ranked by the
 * expected value they add for this customer.
 */
import { z } from 'zod';
import { sql, type Kysely, type Transaction } from 'kysely';
import { SEGMENTS } from '../analyse/schemas.js';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import type { OfferKind, OfferType } from '../db/schema-winback.js';
import { WinbackError } from './errors.js';
import { parseInput } from './schemas.js';

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
  /** Cost for this customer, in `currency` (the customer's). */
  cost: number | null;
  currency: string | null;
  /** The same cost in the cycle budget's currency (what accepting it would charge), when there is a budget. */
  budgetCost: number | null;
  /** P(recovery) with the offer made: min(1, p · uplift). */
  pWithOffer: number;
  /** Expected value added over making no offer: pWithOffer·(value − cost) − p·value. */
  addedValue: number | null;
}

/** What is left of a cycle's offer budget, and how an amount of another currency is expressed in it. */
export interface BudgetLeft {
  remaining: number;
  currency: string;
  /** amount (minor units of `from`) in minor units of the budget's currency; null without an exchange rate. */
  convert: (amount: number, from: string) => number | null;
}

/**
 * Every active offer for this customer, eligible ones first by the expected value they add; an offer whose
 * cost would exceed the remaining budget is shown as not eligible, with the reason.
 */
export function proposeOffers(
  offers: readonly Offer[],
  customer: { segment: string | null; reasonCode: string | null; pRecovery: number; valueIfRecovered: number; basis: CustomerValueBasis },
  budget: BudgetLeft | null,
): OfferProposal[] {
  const proposals = offers
    .filter((o) => o.active)
    .map((offer): OfferProposal => {
      const pWithOffer = Math.min(1, customer.pRecovery * offer.uplift);
      const cost = offerCost(offer.terms, customer.basis);
      const budgetCost = !budget || !cost ? null : cost.amount === 0 ? 0 : cost.currency === null ? null : budget.convert(cost.amount, cost.currency);
      const base = { offer, pWithOffer, cost: cost?.amount ?? null, currency: cost?.currency ?? null, budgetCost };
      const refuse = (because: string): OfferProposal => ({ ...base, eligible: false, because, addedValue: null });
      if (offer.eligibleSegments && !(customer.segment !== null && offer.eligibleSegments.includes(customer.segment))) {
        return refuse(`for ${offer.eligibleSegments.join(', ')} only (customer: ${customer.segment ?? 'no segment'})`);
      }
      if (offer.eligibleReasons && !reasonMatches(customer.reasonCode, offer.eligibleReasons)) {
        return refuse(`for reasons ${offer.eligibleReasons.join(', ')} only (customer: ${customer.reasonCode ?? 'unknown'})`);
      }
      if (!cost) return refuse(`its cost is fixed in another currency than the customer's (${customer.basis.currency})`);
      if (budget && budgetCost === null) return refuse(`no exchange rate from ${cost.currency ?? 'an unknown currency'} to the budget's ${budget.currency}`);
      if (budget && budgetCost !== null && budgetCost > budget.remaining) return refuse(`costs ${budgetCost} ${budget.currency} but only ${budget.remaining} of the cycle budget is left`);
      const addedValue = Math.round(pWithOffer * (customer.valueIfRecovered - cost.amount) - customer.pRecovery * customer.valueIfRecovered);
      return { ...base, eligible: true, because: null, addedValue };
    });
  return proposals.sort((a, b) => Number(b.eligible) - Number(a.eligible) || (b.addedValue ?? -Infinity) - (a.addedValue ?? -Infinity) || a.offer.code.localeCompare(b.offer.code));
}

const code = z.string().trim().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ such as free_month');

/** An offer of the catalogue as created (API body, CLI flags). */
export const offerInputSchema = z.object({
  code,
  name: z.string().trim().min(1),
  terms: offerTermsSchema,
  /** Segments the offer is for; null or omitted: any. */
  eligibleSegments: z.array(z.enum(SEGMENTS)).min(1).nullable().default(null),
  /** Reason codes the offer is for (a code covers its descendants); null or omitted: any. */
  eligibleReasons: z.array(z.string().trim().toLowerCase().min(1)).min(1).nullable().default(null),
  /** Factor on P(recovery) when the offer is made — the planner's assumption (1 = no effect). */
  uplift: z.coerce.number().gt(0).max(10).default(1),
  active: z.boolean().default(true),
  description: z.string().trim().nullable().default(null),
});
export type OfferInput = z.input<typeof offerInputSchema>;

/** A change to an offer: any field but its code. Offers are never deleted (calls refer to them): deactivate. */
export const offerUpdateSchema = z
  .object({
    name: z.string().trim().min(1),
    terms: offerTermsSchema,
    eligibleSegments: z.array(z.enum(SEGMENTS)).min(1).nullable(),
    eligibleReasons: z.array(z.string().trim().toLowerCase().min(1)).min(1).nullable(),
    uplift: z.coerce.number().gt(0).max(10),
    active: z.boolean(),
    description: z.string().trim().nullable(),
  })
  .partial();
export type OfferUpdate = z.input<typeof offerUpdateSchema>;

async function checkReasons(db: Kysely<DB> | Transaction<DB>, reasons: string[] | null | undefined): Promise<void> {
  if (!reasons?.length) return;
  const known = new Set((await db.selectFrom('reasons').select('code').where('code', 'in', reasons).execute()).map((r) => r.code));
  const unknown = reasons.filter((r) => !known.has(r));
  if (unknown.length > 0) throw new WinbackError('unknown_reason', `no reason code ${unknown.map((u) => `"${u}"`).join(', ')} in the catalogue`);
}

function offerColumns(o: Partial<z.output<typeof offerInputSchema>>) {
  const { type, ...terms } = o.terms ?? ({} as Partial<OfferTerms>);
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.terms !== undefined ? { type: type!, kind: offerKind(o.terms), terms } : {}),
    ...(o.eligibleSegments !== undefined ? { eligible_segments: o.eligibleSegments } : {}),
    ...(o.eligibleReasons !== undefined ? { eligible_reasons: o.eligibleReasons } : {}),
    ...(o.uplift !== undefined ? { uplift: o.uplift } : {}),
    ...(o.active !== undefined ? { active: o.active } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
  };
}

export async function createOffer(database: Database, input: OfferInput): Promise<Offer> {
  const o = parseInput(offerInputSchema, input, 'offer');
  return database.db.transaction().execute(async (trx) => {
    await checkReasons(trx, o.eligibleReasons);
    const row = await trx
      .insertInto('offers')
      .values({ code: o.code, ...offerColumns(o) } as never)
      .onConflict((oc) => oc.column('code').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new WinbackError('offer_exists', `an offer with code ${o.code} exists already; change it instead`);
    return offerFromRow(row);
  });
}

export async function updateOffer(database: Database, id: number, input: OfferUpdate): Promise<Offer> {
  const o = parseInput(offerUpdateSchema, input, 'offer change');
  return database.db.transaction().execute(async (trx) => {
    await checkReasons(trx, o.eligibleReasons);
    const columns = offerColumns(o);
    const row =
      Object.keys(columns).length === 0
        ? await trx.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst()
        : await trx.updateTable('offers').set({ ...columns, updated_at: sql`now()` } as never).where('id', '=', id).returningAll().executeTakeFirst();
    if (!row) throw new WinbackError('offer_not_found', `no offer with id ${id}`);
    return offerFromRow(row);
  });
}

export async function getOffer(database: Database, id: number): Promise<Offer> {
  const row = await database.db.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new WinbackError('offer_not_found', `no offer with id ${id}`);
  return offerFromRow(row);
}
