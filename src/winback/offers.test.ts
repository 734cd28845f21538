import { describe, expect, it } from 'vitest';
import { offerCost, proposeOffers, type Offer, type OfferTerms } from './offers.js';

const offer = (id: number, code: string, terms: OfferTerms, more: Partial<Offer> = {}): Offer => ({
  id, code, name: code, kind: 'material', terms, eligibleSegments: null, eligibleReasons: null, uplift: 1.5, active: true, description: null, ...more,
});
const catalogue = [
  offer(1, 'apology', { type: 'apology' }, { kind: 'immaterial', uplift: 1.1 }),
  offer(2, 'discount', { type: 'discount_percent', percent: 20, months: 6 }, { eligibleSegments: ['true_friends'], eligibleReasons: ['price'] }),
  offer(3, 'free_month', { type: 'free_months', months: 1 }, { uplift: 1.3 }),
  offer(4, 'usd_bonus', { type: 'switching_bonus', amount: { amount: 5_000, currency: 'USD' } }),
  offer(5, 'gone', { type: 'apology' }, { active: false }),
];
const customer = { segment: 'true_friends', reasonCode: 'price.too_expensive', pRecovery: 0.2, valueIfRecovered: 200_000, basis: { monthlyValue: 10_000, currency: 'EUR' } };
const budget = (remaining: number) => ({ remaining, currency: 'EUR', convert: (amount: number, from: string) => (from === 'EUR' ? amount : null) });

describe('offers proposed in the call workspace', () => {
  it('prices each offer type for the customer', () => {
    expect(offerCost({ type: 'discount_percent', percent: 20, months: 6 }, customer.basis)).toEqual({ amount: 12_000, currency: 'EUR' });
    expect(offerCost({ type: 'personal_advisor', months: 6, costPerMonth: { amount: 2_000, currency: 'EUR' } }, customer.basis)).toEqual({ amount: 12_000, currency: 'EUR' });
    expect(offerCost({ type: 'account_credit', amount: { amount: 5_000, currency: 'GBP' } }, customer.basis)).toBeNull();
  });

  it('ranks the eligible offers by the expected value they add and says why the others are not eligible', () => {
    const proposals = proposeOffers(catalogue, customer, budget(100_000));
    expect(proposals.map((p) => [p.offer.code, p.eligible])).toEqual([
      ['discount', true],
      ['free_month', true],
      ['apology', true],
      ['usd_bonus', false],
    ]);
    // discount: 0.3 · (200,000 − 12,000) − 0.2 · 200,000 = 16,400; free month: 0.26 · 190,000 − 40,000 = 9,400.
    expect(proposals.slice(0, 3).map((p) => p.addedValue)).toEqual([16_400, 9_400, 4_000]);
    expect(proposals[3]!.because).toContain('another currency');
  });

  it('keeps segment and reason eligibility (a code covers its descendants) and the remaining budget', () => {
    const stranger = proposeOffers(catalogue, { ...customer, segment: 'strangers' }, null).find((p) => p.offer.code === 'discount')!;
    expect(stranger).toMatchObject({ eligible: false, because: expect.stringContaining('true_friends') });
    const service = proposeOffers(catalogue, { ...customer, reasonCode: 'service.slow_response' }, null).find((p) => p.offer.code === 'discount')!;
    expect(service).toMatchObject({ eligible: false, because: expect.stringContaining('price') });
    const tight = proposeOffers(catalogue, customer, budget(11_000));
    expect(tight.find((p) => p.offer.code === 'discount')).toMatchObject({ eligible: false, budgetCost: 12_000, because: expect.stringContaining('11000') });
    expect(tight.find((p) => p.offer.code === 'free_month')).toMatchObject({ eligible: true, budgetCost: 10_000 });
    const otherBudget = proposeOffers(catalogue, customer, { remaining: 1e6, currency: 'CHF', convert: () => null });
    expect(otherBudget.find((p) => p.offer.code === 'free_month')).toMatchObject({ eligible: false, because: expect.stringContaining('exchange rate') });
    // A gesture that costs nothing needs no rate.
    expect(otherBudget.find((p) => p.offer.code === 'apology')).toMatchObject({ eligible: true, budgetCost: 0 });
  });
});
