/**
 * The SQL of step 3. Every report starts from the same set of losses (`lossesCte`): transitions to lost or
 * sleeping in a period, each with its effective reason, read per customer (contracts, contract_reasons and
 * recovery_calls through their customer_id indexes). Aggregation happens in SQL; what reaches Node grows with
 * reasons × currencies (× periods), not with customers — except the feedback list, which is one team's.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { wholeDays } from '../db/summaries.js';
import { rowsWithSettings, type LocalSettings } from '../db/settings.js';
import type { RootCauseStatus } from '../db/schema-causes.js';
import type { LossState, TrendPeriod } from './schemas.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface LossFilter {
  from: Date;
  to: Date;
  state?: LossState | undefined;
  teamId?: number | undefined;
  employeeId?: number | undefined;
  /** Effective reason codes to keep (a code and its descendants, resolved from the catalogue). */
  reasonCodes?: string[] | undefined;
  /** Roll codes up to this level of the hierarchy; undefined: the full code. */
  level?: number | undefined;
}

/** Where the effective reason of a loss came from. */
export type ReasonSource = 'verified' | 'call' | 'mapped' | 'import' | 'none';

/**
 * A recovery call `rc` belongs to the loss `t` when it took place at or after the loss and before the customer's
 * next loss (a customer won back and lost again has two losses, each with its own calls).
 */
const callOfLoss = (rc: string, t: string) => sql`
  ${sql.ref(`${rc}.customer_id`)} = ${sql.ref(`${t}.customer_id`)} AND ${sql.ref(`${rc}.occurred_at`)} >= ${sql.ref(`${t}.effective_at`)}
  AND NOT EXISTS (
    SELECT 1 FROM state_transitions n
    WHERE n.customer_id = ${sql.ref(`${t}.customer_id`)} AND n.to_state IN ('lost', 'sleeping')
      AND n.effective_at > ${sql.ref(`${t}.effective_at`)} AND n.effective_at <= ${sql.ref(`${rc}.occurred_at`)})`;

/**
 * The losses of a period, one row per transition to lost or sleeping, with the effective reason:
 * 1. the verified code of the contract that ended (a recovery call verified it — contract_reasons.verified_code);
 * 2. else the reason a recovery call after the loss diagnosed and the customer confirmed (the latest such call;
 *    this is how order customers, who have no contract, get a reason);
 * 3. else the mapped code of the contract that ended (src/analyse mapping rules);
 * 4. else the code the transition recorded from the import; else 'unknown'.
 * The contract that ended is the customer's contract whose end (ends_at, else cancelled_at) is the loss's
 * effective date — the last contract of the relationship (src/identify); with several, a verified one first.
 * `group_code` is the effective code rolled up to the requested level.
 *
 * The rows come from loss_facts, where the triggers of migration 0012 keep each loss with its effective reason
 * (winback_losses_of, the SQL of the rules above), recomputed for a customer in the transaction that changes
 * their transitions, contracts, contract reasons or recovery calls: deriving it here took three index probes per
 * loss (2–3 s for a year of a million customers). `days`: leave out the single-loss customers' losses of these
 * whole days, which the caller counts from loss_days.
 */
export function lossesCte(f: LossFilter, days?: { lo: Date; hi: Date } | null): RawBuilder<unknown> {
  const groupCode = f.level === undefined ? sql`e.code` : sql`array_to_string((string_to_array(e.code, '.'))[1:${f.level}::int], '.')`;
  return sql`
    SELECT e.*, ${groupCode} AS group_code
    FROM (
      SELECT t.customer_id, t.transition_id, t.to_state, t.effective_at, t.currency, coalesce(t.value_lost, 0)::bigint AS value_lost,
             t.contract_id, t.mapping, t.mapped_code, t.verified_code, t.original_text, t.confirmed_code, t.code, t.source
      FROM loss_facts t
      WHERE t.effective_at >= ${f.from}::timestamptz AND t.effective_at < ${f.to}::timestamptz
        ${f.state ? sql`AND t.to_state = ${f.state}` : sql``}
        ${customerFilter(f)}
        ${days ? sql`AND (t.multi OR t.effective_at < ${days.lo}::timestamptz OR t.effective_at >= ${days.hi}::timestamptz)` : sql``}
    ) e
    ${f.reasonCodes ? sql`WHERE e.code = ANY(${f.reasonCodes}::text[])` : sql``}`;
}

