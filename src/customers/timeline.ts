/**
 * A customer's timeline: orders, contract starts and cancellations, interactions, contacts (made or refused),
 * recovery calls and state changes merged into one list, newest first, paged by a cursor. Each source is read by
 * its (customer_id, time) index up to one page, so a page costs the same however long the history is.
 *
 * Events at the same instant are ordered by type (the order of TIMELINE_EVENT_TYPES, reversed: newest first) and
 * then id, so paging never loses or repeats an event.
 */
import { sql } from 'kysely';
import type { Database } from '../db/engine.js';
import type { InteractionType, LifecycleState, Severity } from '../db/schema.js';
import { CustomersError } from './errors.js';
import { requireCustomer } from './profile.js';
import { customerIdSchema, parseInput, timelineQuerySchema, type TimelineQueryInput } from './schemas.js';

export const TIMELINE_EVENT_TYPES = ['contract_started', 'order', 'interaction', 'contact', 'recovery_call', 'contract_cancelled', 'state_change'] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

interface Base {
  /** The id of the row in its own table (a contract's two events share it). */
  id: number;
  at: Date;
}
export type TimelineEvent =
  | (Base & { type: 'order'; externalId: string | null; amount: number; margin: number | null; currency: string })
  | (Base & { type: 'contract_started'; externalId: string; plan: string | null; monthlyValue: number; currency: string })
  | (Base & { type: 'contract_cancelled'; externalId: string; plan: string | null; endsAt: string | null; cancellationReason: string | null; reasonCode: string | null })
  | (Base & { type: 'interaction'; interactionType: InteractionType; channel: string | null; severity: Severity | null; handledBy: string | null; summary: string | null })
  | (Base & { type: 'contact'; channel: string; action: 'schedule' | 'contact'; allowed: boolean; reached: boolean | null; rule: string | null; detail: string | null; employee: string | null })
  | (Base & { type: 'recovery_call'; employee: string | null; channel: string; outcome: string; diagnosedReason: string | null; reasonConfirmed: boolean | null; offer: string | null; offerResponse: string | null; customerExplanation: string | null })
  | (Base & { type: 'state_change'; fromState: LifecycleState | null; toState: LifecycleState; rule: string | null; reason: Record<string, unknown>; reasonCode: string | null; valueLost: number | null; currency: string | null });

