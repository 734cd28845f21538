/**
 * The customer list: search, filters, sorting and paging over the whole customer base, read from the tables that
 * hold each value — customers, customer_states, customer_segments, recovery_scores, contact_preferences — and from
 * customer_list_keys (migration 0019), the per-customer copy of the state beside the keys that live elsewhere
 * (P(alive) and CLV of the current analysis, the recovery score's expected value, the last order), which triggers
 * keep in the transaction of every write: never stale.
 *
 * Speed on a million customers comes from walking one index in the order of the sort and stopping after the page
 * (the pattern of the prioritised recovery list, src/analyse/recovery.ts): each sort is a sequence of *parts*,
 * each an ordered index walk over the table that holds the sort key (joined to `customers c` only when a filter
 * reads the customer's row), with the filters as conditions on the customer id that PostgreSQL probes per row
 * (or hashes, when it judges a filter selective); each probe reads one index only (migration 0013). Filtered by
 * state — the most used filter — those sorts walk customer_list_keys instead, one (state, key) range per state, so
 * the filter is the range itself: the lost customers by P(alive) are found (or known to have none) without passing
 * the active ones.
 * Filters that the planner expects to match few customers are applied first instead (their matches, each one's key
 * read by customer id, then sorted), as are filters whose walk outruns WALK_BUDGET_MS on PostgreSQL.
 * Parts of one rank are merged (each state's, the CLVs of each currency, converted); ranks follow each other — the
 * customers without a value for the key (no state, no score, no order) are the last rank, so they come last in
 * both directions, and their part is only read once the earlier ranks are exhausted.
 *
 * Ties are broken by customer id, so pages are stable: offset paging (page) and keyset paging (after: the
 * `next` cursor) never lose or repeat a row while the data does not change. The total is counted up to
 * `countLimit` matches and says whether it is exact.
 */
import { sql, type RawBuilder } from 'kysely';
import { loadConversion, type Conversion } from '../currency/service.js';
import type { Database } from '../db/engine.js';
import { rowsWithSettings, type LocalSettings } from '../db/settings.js';
import type { LifecycleState, SegmentName } from '../db/schema.js';
import { LIFECYCLE_STATES } from '../identify/schemas.js';
import { CustomersError } from './errors.js';
import { customerListQuerySchema, DEFAULT_ORDER, parseInput, type CustomerListQuery, type CustomerListQueryInput, type CustomerSort } from './schemas.js';

type Frag = RawBuilder<unknown>;

export interface CustomerListItem {
  id: number;
  externalId: string;
  name: string | null;
  company: string | null;
  email: string | null;
  country: string | null;
  /** Team and employee serving the customer (codes and names). */
  team: string | null;
  teamName: string | null;
  employee: string | null;
  employeeName: string | null;
  state: LifecycleState | null;
  stateSince: Date | null;
  doNotContact: boolean;
  segment: SegmentName | null;
  /** Scores of the current analysis. */
  pAlive: number | null;
  /** Minor units of clvCurrency. */
  clv: number | null;
  clvCurrency: string | null;
  /** The CLV in the reporting currency at the current rates; null without a rate. */
  clvReporting: number | null;
  /** Expected value of a recovery attempt (recovery score, lost and sleeping customers), minor units of expectedValueCurrency. */
  expectedValue: number | null;
  expectedValueCurrency: string | null;
  /** The departure reason of the recovery score. */
  reasonCode: string | null;
  reasonLabel: string | null;
  lastOrderAt: Date | null;
}

export interface CustomerList {
  items: CustomerListItem[];
  sort: CustomerSort;
  order: 'asc' | 'desc';
  /** 1-based page of offset paging; null with keyset paging (after). */
  page: number | null;
  limit: number;
  /** Cursor of the next page (pass it as `after`); null on the last page. */
  next: string | null;
  /**
   * Matching customers (null: countLimit 0). basis 'counted': exact; 'at_least': more than `count` (the countLimit)
   * match; 'estimate': the planner's estimate (capped at countLimit), given when counting took longer than
   * COUNT_BUDGET_MS on PostgreSQL.
   */
  total: { count: number; exact: boolean; basis: 'counted' | 'at_least' | 'estimate' } | null;
  reportingCurrency: string;
  /** The current analysis whose P(alive) and CLV are shown (null: none yet). */
  analysis: { id: number; asOf: Date } | null;
}

// ---- Parts of a sort ---------------------------------------------------------------------------------------

type KeyType = 'text' | 'float' | 'numeric' | 'bigint' | 'timestamp';

interface Key {
  /** The value merged and put in the cursor. */
  expr: Frag;
  type: KeyType;
  /** What the part's ORDER BY walks, when not `expr` itself (CLV: the stored amount, in index order). */
  indexOrder?: Frag;
  /** An index-usable bound implied by the cursor, when the exact condition on `expr` is not (CLV). */
  bound?: (cursor: Frag, desc: boolean) => Frag;
  /**
   * The index stores the key DESC NULLS LAST: ORDER BY must say so (DESC alone means NULLS FIRST) for the planner
   * to walk it, although the part reads no NULL.
   */
  descNullsLast?: boolean;
}

interface Part {
  rank: number;
  /** customers c itself, or the table `d` that holds the key (joined to customers only when a filter needs the row). */
  from: Frag | { table: string };
  where: Frag[];
  key: Key | null;
  /** The customer id in the driving table (its index carries it as the tie-break). */
  id: Frag;
  /** Ties break by id opposite to the key's direction (to match an index built that way). */
  idOpposite?: boolean;
  /**
   * A part without a key whose rows are the NULLs of an indexed key: the walk orders by these columns (NULL
   * throughout) before the id, which names the index to walk. Ordered by id alone, the planner — expecting, from
   * each column's statistics, thousands of active customers with a recovery score where there are none — walked
   * the primary key and checked all 550,000 of them. `descNullsLast`: the index stores them DESC NULLS LAST.
   */
  nullKey?: { columns: Frag[]; descNullsLast?: boolean };
  /**
   * No index gives the part's order (the CLVs of a currency without a rate, by id, within a state: the index runs by
   * amount): its rows are read as a whole and sorted, as filters first does, rather than walking the primary key.
   */
  unordered?: boolean;
}