function customerFilter(f: LossFilter): RawBuilder<unknown> {
  return f.teamId !== undefined || f.employeeId !== undefined
    ? sql`AND EXISTS (SELECT 1 FROM customers cu WHERE cu.id = t.customer_id
            ${f.teamId !== undefined ? sql`AND cu.team_id = ${f.teamId}::bigint` : sql``}
            ${f.employeeId !== undefined ? sql`AND cu.employee_id = ${f.employeeId}::bigint` : sql``})`
    : sql``;
}

/**
 * The losses of a period for counting: one by one from loss_facts (`customer_id` set, `losses` null) and, unless a
 * team or employee filter needs each customer, the single-loss customers' losses of the whole days from loss_days
 * (`customer_id` null, `losses` their number, values summed). Customers = count(DISTINCT customer_id) +
 * sum(losses): the two sets of customers are disjoint (src/db/summaries.ts).
 */
function countedLosses(f: LossFilter): RawBuilder<unknown> {
  const days = f.teamId === undefined && f.employeeId === undefined ? wholeDays(f.from, f.to) : null;
  const groupCode = f.level === undefined ? sql`d.code` : sql`array_to_string((string_to_array(d.code, '.'))[1:${f.level}::int], '.')`;
  return sql`
    SELECT customer_id, NULL::bigint AS losses, to_state, effective_at, currency, value_lost, group_code FROM (${lossesCte(f, days)}) l
    ${
      days
        ? sql`UNION ALL
    SELECT NULL, d.losses, d.to_state, d.day::timestamp AT TIME ZONE 'UTC', d.currency, d.value_lost, ${groupCode}
    FROM loss_days d
    WHERE d.day >= ${days.lo}::date AND d.day < ${days.hi}::date
      ${f.state ? sql`AND d.to_state = ${f.state}` : sql``}
      ${f.reasonCodes ? sql`AND d.code = ANY(${f.reasonCodes}::text[])` : sql``}`
        : sql``
    }`;
}

/**
 * The aggregates count distinct customers per reason and currency (and per period): sorts of a year of a million
 * customers' losses, which spilled to disk in PostgreSQL's default 4 MB. No parallel workers: two reports of one page
 * run side by side on the pool already.
 */
const REPORT_SETTINGS: LocalSettings = { work_mem: '32MB', max_parallel_workers_per_gather: 0 };

export interface LossAggregate {
  /** The (rolled-up) reason; null in a total row. */
  code: string | null;
  currency: string | null;
  /** True when the row is grouped by reason / by currency (false: summed over all of them). */
  byCode: boolean;
  byCurrency: boolean;
  /** Losses (a customer lost, won back and lost again counts twice). */
  losses: number;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  lostValue: number;
  sleepingValue: number;
}

/**
 * Distinct customers and value lost per (reason, currency), per reason, per currency and in total — one
 * statement with grouping sets, so customer counts are distinct at every level (never summed across rows).
 */
export async function lossAggregates(db: Db, f: LossFilter): Promise<LossAggregate[]> {
  const statement = sql<{
    code: string | null;
    currency: string | null;
    g_code: number;
    g_currency: number;
    losses: number;
    customers: number;
    lost_customers: number;
    sleeping_customers: number;
    lost_value: number | null;
    sleeping_value: number | null;
  }>`
    WITH losses AS (${countedLosses(f)})
    SELECT group_code AS code, currency, GROUPING(group_code) AS g_code, GROUPING(currency) AS g_currency,
           count(customer_id) + coalesce(sum(losses), 0) AS losses,
           count(DISTINCT customer_id) + coalesce(sum(losses), 0) AS customers,
           count(DISTINCT customer_id) FILTER (WHERE to_state = 'lost') + coalesce(sum(losses) FILTER (WHERE to_state = 'lost'), 0) AS lost_customers,
           count(DISTINCT customer_id) FILTER (WHERE to_state = 'sleeping') + coalesce(sum(losses) FILTER (WHERE to_state = 'sleeping'), 0) AS sleeping_customers,
           coalesce(sum(value_lost) FILTER (WHERE to_state = 'lost'), 0)::bigint AS lost_value,
           coalesce(sum(value_lost) FILTER (WHERE to_state = 'sleeping'), 0)::bigint AS sleeping_value
    FROM losses
    GROUP BY GROUPING SETS ((group_code, currency), (group_code), (currency), ())`;
  const rows = await rowsWithSettings(db, REPORT_SETTINGS, statement);
  return rows.map((r) => ({
    code: Number(r.g_code) === 0 ? r.code : null,
    currency: Number(r.g_currency) === 0 && r.currency !== null ? r.currency.trim() : null,
    byCode: Number(r.g_code) === 0,
    byCurrency: Number(r.g_currency) === 0,
    losses: Number(r.losses),
    customers: Number(r.customers),
    lostCustomers: Number(r.lost_customers),
    sleepingCustomers: Number(r.sleeping_customers),
    lostValue: Number(r.lost_value ?? 0),
    sleepingValue: Number(r.sleeping_value ?? 0),
  }));
}

