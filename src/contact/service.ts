/**
 * The one gate every contact passes (DESIGN: nothing else may schedule or record one). A contact that a rule
 * forbids is refused — never merely warned about — and the refusal is written to the contact log with the rule.
 *
 * Callers run the gate inside their own transaction and must let a refusal commit: `gateContact` returns the
 * refusal instead of throwing, the caller ends its transaction normally (keeping the log row and writing
 * nothing else), then throws `refusalError(...)`. `withContactGate` packages that pattern.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/engine.js';
import { parseWith } from '../shared/parse.js';
import type { DB } from '../db/schema.js';
import { ContactError } from './errors.js';
import { contactFacts, insertContactLog, lockCustomerContacts } from './repository.js';
import { describeRefusal, evaluateContact, type ContactDecision, type ContactRefusal } from './rules.js';
import { contactMadeSchema, contactRequestSchema, DEFAULT_CONTACT_POLICY, type ContactPolicy, type ContactMadeInput, type ContactRequest, type ContactRequestInput } from './schemas.js';

export function parseContactRequest(input: ContactRequestInput): ContactRequest {
  return parseWith(contactRequestSchema, input, 'contact', (message, issues) => new ContactError('invalid_request', message, { issues }));
}

/** The decision for a contact, without writing anything (a "may I call now?" question). */
export async function evaluateContactRequest(database: Database | { db: Transaction<DB> }, input: ContactRequestInput, policy: ContactPolicy = DEFAULT_CONTACT_POLICY): Promise<ContactDecision & { message: string | null }> {
  const request = parseContactRequest(input);
  const at = request.at ?? new Date();
  const facts = await contactFacts(database.db, request.customerId, at, policy.perDays);
  if (!facts) throw new ContactError('customer_not_found', `no customer with id ${request.customerId}`);
  const decision = evaluateContact(facts, { channel: request.channel, at, employeeId: request.employeeId, requestedByCustomer: request.requestedByCustomer }, policy);
  return { ...decision, message: decision.allowed ? null : describeRefusal(decision.refusal) };
}

export interface ContactRecord {
  /** Whether the contact reached the customer (an unanswered call does not count towards the frequency). */
  reached?: boolean | null;
  callId?: number | null;
  detail?: string | null;
}

export type GateResult = { allowed: true; logId: number | null } | { allowed: false; refusal: ContactRefusal; message: string; logId: number };

/**
 * Checks a contact under the customer's contact lock and logs it: a refusal always (with its rule); an allowed
 * contact when `action` is 'contact' (it then counts towards the frequency rule). A scheduled contact that is
 * allowed is not logged here: it is logged when it is made.
 */
export async function gateContact(trx: Transaction<DB>, input: ContactRequestInput, policy: ContactPolicy = DEFAULT_CONTACT_POLICY, record: ContactRecord = {}): Promise<GateResult> {
  const request = parseContactRequest(input);
  const at = request.at ?? new Date();
  await lockCustomerContacts(trx, request.customerId);
  const facts = await contactFacts(trx, request.customerId, at, policy.perDays);
  if (!facts) throw new ContactError('customer_not_found', `no customer with id ${request.customerId}`);
  // An unanswered call cannot break the frequency rule (it did not reach anyone) but still needs every other rule.
  const requestedByCustomer = request.requestedByCustomer || (request.action === 'contact' && record.reached === false);
  const decision = evaluateContact(facts, { channel: request.channel, at, employeeId: request.employeeId, requestedByCustomer }, policy);
  const base = { customerId: request.customerId, at, channel: request.channel, action: request.action, employeeId: request.employeeId ?? null, cycleId: request.cycleId ?? null };
  if (!decision.allowed) {
    const message = describeRefusal(decision.refusal);
    const logId = await insertContactLog(trx, { ...base, refusal: decision.refusal, detail: message, reached: null, callId: null });
    return { allowed: false, refusal: decision.refusal, message, logId };
  }
  if (request.action === 'schedule') return { allowed: true, logId: null };
  const logId = await insertContactLog(trx, { ...base, refusal: null, detail: record.detail ?? null, reached: record.reached ?? null, callId: record.callId ?? null });
  return { allowed: true, logId };
}

/**
 * The error a refused contact ends in: the rule's type as `details.rule`, its message for people, and whatever
 * the caller did about the refusal (`extra`, e.g. the released claim of a recovery call).
 */
export function refusalError(refused: { refusal: ContactRefusal; message: string; logId: number }, extra: Record<string, unknown> = {}): ContactError {
  return new ContactError('refused', `contact refused: ${refused.message}`, { ...extra, rule: refused.refusal.type, refusal: refused.refusal, logId: refused.logId });
}

/** What a caller writes when the gate refuses, in the transaction of the refusal's log row; its result joins the error's details. */
export type OnRefused = (trx: Transaction<DB>, refused: { refusal: ContactRefusal; message: string; logId: number }) => Promise<Record<string, unknown> | void>;

/**
 * Runs `work` in a transaction that starts by passing the gate. If the gate refuses, the transaction commits
 * only the refusal's log row — plus what `onRefused` writes about it (a recovery call gives its claim back) — and
 * the refusal is thrown afterwards; otherwise `work` runs with the gate's result.
 */
export async function withContactGate<T>(
  database: Database,
  input: ContactRequestInput,
  policy: ContactPolicy,
  record: ContactRecord,
  work: (trx: Transaction<DB>, gate: { logId: number | null }) => Promise<T>,
  onRefused?: OnRefused,
): Promise<T> {
  const outcome = await database.db.transaction().execute(async (trx) => {
    const gate = await gateContact(trx, input, policy, record);
    if (!gate.allowed) return { ok: false, refused: gate, extra: (await onRefused?.(trx, gate)) ?? {} } as const;
    return { ok: true, value: await work(trx, gate) } as const;
  });
  if (!outcome.ok) throw refusalError(outcome.refused, outcome.extra);
  return outcome.value;
}

/**
 * Records a contact made outside a recovery call (a letter, an email): checked by every rule, and refused and
 * logged if one forbids it, exactly like a call.
 */
export async function recordContact(database: Database, input: ContactMadeInput, policy: ContactPolicy = DEFAULT_CONTACT_POLICY): Promise<{ logId: number }> {
  const { reached, detail, ...request } = parseWith(contactMadeSchema, input, 'contact', (message, issues) => new ContactError('invalid_request', message, { issues }));
  return withContactGate(database, request, policy, { reached, detail }, async (_trx, gate) => ({ logId: gate.logId! }));
}