interface SortContext {
  runId: number | null;
  /**
   * The P(alive) and CLV filters, also put on the walk of their own sort: the index range then starts at the bound
   * instead of passing every customer above it (P(alive) 0.2–0.4 sorted by P(alive) descending). For the CLV, bounds
   * on each currency's stored amount (the filter itself is an OR over currencies).
   */
  pAlive: { min?: number | undefined; max?: number | undefined };
  clv: { min?: number | undefined; max?: number | undefined };
  conversion: Conversion;
  states: readonly LifecycleState[] | undefined;
  db: Database['db'];
}

const castKey = (value: string, type: KeyType): Frag => {
  switch (type) {
    case 'text':
      return sql`${value}::text COLLATE "C"`;
    case 'float':
      return sql`${value}::float8`;
    case 'numeric':
      return sql`${value}::numeric`;
    case 'bigint':
      return sql`${value}::bigint`;
    case 'timestamp':
      return sql`${value}::timestamptz`;
  }
};

const keyText = (key: Key): Frag =>
  key.type === 'timestamp'
    ? sql`to_char(${key.expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : key.type === 'text'
      ? sql`${key.expr}`
      : sql`(${key.expr})::text`;

const NAME_KEY = sql`lower(coalesce(c.name, '')) COLLATE "C"`;
const CUSTOMERS = sql`customers c`;
const joined = (table: string) => ({ table });
const LIST_KEYS = joined('customer_list_keys');
/**
 * The driving table with `c` — the customer — joined only when a filter reads the customer's row (the search).
 * Otherwise `c.id` is just the driver's customer_id: probing customers' primary key for every row
 * walked would cost more than the walk (a deep page of a million customers reads thousands of rows).
 */
function fromClause(from: Part['from'], customerRow: boolean): Frag {
  if (!('table' in from)) return from;
  return customerRow
    ? sql`${sql.table(from.table)} d JOIN customers c ON c.id = d.customer_id`
    : sql`${sql.table(from.table)} d CROSS JOIN LATERAL (SELECT d.customer_id AS id) c`;
}
const noRow = (table: string, extra: Frag = sql`TRUE`) => sql`NOT EXISTS (SELECT 1 FROM ${sql.table(table)} x WHERE x.customer_id = c.id AND ${extra})`;
/** Lifecycle order of the state sort. */
const STATE_ORDER: readonly LifecycleState[] = LIFECYCLE_STATES;

/** Distinct currencies of an analysis' scores: a skip scan of the CLV index, one probe per currency. */
async function scoreCurrencies(db: Database['db'], runId: number): Promise<string[]> {
  const { rows } = await sql<{ currency: string }>`
    WITH RECURSIVE cur AS (
      (SELECT currency FROM customer_scores WHERE analysis_run_id = ${runId} ORDER BY currency LIMIT 1)
      UNION ALL
      SELECT (SELECT s.currency FROM customer_scores s WHERE s.analysis_run_id = ${runId} AND s.currency > cur.currency ORDER BY s.currency LIMIT 1)
      FROM cur WHERE cur.currency IS NOT NULL
    )
    SELECT currency FROM cur WHERE currency IS NOT NULL`.execute(db);
  return rows.map((r) => r.currency.trim());
}

async function partsOf(sort: CustomerSort, desc: boolean, ctx: SortContext): Promise<Part[]> {
  switch (sort) {
    case 'name':
      return [{ rank: 0, from: CUSTOMERS, where: [], key: { expr: NAME_KEY, type: 'text' }, id: sql`c.id` }];
    case 'external_id':
      return [{ rank: 0, from: CUSTOMERS, where: [], key: { expr: sql`lower(c.external_id) COLLATE "C"`, type: 'text' }, id: sql`c.id` }];
    case 'state': {
      // One part per state, in lifecycle order (reversed for desc), each walking the primary key of
      // customer_states: no index on the state column is needed (the recompute writes that table in bulk).
      const states = STATE_ORDER.filter((s) => !ctx.states || ctx.states.includes(s));
      const ordered = desc ? [...states].reverse() : states;
      const parts: Part[] = ordered.map((s, i) => ({ rank: i, from: joined('customer_states'), where: [sql`d.state = ${s}`], key: null, id: sql`d.customer_id` }));
      if (!ctx.states) parts.push({ rank: ordered.length, from: CUSTOMERS, where: [noRow('customer_states')], key: null, id: sql`c.id` });
      return parts;
    }
    case 'lost_since': {
      // Lost and sleeping customers by the date they left (the partial index on customer_states), merged.
      const gone = (['lost', 'sleeping'] as const).filter((s) => !ctx.states || ctx.states.includes(s));
      const parts: Part[] = gone.map((s) => ({ rank: 0, from: joined('customer_states'), where: [sql`d.state = ${s}`], key: { expr: sql`d.entered_at`, type: 'timestamp' }, id: sql`d.customer_id` }));
      parts.push({ rank: 1, from: CUSTOMERS, where: [noRow('customer_states', sql`x.state IN ('lost', 'sleeping')`)], key: null, id: sql`c.id` });
      return parts;
    }
    case 'p_alive':
    case 'clv':
    case 'expected_value':
    case 'last_order':
      // Filtered by state: customer_list_keys, one (state, key) range per state. Otherwise the table that holds the
      // key, whose index runs in key order across every state: a walk there stops after the page even when a filter
      // matches only some states (a reason: the lost and sleeping), where each state's range of the copy would
      // have to be read to its end for the states without a match.
      return ctx.states ? keyedByState(sort, ctx, ctx.states) : keyedAtSource(sort, ctx);
  }
}

type KeyedSort = 'p_alive' | 'clv' | 'expected_value' | 'last_order';

/**
 * A currency's CLVs in index order, converted for the merge: amount × factor is monotone in the amount, so walking
 * `clv` walks the converted value; the cursor bound on `clv` keeps the walk on the index.
 */
const clvKey = (factor: string): Key => ({
  expr: sql`(d.clv * ${factor}::numeric)`,
  type: 'numeric',
  indexOrder: sql`d.clv`,
  bound: (k, isDesc) => (isDesc ? sql`d.clv <= ceil(${k} / ${factor}::numeric)` : sql`d.clv >= floor(${k} / ${factor}::numeric)`),
});

/** The currencies of the current analysis' CLVs, those with a rate and those without (which rank after). */
async function clvCurrencies(ctx: SortContext): Promise<{ rated: { currency: string; factor: string }[]; unrated: string[] }> {
  const currencies = ctx.runId === null ? [] : await scoreCurrencies(ctx.db, ctx.runId);
  return {
    rated: currencies.flatMap((currency) => {
      const rate = ctx.conversion.rateOf(currency);
      return rate ? [{ currency, factor: rate.factor }] : [];
    }),
    unrated: currencies.filter((currency) => !ctx.conversion.rateOf(currency)),
  };
}

/** The sorts on customer_list_keys (migration 0019), for a state filter. */
async function keyedByState(sort: KeyedSort, ctx: SortContext, states: readonly LifecycleState[]): Promise<Part[]> {
  const byState = (rank: number, where: Frag[], key: Key | null, extra: Pick<Part, 'idOpposite' | 'nullKey' | 'unordered'> = {}) =>
    partPerState(states, rank, where, key, extra);
  switch (sort) {
    case 'p_alive':
      // P(alive) of the current analysis; without one every row's is NULL and the first rank is empty.
      return [
        ...byState(0, [sql`d.p_alive IS NOT NULL`], { expr: sql`d.p_alive`, type: 'float' }),
        ...byState(1, [sql`d.p_alive IS NULL`], null, { nullKey: { columns: [sql`d.p_alive`] } }),
      ];
    case 'clv': {
      // (The currency compared as char(3), the column's type: compared as text, the column would be cast and the
      // index not used.) A currency without a rate comes after every converted CLV, customers without a score last.
      const { rated, unrated } = await clvCurrencies(ctx);
      return [
        ...rated.flatMap(({ currency, factor }) =>
          byState(0, [sql`d.clv_currency = ${currency}::char(3)`, ...clvBounds(factor, ctx.clv.min, ctx.clv.max, sql`d.clv`)], clvKey(factor)),
        ),
        ...unrated.flatMap((currency) => byState(1, [sql`d.clv_currency = ${currency}::char(3)`], null, { unordered: true })),
        // clv is NULL exactly when clv_currency is (a CHECK of the table): said so, the range is ordered by id.
        ...byState(2, [sql`d.clv_currency IS NULL`, sql`d.clv IS NULL`], null, { nullKey: { columns: [sql`d.clv_currency`, sql`d.clv`] } }),
      ];
    }
    case 'expected_value':
      // customer_list_keys_ev_idx stores the value DESC NULLS LAST with the id ascending: ties by id ascending when
      // the value descends, as the prioritised recovery list pages them. A recovery score without a converted value
      // comes after those with one, customers without a recovery score last.
      return [
        // (A value implies a recovery score, a CHECK of the table: said so, the range of the index's second column.)
        ...byState(0, [sql`d.recovery_scored`, sql`d.expected_value IS NOT NULL`], { expr: sql`d.expected_value`, type: 'bigint', descNullsLast: true }, { idOpposite: true }),
        ...byState(1, [sql`d.recovery_scored`, sql`d.expected_value IS NULL`], null, { nullKey: { columns: [sql`d.expected_value`], descNullsLast: true } }),
        ...byState(2, [sql`NOT d.recovery_scored`, sql`d.expected_value IS NULL`], null, { nullKey: { columns: [sql`d.expected_value`], descNullsLast: true } }),
      ];
    case 'last_order':
      return [
        ...byState(0, [sql`d.last_order_at IS NOT NULL`], { expr: sql`d.last_order_at`, type: 'timestamp' }),
        ...byState(1, [sql`d.last_order_at IS NULL`], null, { nullKey: { columns: [sql`d.last_order_at`] } }),
      ];
  }
}

/** The sorts on the tables that hold their keys, without a state filter. */
async function keyedAtSource(sort: KeyedSort, ctx: SortContext): Promise<Part[]> {
  switch (sort) {
    case 'p_alive': {
      if (ctx.runId === null) return [{ rank: 0, from: CUSTOMERS, where: [], key: null, id: sql`c.id` }];
      return [
        {
          rank: 0,
          from: joined('customer_scores'),
          where: [
            sql`d.analysis_run_id = ${ctx.runId}`,
            ...(ctx.pAlive.min !== undefined ? [sql`d.p_alive >= ${ctx.pAlive.min}`] : []),
            ...(ctx.pAlive.max !== undefined ? [sql`d.p_alive <= ${ctx.pAlive.max}`] : []),
          ],
          key: { expr: sql`d.p_alive`, type: 'float' },
          id: sql`d.customer_id`,
        },
        { rank: 1, from: CUSTOMERS, where: [noRow('customer_scores', sql`x.analysis_run_id = ${ctx.runId}`)], key: null, id: sql`c.id` },
      ];
    }
    case 'clv': {
      if (ctx.runId === null) return [{ rank: 0, from: CUSTOMERS, where: [], key: null, id: sql`c.id` }];
      const runId = ctx.runId;
      const { rated, unrated } = await clvCurrencies(ctx);
      const parts: Part[] = rated.map(({ currency, factor }) => ({
        rank: 0,
        from: joined('customer_scores'),
        where: [sql`d.analysis_run_id = ${runId}`, sql`d.currency = ${currency}::char(3)`, ...clvBounds(factor, ctx.clv.min, ctx.clv.max, sql`d.clv`)],
        key: clvKey(factor),
        id: sql`d.customer_id`,
      }));
      if (unrated.length > 0) {
        parts.push({ rank: 1, from: joined('customer_scores'), where: [sql`d.analysis_run_id = ${runId}`, sql`d.currency IN (${sql.join(unrated.map((u) => sql`${u}::char(3)`))})`], key: null, id: sql`d.customer_id` });
      }
      parts.push({ rank: 2, from: CUSTOMERS, where: [noRow('customer_scores', sql`x.analysis_run_id = ${runId}`)], key: null, id: sql`c.id` });
      return parts;
    }
    case 'expected_value':
      // recovery_scores_ev_idx is (expected_value_reporting DESC NULLS LAST, customer_id): ties by id ascending
      // when the value descends, as the prioritised recovery list pages them.
      return [
        {
          rank: 0,
          from: joined('recovery_scores'),
          where: [sql`d.expected_value_reporting IS NOT NULL`],
          key: { expr: sql`d.expected_value_reporting`, type: 'bigint', descNullsLast: true },
          id: sql`d.customer_id`,
          idOpposite: true,
        },
        { rank: 1, from: joined('recovery_scores'), where: [sql`d.expected_value_reporting IS NULL`], key: null, id: sql`d.customer_id` },
        { rank: 2, from: CUSTOMERS, where: [noRow('recovery_scores')], key: null, id: sql`c.id` },
      ];
    case 'last_order':
      // Orders newest first (orders_time_idx), each kept only if it is its customer's latest (a probe of
      // orders_customer_time_idx).
      return [
        {
          rank: 0,
          from: joined('orders'),
          where: [
            sql`NOT EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = d.customer_id AND o2.occurred_at >= d.occurred_at
                              AND (o2.occurred_at > d.occurred_at OR o2.id > d.id))`,
          ],
          key: { expr: sql`d.occurred_at`, type: 'timestamp' },
          id: sql`d.customer_id`,
        },
        { rank: 1, from: CUSTOMERS, where: [noRow('orders')], key: null, id: sql`c.id` },
      ];
  }
}

/**
 * One part per state filtered on, of a sort on customer_list_keys (migration 0019): each a range of its (state, key,
 * id) index. Their rows are merged by key.
 */
function partPerState(states: readonly LifecycleState[], rank: number, where: Frag[], key: Key | null, extra: Pick<Part, 'idOpposite' | 'nullKey' | 'unordered'>): Part[] {
  return states.map((state) => ({
    rank,
    from: LIST_KEYS,
    where: [sql`d.state = ${state}`, ...where],
    key,
    id: sql`d.customer_id`,
    ...extra,
  }));
}

// ---- Filters -------------------------------------------------------------------------------------------------

interface Filters {
  /** Conditions on `c`; all but `customerRow` ones use only c.id. */
  conditions: Frag[];
  /**
   * The state, P(alive) and CLV filters: conditions on a customer_list_keys row (migration 0019) named `alias`.
   * Parts that read that table apply them to their own row; others probe it by customer id (allConditions).
   */
  keys: ((alias: string) => Frag[]) | null;
  /** Whether a condition reads a column of the customer's row (not just its id). */
  customerRow: boolean;
}

const and = (conditions: Frag[]) => (conditions.length ? sql.join(conditions, sql` AND `) : sql`TRUE`);

/** Every filter as a condition on the customer `c`. */
function allConditions(filters: Filters): Frag[] {
  if (!filters.keys) return filters.conditions;
  return [...filters.conditions, sql`EXISTS (SELECT 1 FROM customer_list_keys k WHERE k.customer_id = c.id AND ${and(filters.keys('k'))})`];
}

/** The filters of a part: on its own row when it reads customer_list_keys, else all as conditions on `c`. */
const conditionsOf = (part: Part, filters: Filters): Frag[] =>
  sameFrom(part.from, LIST_KEYS) ? [...filters.conditions, ...(filters.keys?.('d') ?? [])] : allConditions(filters);

/** ⌈a / b⌉ and ⌊a / b⌋ for b > 0 (BigInt division truncates toward zero). */
const ceilDiv = (a: bigint, b: bigint) => (a >= 0n ? (a + b - 1n) / b : -(-a / b));
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * The CLV filter (reporting currency) as bounds on the stored amount of one currency: clv × factor ≥ min is
 * clv ≥ ⌈min / factor⌉ for the integer clv, computed exactly — a range the CLV indexes answer and the planner can
 * estimate (a product it could do neither with).
 */
function clvBounds(factor: string, min: number | undefined, max: number | undefined, column: Frag): Frag[] {
  const [whole, fraction = ''] = factor.split('.');
  const units = BigInt(whole! + fraction);
  const scale = 10n ** BigInt(fraction.length);
  return [
    min !== undefined ? sql`${column} >= ${ceilDiv(BigInt(min) * scale, units).toString()}::bigint` : null,
    max !== undefined ? sql`${column} <= ${floorDiv(BigInt(max) * scale, units).toString()}::bigint` : null,
  ].filter((b) => b !== null);
}

/** Escapes LIKE wildcards so a search for "50%" finds "50%" (backslash is LIKE's default escape). */
const likePrefix = (q: string) => q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`) + '%';