export interface TrendRow {
  period: string;
  start: Date;
  code: string;
  currency: string | null;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  value: number;
}

/**
 * Per period (UTC month or quarter) and (rolled-up) reason and currency: distinct customers and value lost.
 * Every period of [from, to) appears for every reason and currency that has a loss in any of them (zeros
 * included), so the rows draw a chart as they are.
 */
export async function trendRows(db: Db, f: LossFilter & { by: TrendPeriod }): Promise<TrendRow[]> {
  const step = f.by === 'month' ? sql`interval '1 month'` : sql`interval '3 months'`;
  const label = f.by === 'month' ? 'YYYY-MM' : 'YYYY-"Q"Q';
  const statement = sql<{
    period: string;
    start: Date;
    code: string;
    currency: string | null;
    customers: number;
    lost_customers: number;
    sleeping_customers: number;
    value: number;
  }>`
    WITH losses AS (${countedLosses(f)}),
    agg AS (
      SELECT date_trunc(${f.by}, effective_at AT TIME ZONE 'UTC') AS bucket, group_code AS code, currency,
             count(DISTINCT customer_id) + coalesce(sum(losses), 0) AS customers,
             count(DISTINCT customer_id) FILTER (WHERE to_state = 'lost') + coalesce(sum(losses) FILTER (WHERE to_state = 'lost'), 0) AS lost_customers,
             count(DISTINCT customer_id) FILTER (WHERE to_state = 'sleeping') + coalesce(sum(losses) FILTER (WHERE to_state = 'sleeping'), 0) AS sleeping_customers,
             sum(value_lost)::bigint AS value
      FROM losses GROUP BY 1, 2, 3
    ),
    periods AS (
      SELECT generate_series(date_trunc(${f.by}, ${f.from}::timestamptz AT TIME ZONE 'UTC'),
                             (${f.to}::timestamptz AT TIME ZONE 'UTC') - interval '1 microsecond', ${step}) AS bucket
    ),
    combos AS (SELECT DISTINCT code, currency FROM agg)
    SELECT to_char(p.bucket, ${label}) AS period, p.bucket AT TIME ZONE 'UTC' AS start, c.code, c.currency,
           coalesce(a.customers, 0) AS customers, coalesce(a.lost_customers, 0) AS lost_customers,
           coalesce(a.sleeping_customers, 0) AS sleeping_customers, coalesce(a.value, 0)::bigint AS value
    FROM periods p CROSS JOIN combos c
    LEFT JOIN agg a ON a.bucket = p.bucket AND a.code = c.code AND a.currency IS NOT DISTINCT FROM c.currency
    ORDER BY p.bucket, c.currency NULLS LAST, c.code`;
  const rows = await rowsWithSettings(db, REPORT_SETTINGS, statement);
  return rows.map((r) => ({
    period: r.period,
    start: r.start,
    code: r.code,
    currency: r.currency === null ? null : r.currency.trim(),
    customers: Number(r.customers),
    lostCustomers: Number(r.lost_customers),
    sleepingCustomers: Number(r.sleeping_customers),
    value: Number(r.value),
  }));
}

export interface FeedbackLossRow {
  customerId: number;
  externalId: string;
  name: string | null;
  company: string | null;
  servedBy: { code: string; name: string } | null;
  state: LossState;
  lostAt: Date;
  currency: string | null;
  valueLost: number;
  code: string;
  groupCode: string;
  source: ReasonSource;
  contractId: number | null;
  /** How the contract's reason was mapped (src/analyse): given in the import, by a rule, or nothing matched. */
  mapping: 'import' | 'rule' | 'none' | null;
  mappedCode: string | null;
  verifiedCode: string | null;
  originalText: string | null;
  /** The latest recovery call that belongs to this loss. */
  call: {
    occurredAt: Date;
    by: { code: string; name: string };
    explanation: string | null;
    diagnosedReason: string | null;
    reasonConfirmed: boolean | null;
    outcome: string;
  } | null;
}

