/**
 * Short texts staff write into interaction records, grouped by what is going on: ordinary contact,
 * the run-up to a departure (by reason family, so the story matches the stated cancellation
 * reason), and contact after a customer has left (the "latent need" signal).
 */
export const ROUTINE_SUMMARIES = {
  service_call: [
    'Routine check-in call',
    'Asked about delivery times',
    'Question about the last invoice',
    'Changed billing address',
    'Discussed upgrade options',
    'Rückfrage zur Lieferung',
    'Called about opening hours',
    'Wanted a copy of the contract',
  ],
  support_ticket: [
    'Password reset',
    'How to export a report',
    'Login problem, solved',
    'Question about the app, resolved',
    'Passwort vergessen',
    'Could not download invoice PDF',
    'Asked how to add a second user',
  ],
  complaint: [
    'Late delivery',
    'Damaged item, replacement sent',
    'Hotline waiting time too long',
    'Wrong item delivered',
    'Lieferung unvollständig',
  ],
  usage: [
    'Logged in to the customer portal',
    'Used the mobile app',
    'Visited the store',
    'Opened newsletter, clicked an offer',
    'Downloaded a report',
  ],
} as const;

type StaffContact = 'service_call' | 'support_ticket' | 'complaint';
type Contact<T extends string> = readonly (readonly [T, string])[];

/**
 * What the weeks before a departure look like, by the reason family of the departure (`shop` for a
 * customer who stops buying): the kind of contact and its summary, drawn as a pair so they agree.
 */
export const WARNING_CONTACTS: Record<string, Contact<StaffContact>> = {
  price: [
    ['service_call', 'Asked for a discount'],
    ['service_call', 'Asked about cheaper plans'],
    ['service_call', 'Compared our price with a competitor offer'],
    ['complaint', 'Complained about the price increase'],
    ['support_ticket', 'Preiserhöhung beanstandet'],
  ],
  service: [
    ['complaint', 'Complaint: no answer to three emails'],
    ['complaint', 'Escalation: ticket open for weeks'],
    ['complaint', 'Complaint about rude support agent'],
    ['service_call', 'Unhappy with hotline, wants a manager'],
    ['support_ticket', 'Rückruf nicht erfolgt, Kunde verärgert'],
  ],
  product: [
    ['support_ticket', 'Reported a bug in the export'],
    ['support_ticket', 'Outage: service not reachable'],
    ['support_ticket', 'Feature request: ERP integration'],
    ['complaint', 'Quality problem, third time this quarter'],
    ['complaint', 'Ausfall gemeldet, Kunde verärgert'],
  ],
  billing: [
    ['complaint', 'Invoice wrong, charged twice'],
    ['complaint', 'Disputed direct debit'],
    ['service_call', 'Rechnung fehlerhaft, Korrektur angefordert'],
  ],
  other: [
    ['service_call', 'Asked about cancellation terms'],
    ['support_ticket', 'Asked how to cancel'],
    ['service_call', 'Asked about the notice period'],
    ['service_call', 'Wanted to pause the contract'],
    ['support_ticket', 'Kündigungsfrist erfragt'],
  ],
  shop: [
    ['complaint', 'Complaint about delivery delay'],
    ['complaint', 'Product arrived broken, very annoyed'],
    ['complaint', 'Unhappy with quality of last order'],
    ['support_ticket', 'Returned order, refund requested'],
    ['service_call', 'Asked why prices went up'],
  ],
};

/** The run-up for a reason family without its own story (moved, closed, no longer needed, …). */
export function warningContacts(theme: string): Contact<StaffContact> {
  return WARNING_CONTACTS[theme] ?? (WARNING_CONTACTS['other'] as Contact<StaffContact>);
}

/** Contact after leaving (the "latent need" signal), for former subscribers and lapsed buyers. */
export const LATENT_NEED_CONTACTS: Record<'subscription' | 'shop', Contact<'usage' | 'support_ticket'>> = {
  subscription: [
    ['usage', 'Still logging in after cancellation'],
    ['usage', 'Used the portal after contract end'],
    ['usage', 'Opened newsletter, clicked "new plans"'],
    ['usage', 'Downloaded old reports after cancellation'],
    ['support_ticket', 'Asked whether old data can be restored'],
    ['support_ticket', 'Asked if the old offer is still available'],
    ['support_ticket', 'Wollte wissen, ob Reaktivierung möglich ist'],
  ],
  shop: [
    ['usage', 'Visited the store again'],
    ['usage', 'Browsed the online shop, nothing bought'],
    ['usage', 'Opened newsletter, clicked an offer'],
    ['support_ticket', 'Asked whether a product is back in stock'],
    ['support_ticket', 'Asked about current prices'],
  ],
};

/** Variants staff add to a cancellation reason: a prefix naming the source of the information. */
export const REASON_PREFIXES = ['Kunde: ', 'Customer said: ', 'lt. Telefonat: ', 'per email - ', 'KD sagt '];

/** Occasional second line under a reason, which makes the field multi-line in the CSV. */
export const REASON_NOTES = ['\nwill evtl. später zurück', '\nmaybe back next year', '\n(see ticket)'];