async function buildFilters(db: Database['db'], q: CustomerListQuery, conversion: Conversion): Promise<Filters> {
  const conditions: Frag[] = [];
  // Only the search reads the customer's row; team and employee are probes of their (team_id, id) indexes.
  const customerRow = q.q !== undefined;
  if (q.q !== undefined) {
    if (q.match === 'prefix') {
      // The expressions of the search indexes (migration 0010), so each alternative is an index range.
      const p = likePrefix(q.q);
      conditions.push(sql`(${NAME_KEY} LIKE ${p} OR lower(c.company) COLLATE "C" LIKE ${p}
                           OR lower(c.external_id) COLLATE "C" LIKE ${p} OR lower(c.email) COLLATE "C" LIKE ${p})`);
    } else {
      const s = q.q.toLowerCase();
      conditions.push(sql`(strpos(lower(coalesce(c.name, '')), ${s}) > 0 OR strpos(lower(coalesce(c.company, '')), ${s}) > 0
                           OR strpos(lower(c.external_id), ${s}) > 0 OR strpos(lower(coalesce(c.email, '')), ${s}) > 0)`);
    }
  }
  if (q.team !== undefined) {
    const team = await db.selectFrom('teams').select('id').where('code', '=', q.team).executeTakeFirst();
    if (!team) throw new CustomersError('unknown_team', `no team with code "${q.team}"`);
    conditions.push(sql`EXISTS (SELECT 1 FROM customers t WHERE t.team_id = ${Number(team.id)} AND t.id = c.id)`);
  }
  if (q.employee !== undefined) {
    const employee = await db.selectFrom('employees').select('id').where('code', '=', q.employee).executeTakeFirst();
    if (!employee) throw new CustomersError('unknown_employee', `no employee with code "${q.employee}"`);
    conditions.push(sql`EXISTS (SELECT 1 FROM customers t WHERE t.employee_id = ${Number(employee.id)} AND t.id = c.id)`);
  }
  if (q.segment !== undefined) {
    conditions.push(q.segment.length === 0 ? sql`FALSE` : sql`EXISTS (SELECT 1 FROM customer_segments g WHERE g.customer_id = c.id AND g.segment IN (${sql.join(q.segment)}))`);
  }
  if (q.reason !== undefined) {
    // The code and its descendants, from the (small) catalogue.
    const codes = (await db.selectFrom('reasons').select('code').execute()).map((r) => r.code).filter((code) => code === q.reason || code.startsWith(`${q.reason}.`));
    if (codes.length === 0) throw new CustomersError('unknown_reason', `no reason code "${q.reason}" in the catalogue`);
    conditions.push(sql`EXISTS (SELECT 1 FROM recovery_scores r WHERE r.customer_id = c.id AND r.reason_code IN (${sql.join(codes)}))`);
  }
  if (q.doNotContact !== undefined) {
    const dnc = sql`EXISTS (SELECT 1 FROM contact_preferences p WHERE p.customer_id = c.id AND p.do_not_contact)`;
    conditions.push(q.doNotContact ? dnc : sql`NOT ${dnc}`);
  }
  const keys = (alias: string): Frag[] => {
    const col = (name: string) => sql.ref(`${alias}.${name}`);
    const out: Frag[] = [];
    if (q.state !== undefined) out.push(q.state.length === 0 ? sql`FALSE` : sql`${col('state')} IN (${sql.join(q.state)})`);
    if (q.pAliveMin !== undefined) out.push(sql`${col('p_alive')} >= ${q.pAliveMin}`);
    if (q.pAliveMax !== undefined) out.push(sql`${col('p_alive')} <= ${q.pAliveMax}`);
    if (q.clvMin !== undefined || q.clvMax !== undefined) {
      // In the reporting currency at the current rates; a currency without a rate has no converted CLV and never passes.
      const ranges = conversion.applied.map(
        (a) => sql`(${col('clv_currency')} = ${a.currency}::char(3) AND ${and(clvBounds(a.factor, q.clvMin, q.clvMax, col('clv')))})`,
      );
      out.push(ranges.length === 0 ? sql`FALSE` : sql`(${sql.join(ranges, sql` OR `)})`);
    }
    return out;
  };
  return { conditions, keys: keys('k').length > 0 ? keys : null, customerRow };
}