/** The losses of the filter one by one (a team's or an employee's), newest first, with the latest call of each. */
/** A page of the losses of `f`, most recent first, with the customer, who served them and the latest recovery call. */
export async function feedbackLosses(db: Db, f: LossFilter, page: { limit: number; offset: number }): Promise<FeedbackLossRow[]> {
  const { rows } = await sql<{
    customer_id: number;
    external_id: string;
    name: string | null;
    company: string | null;
    served_code: string | null;
    served_name: string | null;
    to_state: LossState;
    effective_at: Date;
    currency: string | null;
    value_lost: number;
    code: string;
    group_code: string;
    source: ReasonSource;
    contract_id: number | null;
    mapping: 'import' | 'rule' | 'none' | null;
    mapped_code: string | null;
    verified_code: string | null;
    original_text: string | null;
    call_at: Date | null;
    caller_code: string | null;
    caller_name: string | null;
    customer_explanation: string | null;
    diagnosed_reason: string | null;
    reason_confirmed: boolean | null;
    outcome: string | null;
  }>`
    WITH losses AS (
      SELECT * FROM (${lossesCte(f)}) a ORDER BY a.effective_at DESC, a.customer_id, a.transition_id LIMIT ${page.limit} OFFSET ${page.offset}
    )
    SELECT l.*, cu.external_id, cu.name, cu.company, se.code AS served_code, se.name AS served_name,
           lc.occurred_at AS call_at, lc.caller_code, lc.caller_name, lc.customer_explanation, lc.diagnosed_reason,
           lc.reason_confirmed, lc.outcome
    FROM losses l
    JOIN customers cu ON cu.id = l.customer_id
    LEFT JOIN employees se ON se.id = cu.employee_id
    LEFT JOIN LATERAL (
      SELECT rc.occurred_at, ce.code AS caller_code, ce.name AS caller_name, rc.customer_explanation, rc.diagnosed_reason,
             rc.reason_confirmed, rc.outcome
      FROM recovery_calls rc JOIN employees ce ON ce.id = rc.employee_id
      WHERE ${callOfLoss('rc', 'l')}
      ORDER BY rc.occurred_at DESC, rc.id DESC
      LIMIT 1
    ) lc ON true
    ORDER BY l.effective_at DESC, l.customer_id, l.transition_id`.execute(db);
  return rows.map((r) => ({
    customerId: Number(r.customer_id),
    externalId: r.external_id,
    name: r.name,
    company: r.company,
    servedBy: r.served_code === null ? null : { code: r.served_code, name: r.served_name! },
    state: r.to_state,
    lostAt: r.effective_at,
    currency: r.currency === null ? null : r.currency.trim(),
    valueLost: Number(r.value_lost),
    code: r.code,
    groupCode: r.group_code,
    source: r.source,
    contractId: r.contract_id === null ? null : Number(r.contract_id),
    mapping: r.mapping,
    mappedCode: r.mapped_code,
    verifiedCode: r.verified_code,
    originalText: r.original_text,
    call:
      r.call_at === null
        ? null
        : {
            occurredAt: r.call_at,
            by: { code: r.caller_code!, name: r.caller_name! },
            explanation: r.customer_explanation,
            diagnosedReason: r.diagnosed_reason,
            reasonConfirmed: r.reason_confirmed,
            outcome: r.outcome!,
          },
  }));
}

// ---- Reference look-ups (small catalogues)

export async function reasonCatalogue(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('reasons').select(['code', 'label']).execute();
  return new Map(rows.map((r) => [r.code, r.label]));
}

export async function teamByCode(db: Db, code: string): Promise<{ id: number; code: string; name: string } | undefined> {
  return db.selectFrom('teams').select(['id', 'code', 'name']).where('code', '=', code).executeTakeFirst();
}

export async function employeesByCode(db: Db, codes: readonly string[]): Promise<{ id: number; code: string; name: string; teamId: number | null }[]> {
  if (codes.length === 0) return [];
  const rows = await db.selectFrom('employees').select(['id', 'code', 'name', 'team_id']).where('code', 'in', [...codes]).execute();
  return rows.map((r) => ({ id: Number(r.id), code: r.code, name: r.name, teamId: r.team_id === null ? null : Number(r.team_id) }));
}

