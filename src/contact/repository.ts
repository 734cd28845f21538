import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ContactFacts, ContactRefusal } from './rules.js';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * Serialises contacts of one customer (per schema) until the transaction ends, so that two agents cannot both
 * pass the frequency rule with the same free slot.
 */
export async function lockCustomerContacts(trx: Transaction<DB>, customerId: number): Promise<void> {
  // hashint8 folds the bigint id into the lock's int4 key; a collision only makes two customers wait for each other.
  await sql`SELECT pg_advisory_xact_lock(hashtext('winback_contact:' || current_schema()), hashint8(${customerId}::bigint))`.execute(trx);
}

/** The facts the contact rules need; null when the customer does not exist. */
export async function contactFacts(db: Db, customerId: number, at: Date, windowDays: number): Promise<ContactFacts | null> {
  const row = await db
    .selectFrom('customers as c')
    .leftJoin('contact_preferences as p', 'p.customer_id', 'c.id')
    .leftJoin('employees as e', 'e.id', 'p.preferred_employee_id')
    .select([
      'c.timezone',
      'p.allowed_channels',
      'p.max_contacts',
      'p.per_days',
      'p.contact_hours_start',
      'p.contact_hours_end',
      'p.do_not_contact',
      'p.do_not_contact_at',
      'p.do_not_contact_source',
      'p.preferred_employee_id',
      'e.name as preferred_name',
    ])
    .where('c.id', '=', customerId)
    .executeTakeFirst();
  if (!row) return null;
  const days = Math.max(windowDays, row.per_days ?? 0);
  const recent = await db
    .selectFrom('contact_log')
    .select('occurred_at')
    .where('customer_id', '=', customerId)
    .where('allowed', '=', true)
    .where('action', '=', 'contact')
    .where((eb) => eb.or([eb('reached', 'is', null), eb('reached', '=', true)]))
    .where('occurred_at', '>', new Date(at.getTime() - days * 86_400_000))
    .where('occurred_at', '<=', at)
    .orderBy('occurred_at', 'desc')
    .execute();
  return {
    doNotContact: row.do_not_contact ?? false,
    doNotContactAt: row.do_not_contact_at ?? null,
    doNotContactSource: row.do_not_contact_source ?? null,
    allowedChannels: row.allowed_channels ?? null,
    maxContacts: row.max_contacts ?? null,
    perDays: row.per_days ?? null,
    recentContacts: recent.map((r) => r.occurred_at),
    hoursStart: row.contact_hours_start ?? null,
    hoursEnd: row.contact_hours_end ?? null,
    timeZone: row.timezone ?? null,
    preferredEmployee: row.preferred_employee_id ? { id: Number(row.preferred_employee_id), name: row.preferred_name ?? `employee ${row.preferred_employee_id}` } : null,
  };
}

export interface ContactLogEntry {
  customerId: number;
  at: Date;
  channel: string;
  action: 'schedule' | 'contact';
  employeeId: number | null;
  cycleId: number | null;
  refusal: ContactRefusal | null;
  detail: string | null;
  reached: boolean | null;
  callId: number | null;
}

export async function insertContactLog(db: Db, e: ContactLogEntry): Promise<number> {
  const { id } = await db
    .insertInto('contact_log')
    .values({
      customer_id: e.customerId,
      occurred_at: e.at,
      channel: e.channel,
      action: e.action,
      employee_id: e.employeeId,
      cycle_id: e.cycleId,
      allowed: e.refusal === null,
      reached: e.reached,
      rule: e.refusal?.type ?? null,
      detail: e.detail,
      call_id: e.callId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

export async function setDoNotContact(db: Db, customerId: number, at: Date, source: string): Promise<void> {
  await db
    .insertInto('contact_preferences')
    .values({ customer_id: customerId, do_not_contact: true, do_not_contact_at: at, do_not_contact_source: source })
    .onConflict((oc) =>
      oc.column('customer_id').doUpdateSet({
        do_not_contact: true,
        // The first time the wish was learned stays the date of record.
        do_not_contact_at: sql`CASE WHEN contact_preferences.do_not_contact THEN contact_preferences.do_not_contact_at ELSE excluded.do_not_contact_at END`,
        do_not_contact_source: sql`CASE WHEN contact_preferences.do_not_contact THEN contact_preferences.do_not_contact_source ELSE excluded.do_not_contact_source END`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

export interface ContactLogRow {
  id: number;
  occurredAt: Date;
  channel: string;
  action: 'schedule' | 'contact';
  employeeId: number | null;
  cycleId: number | null;
  allowed: boolean;
  reached: boolean | null;
  rule: string | null;
  detail: string | null;
}

export async function contactHistory(db: Db, customerId: number, limit = 100): Promise<ContactLogRow[]> {
  const rows = await db.selectFrom('contact_log').selectAll().where('customer_id', '=', customerId).orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    occurredAt: r.occurred_at,
    channel: r.channel,
    action: r.action,
    employeeId: r.employee_id === null ? null : Number(r.employee_id),
    cycleId: r.cycle_id === null ? null : Number(r.cycle_id),
    allowed: r.allowed,
    reached: r.reached,
    rule: r.rule,
    detail: r.detail,
  }));
}