// ---- Cursor --------------------------------------------------------------------------------------------------

interface Cursor {
  sort: CustomerSort;
  desc: boolean;
  rank: number;
  key: string | null;
  id: number;
  /**
   * The cursor's rank was read filters first (the walk ran out of its budget): the next page of it is too, rather
   * than walking into the same timeout again — a walk that could not find one page will not find the next.
   */
  filtersFirst: boolean;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.desc ? 'desc' : 'asc', c.rank, c.key, c.id, c.filtersFirst ? 1 : 0])).toString('base64url');
}

/** The cursor after a row of a page. */
const cursorAfter = (ctx: Context, row: PageRow): Cursor => ({ sort: ctx.q.sort, desc: ctx.desc, rank: row.rank, key: row.sort_key, id: row.customer_id, filtersFirst: row.filtersFirst });

function decodeCursor(text: string, sort: CustomerSort, desc: boolean): Cursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      // (Cursors written before the sixth element was added read as walked.)
      (v.length === 5 || v.length === 6) &&
      v[0] === sort &&
      v[1] === (desc ? 'desc' : 'asc') &&
      Number.isSafeInteger(v[2]) &&
      (v[3] === null || typeof v[3] === 'string') &&
      Number.isSafeInteger(v[4]) &&
      (v[5] === undefined || v[5] === 0 || v[5] === 1)
    ) {
      return { sort, desc, rank: v[2] as number, key: v[3] as string | null, id: v[4] as number, filtersFirst: v[5] === 1 };
    }
  } catch {
    /* fall through */
  }
  throw new CustomersError('invalid_cursor', 'invalid cursor in `after`: pass the `next` value of the previous page of the same sort and order');
}