export async function customersByExternalId(db: Db, externalIds: readonly string[]): Promise<{ id: number; externalId: string }[]> {
  if (externalIds.length === 0) return [];
  const rows = await db.selectFrom('customers').select(['id', 'external_id']).where('external_id', 'in', [...externalIds]).execute();
  return rows.map((r) => ({ id: Number(r.id), externalId: r.external_id }));
}

// ---- Root-cause items

export interface ItemRow {
  id: number;
  title: string;
  description: string | null;
  status: RootCauseStatus;
  owner: { code: string; name: string } | null;
  statusChangedAt: Date;
  resolvedAt: Date | null;
  createdBy: { code: string; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
  reasons: string[];
  customerCount: number;
}

export interface ItemFilter {
  ids?: number[];
  statuses?: readonly RootCauseStatus[];
  ownerId?: number;
  customerId?: number;
  /** Items linked to any of these codes. */
  reasonCodes?: string[];
}

/** Items with their owner, reason codes and number of linked customers, newest first. */
export async function selectItems(db: Db, f: ItemFilter = {}): Promise<ItemRow[]> {
  let query = db
    .selectFrom('root_cause_items as i')
    .leftJoin('employees as o', 'o.id', 'i.owner_id')
    .leftJoin('employees as cb', 'cb.id', 'i.created_by')
    .select([
      'i.id',
      'i.title',
      'i.description',
      'i.status',
      'i.status_changed_at',
      'i.resolved_at',
      'i.created_at',
      'i.updated_at',
      'o.code as owner_code',
      'o.name as owner_name',
      'cb.code as created_by_code',
      'cb.name as created_by_name',
      sql<string[]>`coalesce((SELECT array_agg(r.reason_code ORDER BY r.reason_code) FROM root_cause_item_reasons r WHERE r.item_id = i.id), '{}')`.as('reasons'),
      sql<number>`(SELECT count(*) FROM root_cause_item_customers c WHERE c.item_id = i.id)`.as('customer_count'),
    ]);
  if (f.ids) query = query.where('i.id', 'in', f.ids.length > 0 ? f.ids : [0]);
  if (f.statuses) query = query.where('i.status', 'in', [...f.statuses]);
  if (f.ownerId !== undefined) query = query.where('i.owner_id', '=', f.ownerId);
  if (f.customerId !== undefined) {
    const customerId = f.customerId;
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('root_cause_item_customers as c').select('c.item_id').whereRef('c.item_id', '=', 'i.id').where('c.customer_id', '=', customerId)),
    );
  }
  if (f.reasonCodes) {
    const codes = f.reasonCodes.length > 0 ? f.reasonCodes : [''];
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('root_cause_item_reasons as r').select('r.item_id').whereRef('r.item_id', '=', 'i.id').where('r.reason_code', 'in', codes)),
    );
  }
  const rows = await query.orderBy('i.id', 'desc').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    title: r.title,
    description: r.description,
    status: r.status,
    owner: r.owner_code === null ? null : { code: r.owner_code, name: r.owner_name! },
    statusChangedAt: r.status_changed_at,
    resolvedAt: r.resolved_at,
    createdBy: r.created_by_code === null ? null : { code: r.created_by_code, name: r.created_by_name! },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    reasons: r.reasons,
    customerCount: Number(r.customer_count),
  }));
}

/** Locks an item for a change and returns its status (undefined: no such item). */
export async function lockItem(trx: Transaction<DB>, id: number): Promise<{ status: RootCauseStatus } | undefined> {
  return trx.selectFrom('root_cause_items').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
}

const isResolved = (s: RootCauseStatus) => s === 'fixed' || s === 'wont_fix';