export interface Timeline {
  customerId: number;
  events: TimelineEvent[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: string | null;
}

interface Position {
  at: string;
  rank: number;
  id: number;
}

function encode(p: Position): string {
  return Buffer.from(JSON.stringify([p.at, p.rank, p.id])).toString('base64url');
}

/** `before` is a cursor of this timeline or a date/time (events strictly before it). */
function decodeBefore(before: string): Position {
  try {
    const v = JSON.parse(Buffer.from(before, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && Number.isSafeInteger(v[1]) && Number.isSafeInteger(v[2])) {
      return { at: v[0], rank: v[1] as number, id: v[2] as number };
    }
  } catch {
    /* not a cursor: a date? */
  }
  const d = new Date(before);
  if (Number.isFinite(d.getTime()) && /^\d{4}-\d{2}-\d{2}/.test(before)) return { at: d.toISOString(), rank: -1, id: 0 };
  throw new CustomersError('invalid_cursor', 'invalid `before`: pass the `next` value of the previous page, or a date such as 2025-01-31');
}

const rankOf = (t: TimelineEventType) => TIMELINE_EVENT_TYPES.indexOf(t);
const ISO = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** One page of a customer's timeline (GET /api/v1/customers/:id/timeline). */
export async function customerTimeline(database: Database, idInput: number | string, input: TimelineQueryInput = {}): Promise<Timeline> {
  const { id } = parseInput(customerIdSchema, { id: idInput }, 'customer id');
  const q = parseInput(timelineQuerySchema, input, 'timeline query');
  await requireCustomer(database.db, id);
  const before = q.before === undefined ? null : decodeBefore(q.before);
  const n = q.limit + 1;
  // Each source: rows strictly before the position in (time, type rank, id) order, newest first, one page at most.
  // A date as `before` (rank −1) excludes everything at that instant.
  const part = (type: TimelineEventType, table: string, time: string, data: ReturnType<typeof sql>, extra = sql`TRUE`) => {
    const rank = rankOf(type);
    const t = sql.ref(`x.${time}`);
    const after = before
      ? before.rank < 0
        ? sql`${t} < ${before.at}::timestamptz`
        : sql`${t} <= ${before.at}::timestamptz AND (${t}, ${rank}::int, x.id) < (${before.at}::timestamptz, ${before.rank}::int, ${before.id}::bigint)`
      : sql`TRUE`;
    return sql`(SELECT ${type}::text AS type, ${rank}::int AS rank, x.id, ${t} AS at, ${ISO(`x.${time}`)} AS at_text, ${data} AS data
                FROM ${sql.table(table)} x WHERE x.customer_id = ${id} AND ${extra} AND ${after}
                ORDER BY ${t} DESC, x.id DESC LIMIT ${n})`;
  };
  const parts = [
    part('order', 'orders', 'occurred_at', sql`jsonb_build_object('externalId', x.external_id, 'amount', x.amount, 'margin', x.margin, 'currency', x.currency)`),
    part('contract_started', 'contracts', 'started_at', sql`jsonb_build_object('externalId', x.external_id, 'plan', x.plan, 'monthlyValue', x.monthly_value, 'currency', x.currency)`),
    part(
      'contract_cancelled',
      'contracts',
      'cancelled_at',
      sql`jsonb_build_object('externalId', x.external_id, 'plan', x.plan, 'endsAt', ${ISO('x.ends_at')}, 'cancellationReason', x.cancellation_reason,
                             'reasonCode', (SELECT coalesce(r.verified_code, r.mapped_code) FROM contract_reasons r WHERE r.contract_id = x.id))`,
      sql`x.cancelled_at IS NOT NULL`,
    ),
    part(
      'interaction',
      'interactions',
      'occurred_at',
      sql`jsonb_build_object('interactionType', x.type, 'channel', x.channel, 'severity', x.severity, 'summary', x.summary,
                             'handledBy', (SELECT e.code FROM employees e WHERE e.id = x.handled_by))`,
    ),
    part(
      'contact',
      'contact_log',
      'occurred_at',
      sql`jsonb_build_object('channel', x.channel, 'action', x.action, 'allowed', x.allowed, 'reached', x.reached, 'rule', x.rule, 'detail', x.detail,
                             'employee', (SELECT e.code FROM employees e WHERE e.id = x.employee_id))`,
    ),
    part(
      'recovery_call',
      'recovery_calls',
      'occurred_at',
      sql`jsonb_build_object('channel', x.channel, 'outcome', x.outcome, 'diagnosedReason', x.diagnosed_reason, 'reasonConfirmed', x.reason_confirmed,
                             'offerResponse', x.offer_response, 'customerExplanation', x.customer_explanation,
                             'employee', (SELECT e.code FROM employees e WHERE e.id = x.employee_id),
                             'offer', (SELECT o.code FROM offers o WHERE o.id = x.offer_id))`,
    ),
    part(
      'state_change',
      'state_transitions',
      'effective_at',
      sql`jsonb_build_object('fromState', x.from_state, 'toState', x.to_state, 'rule', x.reason->>'rule', 'reason', x.reason, 'reasonCode', x.reason_code,
                             'valueLost', x.value_lost, 'currency', x.currency)`,
    ),
  ];
  const { rows } = await sql<{ type: TimelineEventType; rank: number; id: number; at: Date; at_text: string; data: Record<string, unknown> }>`
    SELECT * FROM (${sql.join(parts, sql` UNION ALL `)}) u ORDER BY u.at DESC, u.rank DESC, u.id DESC LIMIT ${n}`.execute(database.db);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    customerId: id,
    events: page.map((r) => toEvent(r.type, Number(r.id), r.at, r.data)),
    next: rows.length > q.limit && last ? encode({ at: last.at_text, rank: Number(last.rank), id: Number(last.id) }) : null,
  };
}

const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);

function toEvent(type: TimelineEventType, id: number, at: Date, data: Record<string, unknown>): TimelineEvent {
  // Amounts come back from jsonb as numbers; currencies are char(3) and codes text.
  const d = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, k === 'currency' ? trimmed(v) : v]));
  return { type, id, at, ...d } as TimelineEvent;
}