// ---- Reading a page ------------------------------------------------------------------------------------------

interface KeyedRow {
  customer_id: number;
  sort_key: string | null;
}

/**
 * How long an index walk may take before the filters are applied first instead (PostgreSQL). A walk in sort order
 * is fastest when many rows match; when few do, and their rows are not where the walk starts (lost customers are
 * rarely among the order customers the CLV index is full of), it reads most of the index probing each row — then
 * computing the matches first and sorting just them is faster. A walk that finds its page takes 10–100 ms on a
 * million customers (index-only probes, migration 0013); walks that cannot finish are mostly recognised beforehand
 * (FILTERS_FIRST_BELOW), the rest are the filters whose matches the planner cannot foresee (no active customer has
 * a departure reason), where the budget is time lost before the filters-first read: 250 ms left the state sort of
 * "reason and team" at 320–460 ms on a million customers, 150 ms at 230 ms (bench:customers' matrix).
 */
export const WALK_BUDGET_MS = 150;

/**
 * Filters the planner expects to match at most this many customers are applied first without trying the walk: the
 * matches come from the filters' own indexes and each one's sort key is read by primary key, which costs less than
 * a walk that has to pass thousands of rows to find a few matches (and the walk budget it would waste).
 */
export const FILTERS_FIRST_BELOW = 5_000;

/**
 * Settings of every statement that reads a page or counts (PostgreSQL), local to its transaction. Parallel workers
 * cost more to start than these queries take (a LIMIT 51 walk waited 300 ms for its workers on a busy 2-core
 * machine), and JIT compilation likewise.
 */
const listSettings = (timeoutMs: number | null): LocalSettings => ({ max_parallel_workers_per_gather: 0, jit: 'off', statement_timeout: timeoutMs ?? 0 });