export async function insertItem(
  trx: Transaction<DB>,
  v: { title: string; description: string | null; ownerId: number | null; status: RootCauseStatus; createdBy: number | null; note: string | null },
): Promise<number> {
  const { id } = await trx
    .insertInto('root_cause_items')
    .values({
      title: v.title,
      description: v.description,
      owner_id: v.ownerId,
      status: v.status,
      resolved_at: isResolved(v.status) ? sql<Date>`now()` : null,
      created_by: v.createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('root_cause_item_history').values({ item_id: id, from_status: null, to_status: v.status, changed_by: v.createdBy, note: v.note }).execute();
  return Number(id);
}

export async function updateItemRow(
  trx: Transaction<DB>,
  id: number,
  from: RootCauseStatus,
  v: { title?: string; description?: string | null; ownerId?: number | null; status?: RootCauseStatus; by: number | null; note: string | null },
): Promise<void> {
  const statusChanges = v.status !== undefined && v.status !== from;
  await trx
    .updateTable('root_cause_items')
    .set({
      ...(v.title !== undefined ? { title: v.title } : {}),
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(v.ownerId !== undefined ? { owner_id: v.ownerId } : {}),
      ...(statusChanges ? { status: v.status!, status_changed_at: sql<Date>`now()`, resolved_at: isResolved(v.status!) ? sql<Date>`now()` : null } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
  if (statusChanges) {
    await trx.insertInto('root_cause_item_history').values({ item_id: id, from_status: from, to_status: v.status!, changed_by: v.by, note: v.note }).execute();
  }
}

export async function deleteItemRow(trx: Transaction<DB>, id: number): Promise<void> {
  // Links and history go with the item (ON DELETE CASCADE).
  await trx.deleteFrom('root_cause_items').where('id', '=', id).execute();
}

/** Adds links (existing ones are kept); returns how many were new. */
export async function linkItem(trx: Transaction<DB>, id: number, reasonCodes: string[], customerIds: number[]): Promise<{ reasons: number; customers: number }> {
  const reasons =
    reasonCodes.length === 0
      ? []
      : await trx
          .insertInto('root_cause_item_reasons')
          .values(reasonCodes.map((reason_code) => ({ item_id: id, reason_code })))
          .onConflict((oc) => oc.doNothing())
          .returning('reason_code')
          .execute();
  const customers =
    customerIds.length === 0
      ? []
      : await trx
          .insertInto('root_cause_item_customers')
          .values(customerIds.map((customer_id) => ({ item_id: id, customer_id })))
          .onConflict((oc) => oc.doNothing())
          .returning('customer_id')
          .execute();
  if (reasons.length + customers.length > 0) await trx.updateTable('root_cause_items').set({ updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  return { reasons: reasons.length, customers: customers.length };
}

/** Removes links; returns how many existed. */
export async function unlinkItem(trx: Transaction<DB>, id: number, reasonCodes: string[], customerIds: number[]): Promise<{ reasons: number; customers: number }> {
  const reasons =
    reasonCodes.length === 0
      ? []
      : await trx.deleteFrom('root_cause_item_reasons').where('item_id', '=', id).where('reason_code', 'in', reasonCodes).returning('reason_code').execute();
  const customers =
    customerIds.length === 0
      ? []
      : await trx.deleteFrom('root_cause_item_customers').where('item_id', '=', id).where('customer_id', 'in', customerIds).returning('customer_id').execute();
  if (reasons.length + customers.length > 0) await trx.updateTable('root_cause_items').set({ updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
  return { reasons: reasons.length, customers: customers.length };
}

export interface ItemHistoryRow {
  fromStatus: RootCauseStatus | null;
  toStatus: RootCauseStatus;
  changedAt: Date;
  changedBy: { code: string; name: string } | null;
  note: string | null;
}

export async function itemHistory(db: Db, id: number): Promise<ItemHistoryRow[]> {
  const rows = await db
    .selectFrom('root_cause_item_history as h')
    .leftJoin('employees as e', 'e.id', 'h.changed_by')
    .select(['h.from_status', 'h.to_status', 'h.changed_at', 'h.note', 'e.code', 'e.name'])
    .where('h.item_id', '=', id)
    .orderBy('h.changed_at')
    .orderBy('h.id')
    .execute();
  return rows.map((r) => ({
    fromStatus: r.from_status,
    toStatus: r.to_status,
    changedAt: r.changed_at,
    changedBy: r.code === null ? null : { code: r.code, name: r.name! },
    note: r.note,
  }));
}

export interface ItemCustomerRow {
  customerId: number;
  externalId: string;
  name: string | null;
  company: string | null;
  state: string | null;
  linkedAt: Date;
}

export async function itemCustomers(db: Db, id: number): Promise<ItemCustomerRow[]> {
  const rows = await db
    .selectFrom('root_cause_item_customers as l')
    .innerJoin('customers as c', 'c.id', 'l.customer_id')
    .leftJoin('customer_states as s', 's.customer_id', 'l.customer_id')
    .select(['c.id', 'c.external_id', 'c.name', 'c.company', 's.state', 'l.linked_at'])
    .where('l.item_id', '=', id)
    .orderBy('c.external_id')
    .execute();
  return rows.map((r) => ({ customerId: Number(r.id), externalId: r.external_id, name: r.name, company: r.company, state: r.state, linkedAt: r.linked_at }));
}
