/**
 * An offer's terms in words, for the CLI and the web page alike (the web imports this file: keep it free of
 * imports other than types). Amounts are written by the caller's `money` (minor units of their currency).
 */
import type { OfferTerms } from './offers.js';

export function describeTerms(t: OfferTerms, money: (minor: number, currency: string) => string): string {
  switch (t.type) {
    case 'discount_percent':
      return `${t.percent}% off for ${t.months} months`;
    case 'account_credit':
      return `credit ${money(t.amount.amount, t.amount.currency)}`;
    case 'free_months':
      return `${t.months} month${t.months === 1 ? '' : 's'} free`;
    case 'switching_bonus':
      return `bonus ${money(t.amount.amount, t.amount.currency)}`;
    case 'apology':
      return 'apology';
    case 'personal_advisor':
      return `personal advisor, ${t.months} months at ${money(t.costPerMonth.amount, t.costPerMonth.currency)}`;
    case 'priority_service':
      return `priority service, ${t.months} months at ${money(t.costPerMonth.amount, t.costPerMonth.currency)}`;
    case 'product_fix':
      return 'fix of the product problem';
    default: {
      const unreachable: never = t;
      return unreachable;
    }
  }
}