/** Runs a list statement on PostgreSQL with listSettings (and a timeout), as it is on PGlite. */
async function runListStatement<T>(database: Database, statement: RawBuilder<T>, timeoutMs: number | null = null): Promise<T[]> {
  if (database.engine !== 'postgresql') return (await statement.execute(database.db)).rows;
  return rowsWithSettings(database.db, listSettings(timeoutMs), statement);
}

/** The direction of a NULL column that walks its index the way the ids go (backward for descending ids). */
const nullKeyDir = (nullKey: NonNullable<Part['nullKey']>, desc: boolean) =>
  nullKey.descNullsLast ? (desc ? sql`ASC NULLS FIRST` : sql`DESC NULLS LAST`) : desc ? sql`DESC` : sql`ASC`;

const isTimeout = (error: unknown) => (error as { code?: string }).code === '57014';

/** Whether two parts read the same table (parts of one rank always do; checked, not assumed). */
const sameFrom = (a: Part['from'], b: Part['from']) => ('table' in a && 'table' in b ? a.table === b.table : a === b);

/** The rows of one rank, in order, after the cursor when it lies in this rank: at most `n`. */
async function readRank(
  database: Database,
  parts: Part[],
  filters: Filters,
  desc: boolean,
  cursor: Cursor | null,
  n: number,
  strategy: 'walk' | 'filters_first',
  walkBudgetMs = WALK_BUDGET_MS,
): Promise<{ rows: KeyedRow[]; filtersFirst: boolean }> {
  const dir = desc ? sql`DESC` : sql`ASC`;
  /** A part's own conditions, with the cursor's bound when the cursor lies in this rank. */
  const partWhere = (part: Part): Frag[] => {
    const where = [...part.where];
    if (!cursor || cursor.rank !== part.rank) return where;
    if (part.key && cursor.key !== null) {
      const k = castKey(cursor.key, part.key.type);
      const before = desc ? sql`<` : sql`>`;
      if (part.key.bound) where.push(part.key.bound(k, desc));
      if (part.idOpposite) {
        const idAfter = desc ? sql`>` : sql`<`;
        // Written as a bound on the key plus the tie rule, so the index range starts at the cursor.
        where.push(sql`${part.key.expr} ${desc ? sql`<=` : sql`>=`} ${k} AND (${part.key.expr} ${before} ${k} OR ${part.id} ${idAfter} ${cursor.id})`);
      } else {
        where.push(sql`(${part.key.expr}, ${part.id}) ${before} (${k}, ${cursor.id})`);
      }
    } else {
      where.push(desc ? sql`${part.id} < ${cursor.id}` : sql`${part.id} > ${cursor.id}`);
    }
    return where;
  };
  const first = parts[0]!;
  // The parts of a rank read one table (checked below), so they share their filters' conditions.
  const conditions = conditionsOf(first, filters);
  const idDir = first.idOpposite ? (desc ? sql`ASC` : sql`DESC`) : dir;
  const outerKey = (k: Frag) => (first.key ? (first.key.type === 'text' ? sql`${k} COLLATE "C" ${dir}, ` : sql`${k} ${dir}, `) : sql``);
  /**
   * Filters first: the rank's matches computed as a whole — the planner joins the filters' indexes and the part's
   * table as their sizes suggest (a few matches: probed by primary key; many: hashed) — then only they are sorted.
   * The parts of a rank read one table (the CLVs of each currency, lost and sleeping), so they are read in one pass
   * over it, each row keyed by the part it belongs to: per part, the table and the filters' matches would be
   * joined once per currency (five times over for the lost customers of a five-currency base).
   */
  const filtersFirstStatement = () => {
    if (!parts.every((p) => sameFrom(p.from, first.from))) throw new Error('the parts of a rank must read one table');
    const where = parts.map((part) => and(partWhere(part)));
    const pick = (value: (part: Part) => Frag) =>
      parts.length === 1 ? value(first) : sql`CASE ${sql.join(parts.map((part, i) => sql`WHEN ${where[i]!} THEN ${value(part)}`), sql` `)} END`;
    const keyed = pick((part) => (part.key ? keyText(part.key) : sql`NULL::text`));
    const typed = pick((part) => (part.key ? part.key.expr : sql`NULL`));
    const own = parts.length === 1 ? where[0]! : sql`(${sql.join(where.map((w) => sql`(${w})`), sql` OR `)})`;
    // Materialised: the sort cannot be satisfied by walking an index, so the matches are planned as a whole.
    return sql<KeyedRow>`WITH m AS MATERIALIZED (
        SELECT ${first.id} AS customer_id, ${keyed} AS sort_key, ${typed} AS k
        FROM ${fromClause(first.from, filters.customerRow)} WHERE ${own} AND ${and(conditions)})
      SELECT customer_id, sort_key FROM m ORDER BY ${outerKey(sql`k`)}customer_id ${idDir} LIMIT ${n}`;
  };
  /** Walking: each part in the order of its index, the filters checked per row, stopping after n; merged by key. */
  const walkStatement = () => {
    const queries = parts.map((part) => {
      const partIdDir = part.idOpposite ? (desc ? sql`ASC` : sql`DESC`) : dir;
      const keyed = part.key ? keyText(part.key) : sql`NULL::text`;
      const typed = part.key ? part.key.expr : sql`NULL`;
      const keyDir = part.key?.descNullsLast ? (desc ? sql`DESC NULLS LAST` : sql`ASC NULLS FIRST`) : dir;
      const order = part.key
        ? sql`${part.key.indexOrder ?? part.key.expr} ${keyDir}, ${part.id} ${partIdDir}`
        : part.nullKey
          ? sql`${sql.join(part.nullKey.columns.map((column) => sql`${column} ${nullKeyDir(part.nullKey!, desc)}`))}, ${part.id} ${dir}`
          : sql`${part.id} ${dir}`;
      return sql`SELECT ${part.id} AS customer_id, ${keyed} AS sort_key, ${typed} AS k
                 FROM ${fromClause(part.from, filters.customerRow)} WHERE ${and([...partWhere(part), ...conditions])}
                 ORDER BY ${order} LIMIT ${n}`;
    });
    if (queries.length === 1) return sql<KeyedRow>`${queries[0]!}`;
    // Several parts of one rank (CLV per currency, lost and sleeping): each stops after n rows, merged here.
    return sql<KeyedRow>`
      SELECT u.customer_id, u.sort_key FROM (${sql.join(queries.map((q) => sql`(${q})`), sql` UNION ALL `)}) u
      ORDER BY ${outerKey(sql`u.k`)}u.customer_id ${idDir} LIMIT ${n}`;
  };
  const read = async (filtersFirst: boolean, timeoutMs: number | null = null) => ({
    rows: await runListStatement(database, filtersFirst ? filtersFirstStatement() : walkStatement(), timeoutMs),
    filtersFirst,
  });
  if (first.unordered) return read(true);
  if (conditions.length === 0) return read(false);
  // Few matches expected, or a budget of 0 (tests, on any engine): filters first, without trying the walk.
  if (strategy === 'filters_first' || walkBudgetMs <= 0) return read(true);
  // PGlite holds small bases and has no statement timeout to race with.
  if (database.engine !== 'postgresql') return read(false);
  try {
    return await read(false, Math.max(1, Math.round(walkBudgetMs)));
  } catch (error) {
    // Canceled by the statement timeout: the walk reads too much for these filters. Anything else fails.
    if (!isTimeout(error)) throw error;
    return read(true);
  }
}

/** Tuning of how a page is read (tests force the filters-first path with a tiny walk budget). */
export interface ListTuning {
  /** Milliseconds the index walk may take before the filters go first (0: filters first at once). */
  walkBudgetMs?: number;
  /** Filters expected to match at most this many customers go first without a walk (-1: always walk first). */
  filtersFirstBelow?: number;
}

interface Context {
  walkBudgetMs: number;
  /** How each rank is read: walking the sort's index, or the filters' matches first (few expected). */
  strategy: 'walk' | 'filters_first';
  q: CustomerListQuery;
  desc: boolean;
  runId: number | null;
  runAsOf: Date | null;
  conversion: Conversion;
  filters: Filters;
  parts: Part[];
}

async function prepare(database: Database, input: CustomerListQueryInput, tuning: ListTuning = {}): Promise<Context> {
  const q = parseInput(customerListQuerySchema, input, 'customer list query');
  const db = database.db;
  const desc = (q.order ?? DEFAULT_ORDER[q.sort]) === 'desc';
  const run = await db.selectFrom('analysis_runs').select(['id', 'calibration_end']).where('is_current', '=', true).executeTakeFirst();
  const runId = run ? Number(run.id) : null;
  const conversion = await loadConversion(db);
  const filters = await buildFilters(db, q, conversion);
  const parts = await partsOf(q.sort, desc, { runId, conversion, states: q.state, db, pAlive: { min: q.pAliveMin, max: q.pAliveMax }, clv: { min: q.clvMin, max: q.clvMax } });
  const below = tuning.filtersFirstBelow ?? FILTERS_FIRST_BELOW;
  const strategy = allConditions(filters).length > 0 && below >= 0 && (await estimateMatches(database, filters)) <= below ? 'filters_first' : 'walk';
  return { walkBudgetMs: tuning.walkBudgetMs ?? WALK_BUDGET_MS, strategy, q, desc, runId, runAsOf: run?.calibration_end ?? null, conversion, filters, parts };
}

/** The planner's estimate of the customers matching the filters (from its statistics: nothing is read). */
async function estimateMatches(database: Database, filters: Filters): Promise<number> {
  const where = and(allConditions(filters));
  const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] | string }>`EXPLAIN (FORMAT JSON) SELECT 1 FROM customers c WHERE ${where}`.execute(database.db);
  const plan = rows[0]?.['QUERY PLAN'];
  // node-postgres parses the json column; PGlite's bridge may hand it over as text.
  const parsed = typeof plan === 'string' ? (JSON.parse(plan) as [{ Plan: { 'Plan Rows': number } }]) : plan;
  return Math.round(Number(parsed?.[0].Plan['Plan Rows'] ?? 0));
}

/** A customer of a page: its sort key, rank, and how its rank was read. */
interface PageRow extends KeyedRow {
  rank: number;
  filtersFirst: boolean;
}

/** `limit` customer ids of the list after skipping `offset` (or after the cursor), plus one to tell if more follow. */
async function readIds(database: Database, ctx: Context, cursor: Cursor | null, offset: number, limit: number): Promise<PageRow[]> {
  const ranks = [...new Set(ctx.parts.map((p) => p.rank))].sort((a, b) => a - b);
  const out: PageRow[] = [];
  let skip = offset;
  let need = limit + 1;
  for (const rank of ranks) {
    if (cursor && rank < cursor.rank) continue;
    const strategy = cursor?.rank === rank && cursor.filtersFirst ? 'filters_first' : ctx.strategy;
    const parts = ctx.parts.filter((p) => p.rank === rank);
    const { rows, filtersFirst } = await readRank(database, parts, ctx.filters, ctx.desc, cursor, skip + need, strategy, ctx.walkBudgetMs);
    // Fewer rows than asked for: the rank is exhausted, and the rest of the page comes from the next one.
    if (rows.length <= skip) {
      skip -= rows.length;
      continue;
    }
    const taken = rows.slice(skip);
    skip = 0;
    out.push(...taken.map((r) => ({ customer_id: Number(r.customer_id), sort_key: r.sort_key, rank, filtersFirst })));
    need -= taken.length;
    if (need <= 0) break;
  }
  return out;
}

interface DetailRow {
  id: number;
  external_id: string;
  name: string | null;
  company: string | null;
  email: string | null;
  country: string | null;
  team: string | null;
  team_name: string | null;
  employee: string | null;
  employee_name: string | null;
  state: LifecycleState | null;
  state_since: Date | null;
  do_not_contact: boolean | null;
  segment: SegmentName | null;
  p_alive: number | null;
  clv: number | null;
  clv_currency: string | null;
  expected_value: number | null;
  expected_value_currency: string | null;
  reason_code: string | null;
  reason_label: string | null;
  last_order_at: Date | null;
}

/** The list columns of the given customers, by primary-key probes (one page at a time). */
async function details(database: Database, ids: number[], runId: number | null, conversion: Conversion): Promise<CustomerListItem[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<DetailRow>`
    SELECT c.id, c.external_id, c.name, c.company, c.email, c.country, t.code AS team, t.name AS team_name, e.code AS employee, e.name AS employee_name,
           st.state, st.entered_at AS state_since, p.do_not_contact, g.segment,
           sc.p_alive, sc.clv, sc.currency AS clv_currency,
           rs.expected_value_reporting AS expected_value, CASE WHEN rs.customer_id IS NOT NULL THEN rs.reporting_currency END AS expected_value_currency,
           rs.reason_code, r.label AS reason_label,
           (SELECT max(o.occurred_at) FROM orders o WHERE o.customer_id = c.id) AS last_order_at
    FROM customers c
    LEFT JOIN teams t ON t.id = c.team_id
    LEFT JOIN employees e ON e.id = c.employee_id
    LEFT JOIN customer_states st ON st.customer_id = c.id
    LEFT JOIN contact_preferences p ON p.customer_id = c.id
    LEFT JOIN customer_segments g ON g.customer_id = c.id
    LEFT JOIN customer_scores sc ON sc.analysis_run_id = ${runId ?? -1} AND sc.customer_id = c.id
    LEFT JOIN recovery_scores rs ON rs.customer_id = c.id
    LEFT JOIN reasons r ON r.code = rs.reason_code
    WHERE c.id IN (${sql.join(ids)})`.execute(database.db);
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return ids.map((id) => {
    const r = byId.get(id)!;
    const clvCurrency = r.clv_currency?.trim() ?? null;
    return {
      id,
      externalId: r.external_id,
      name: r.name,
      company: r.company,
      email: r.email,
      country: r.country,
      team: r.team,
      teamName: r.team_name,
      employee: r.employee,
      employeeName: r.employee_name,
      state: r.state,
      stateSince: r.state_since,
      doNotContact: r.do_not_contact ?? false,
      segment: r.segment,
      pAlive: num(r.p_alive),
      clv: num(r.clv),
      clvCurrency,
      clvReporting: r.clv === null ? null : conversion.convert(Number(r.clv), clvCurrency),
      expectedValue: num(r.expected_value),
      expectedValueCurrency: r.expected_value_currency?.trim() ?? null,
      reasonCode: r.reason_code,
      reasonLabel: r.reason_label,
      lastOrderAt: r.last_order_at,
    };
  });
}

/**
 * How long the total may take on PostgreSQL before an estimate is given instead. A count up to countLimit is
 * quick when matches are dense (it stops early) but must visit every candidate when they are rare and the filters
 * have no index in common (e.g. state + segment + team: 0.5 % of a million customers); the page itself stays fast.
 */
export const COUNT_BUDGET_MS = 120;

type Total = NonNullable<CustomerList['total']>;

async function countMatches(database: Database, filters: Filters, cap: number): Promise<Total> {
  const where = and(allConditions(filters));
  // Counting stops after cap + 1 matches: enough to say "more than cap" without reading every match.
  const count = sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM customers c WHERE ${where} LIMIT ${cap + 1}) x`;
  const counted = (n: number): Total => (n > cap ? { count: cap, exact: false, basis: 'at_least' } : { count: n, exact: true, basis: 'counted' });
  if (database.engine !== 'postgresql') return counted(Number((await count.execute(database.db)).rows[0]?.n ?? 0));
  try {
    return counted(Number((await runListStatement(database, count, COUNT_BUDGET_MS))[0]?.n ?? 0));
  } catch (error) {
    // Canceled by the statement timeout. Anything else is a real failure.
    if (!isTimeout(error)) throw error;
    return { count: Math.min(await estimateMatches(database, filters), cap), exact: false, basis: 'estimate' };
  }
}

/** One page of the customer list (GET /api/v1/customers, `winback customers list`). */
export async function listCustomers(database: Database, input: CustomerListQueryInput = {}, tuning: ListTuning = {}): Promise<CustomerList> {
  const ctx = await prepare(database, input, tuning);
  const { q } = ctx;
  const cursor = q.after ? decodeCursor(q.after, q.sort, ctx.desc) : null;
  const offset = cursor ? 0 : (q.page - 1) * q.limit;
  const rows = await readIds(database, ctx, cursor, offset, q.limit);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  let total: CustomerList['total'] = null;
  if (!cursor && !more && (page.length > 0 || offset === 0)) total = { count: offset + page.length, exact: true, basis: 'counted' };
  else if (q.countLimit > 0) total = await countMatches(database, ctx.filters, q.countLimit);
  return {
    items: await details(database, page.map((r) => r.customer_id), ctx.runId, ctx.conversion),
    sort: q.sort,
    order: ctx.desc ? 'desc' : 'asc',
    page: cursor ? null : q.page,
    limit: q.limit,
    next: more && last ? encodeCursor(cursorAfter(ctx, last)) : null,
    total,
    reportingCurrency: ctx.conversion.reportingCurrency,
    analysis: ctx.runId === null ? null : { id: ctx.runId, asOf: ctx.runAsOf! },
  };
}

/**
 * Every customer of the list's filters and sort, in batches by keyset (the same reads as the pages, so an export
 * holds exactly the rows the list shows, in the same order); paging parameters are ignored. The query is checked
 * before this returns, so a bad filter is an error before anything is streamed.
 */
export async function customerBatches(
  database: Database,
  input: CustomerListQueryInput = {},
  batchSize = 1000,
): Promise<{ reportingCurrency: string; batches: AsyncGenerator<CustomerListItem[]> }> {
  const ctx = await prepare(database, { ...input, page: undefined, after: undefined });
  async function* batches(): AsyncGenerator<CustomerListItem[]> {
    let cursor: Cursor | null = null;
    for (;;) {
      const rows = await readIds(database, ctx, cursor, 0, batchSize);
      const batch = rows.slice(0, batchSize);
      if (batch.length > 0) yield await details(database, batch.map((r) => r.customer_id), ctx.runId, ctx.conversion);
      if (rows.length <= batchSize) return;
      const last = batch.at(-1)!;
      cursor = cursorAfter(ctx, last);
    }
  }
  return { reportingCurrency: ctx.conversion.reportingCurrency, batches: batches() };
}
