/**
 * From transactions to the per-customer sufficient statistics the models are fitted on.
 *
 * Exact definitions — a SQL implementation (GROUP BY customer over the orders table) must produce
 * the same numbers, so every rule is stated here once:
 *
 * 1. Day bucket. A transaction belongs to the UTC calendar day
 *        day = floor(epochMs / 86 400 000)            (integer days since 1970-01-01 UTC)
 *    SQL: `(ordered_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01'` (an integer).
 *    All rows of one customer on one UTC day are netted into ONE candidate transaction whose amount
 *    is the day's net sum (refunds are negative amounts and reduce it).
 *    Times of day play no further role: every transaction sits at the start of its day.
 *    Purchase days. A customer-day is a purchase (a transaction) when
 *        net > 0   or   no row of that day has a negative amount,
 *    i.e. days netting to ≤ 0 because of a refund are NOT transactions and are dropped before
 *    anything else: a refund-only day, a purchase fully refunded the same day, or refunds exceeding
 *    the day's purchases. A partially refunded day (net > 0) counts with its net amount. Days of
 *    zero-amount orders without refunds (free items, e.g. CDNOW's $0.00 rows) stay purchases.
 *    Every rule below — the first purchase F included — sees purchase days only; a customer whose
 *    days within the observation are all refund days has no transaction (status noTransactions,
 *    counted in `refundOnlyCustomers`). A refund on a later day does not undo the earlier purchase.
 *    SQL: `GROUP BY customer, day HAVING sum(amount) > 0 OR min(amount) >= 0`.
 * 2. Periods. E = day(calibrationEnd), H = day(holdoutEnd). The calibration period is every day
 *    ≤ E (E itself included — the whole calendar day of `calibrationEnd` belongs to calibration);
 *    the holdout period is the days E < day ≤ H. Days after H (or after E without a holdout) are
 *    ignored and counted.
 * 3. Units. Durations are whole days converted as  units = days / daysPerUnit  in float64 with
 *        daysPerUnit = 1 (day), 7 (week), 30.4375 (month = 365.25 / 12, exact in binary).
 *    Compute integer days in SQL and divide in float64 (`days::float8 / 7`) to get identical
 *    doubles; `unitsFromDays` is the one place this conversion lives in TypeScript.
 * 4. Per customer with first day F ≤ E (the "calibration customers"):
 *        x       = (number of distinct days ≤ E) − 1          repeat transactions
 *        t_x     = (last distinct day ≤ E − F) / daysPerUnit  recency, 0 when x = 0
 *        T       = (E − F) / daysPerUnit                      age at the end of calibration
 *        firstSpend      = sum of amounts on day F
 *        meanRepeatSpend = (sum of amounts on days F < day ≤ E) / x, NaN when x = 0.
 *          This is the average of the repeat transactions only, the first purchase excluded — the
 *          m̄ of Fader, Hardie & Lee (2005, JMR) and of the CDNOW Gamma-Gamma analysis, because the
 *          first purchase is made before the customer's spend process is observed "as a customer".
 *        holdoutX     = number of purchase days in (E, H]     (all of them are repeat purchases)
 *        holdoutSpend = sum of the net amounts of those days.
 *    ("days" here always means purchase days of rule 1.)
 *    Customers whose first day is after E are not calibration customers: their x, t_x, T and spend
 *    fields are NaN, their status says why, and they are counted (they are still "reported").
 * 5. Amounts are in minor units (cents); sums of integers stay exact below 2^53.
 *
 * Fitting happens on the distinct (x, t_x, T) triples with weights (`compressTriples`), so what
 * reaches the optimiser grows with the number of distinct histories, not customers.
 *
 * The same numbers in SQL (a sketch; :E and :H are the integer day numbers above):
 *   WITH days AS (
 *     SELECT customer_id, (ordered_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS day,
 *            sum(amount_minor) AS amount
 *     FROM orders GROUP BY 1, 2
 *     HAVING sum(amount_minor) > 0 OR min(amount_minor) >= 0),          -- purchase days only (rule 1)
 *   marked AS (SELECT *, min(day) OVER (PARTITION BY customer_id) AS first_day FROM days WHERE day <= :H)
 *   SELECT customer_id, first_day,
 *          count(*) FILTER (WHERE day <= :E) - 1                        AS x,
 *          max(day) FILTER (WHERE day <= :E) - first_day                AS tx_days,
 *          :E - first_day                                               AS t_days,
 *          sum(amount) FILTER (WHERE day = first_day)                   AS first_spend,
 *          coalesce(sum(amount) FILTER (WHERE day > first_day AND day <= :E), 0) AS repeat_spend,
 *          count(*) FILTER (WHERE day > :E)                             AS holdout_x,
 *          coalesce(sum(amount) FILTER (WHERE day > :E), 0)             AS holdout_spend
 *   FROM marked WHERE first_day <= :E GROUP BY customer_id, first_day;
 * then t_x = tx_days / daysPerUnit, T = t_days / daysPerUnit, m̄ = repeat_spend / x in float64.
 */
import { StatsError } from './errors.js';

export type TimeUnit = 'day' | 'week' | 'month';

export const MS_PER_DAY = 86_400_000;

/** Days in one time unit. A month is 365.25 / 12 = 30.4375 days (exactly representable). */
export const DAYS_PER_UNIT: Readonly<Record<TimeUnit, number>> = Object.freeze({
  day: 1,
  week: 7,
  month: 365.25 / 12,
});

/** Convert a whole number of days into model time units (rule 3 above). */
export function unitsFromDays(days: number, unit: TimeUnit): number {
  return days / DAYS_PER_UNIT[unit];
}

/** The UTC calendar day (days since 1970-01-01) of an epoch-millisecond time (rule 1 above). */
export function utcDay(epochMs: number): number {
  return Math.floor(epochMs / MS_PER_DAY);
}

/** Parallel columns of transactions (one row per order line or order, any order). */
export interface TransactionColumns {
  /** Dense customer index 0..customerCount−1. Need not be sorted. */
  customer: Int32Array;
  /** Time of the transaction in epoch milliseconds. */
  time: Float64Array;
  /** Amount in minor units. */
  amount: Float64Array;
}

export interface SummaryOptions {
  /** Calibration end; the whole UTC day containing it belongs to calibration. */
  calibrationEnd: number | Date;
  /** Optional holdout end; the whole UTC day containing it belongs to the holdout. */
  holdoutEnd?: number | Date;
  unit: TimeUnit;
  /** Number of customer slots; defaults to the largest customer index + 1. */
  customerCount?: number;
}

/** Why a customer is or is not in the calibration summary. */
export const CustomerStatus = Object.freeze({
  /**
   * No purchase day within the observation: no rows at all, rows only after its end, or only refund
   * days (netting to ≤ 0 with a refund, rule 1; those customers are also in `refundOnlyCustomers`).
   */
  noTransactions: 0,
  /** First purchase on or before the calibration end: part of the calibration summary. */
  calibration: 1,
  /** First purchase after the calibration end: excluded from the calibration summary. */
  firstAfterCalibration: 2,
} as const);
export type CustomerStatus = (typeof CustomerStatus)[keyof typeof CustomerStatus];

export interface CustomerSummary {
  unit: TimeUnit;
  daysPerUnit: number;
  /** E: the last calibration day (UTC days since epoch). */
  calibrationEndDay: number;
  /** H: the last holdout day, or null without a holdout. */
  holdoutEndDay: number | null;
  /** Holdout length in units, (H − E) / daysPerUnit; 0 without a holdout. */
  holdoutLength: number;
  /** Customer slots (length of every per-customer array). */
  customerCount: number;
  /** Per customer: one of `CustomerStatus`. */
  status: Uint8Array;
  /** Per customer: repeat transactions in calibration (NaN unless status = calibration). */
  x: Float64Array;
  /** Per customer: first → last calibration transaction, in units. */
  tx: Float64Array;
  /** Per customer: first transaction → calibration end, in units. */
  T: Float64Array;
  /** Per customer: the first purchase day's UTC start in epoch ms (NaN without transactions). */
  firstPurchase: Float64Array;
  /** Per customer: net amount of the first purchase day. */
  firstSpend: Float64Array;
  /** Per customer: mean amount of the repeat calibration transactions; NaN when x = 0. */
  meanRepeatSpend: Float64Array;
  /** Per customer: transactions (distinct days) in the holdout period. */
  holdoutX: Float64Array;
  /** Per customer: spend in the holdout period. */
  holdoutSpend: Float64Array;
  counts: {
    /** Input rows. */
    rows: number;
    /** Purchase days (customer, day) within the observation (≤ H or ≤ E), rule 1. */
    transactions: number;
    /** Customer-days within the observation dropped as refund days (net ≤ 0 with a refund), rule 1. */
    refundDays: number;
    /** Input rows after the end of the observation, ignored. */
    rowsAfterEnd: number;
    calibrationCustomers: number;
    /** Customers whose first purchase is after the calibration end (excluded, reported). */
    firstAfterCalibration: number;
    customersWithoutTransactions: number;
    /**
     * Of `customersWithoutTransactions`: customers with rows within the observation that are all refund
     * days (e.g. a single order refunded the same day). Not customers of the summary; reported here.
     */
    refundOnlyCustomers: number;
    /** Calibration customers with at least one repeat transaction (x > 0). */
    repeatCustomers: number;
  };
}

/** Transactions regrouped by customer: customer c's rows are days/amounts[start[c] .. start[c+1]). */
interface CustomerSegments {
  customerCount: number;
  start: Int32Array;
  /** UTC day of each kept row (not yet sorted within a segment). */
  days: Int32Array;
  amounts: Float64Array;
  /** Rows after `lastDay`, dropped. */
  rowsAfterEnd: number;
}

/**
 * Validate the columns and regroup the rows up to `lastDay` by customer with a counting sort:
 * O(rows + customers), two typed arrays, no per-row allocation.
 */
function groupByCustomer(
  transactions: TransactionColumns,
  lastDay: number,
  requestedCustomerCount: number | undefined,
): CustomerSegments {
  const { customer, time, amount } = transactions;
  const rows = customer.length;
  if (time.length !== rows || amount.length !== rows) {
    throw new StatsError(
      'invalid_input',
      `transaction columns differ in length (customer ${rows}, time ${time.length}, amount ${amount.length})`,
    );
  }
  let customerCount = requestedCustomerCount ?? 0;
  if (requestedCustomerCount === undefined) {
    for (let i = 0; i < rows; i++) if ((customer[i] as number) >= customerCount) customerCount = (customer[i] as number) + 1;
  } else if (!Number.isInteger(customerCount) || customerCount < 0) {
    throw new StatsError('invalid_input', `customerCount must be a non-negative integer, got ${customerCount}`);
  }

  // Pass 1: validate and count the rows within the observation per customer.
  const start = new Int32Array(customerCount + 1);
  let rowsAfterEnd = 0;
  for (let i = 0; i < rows; i++) {
    const c = customer[i] as number;
    if (c < 0 || c >= customerCount) {
      throw new StatsError('invalid_input', `row ${i}: customer index ${c} outside 0..${customerCount - 1}`);
    }
    const t = time[i] as number;
    const a = amount[i] as number;
    if (!Number.isFinite(t) || !Number.isFinite(a)) {
      throw new StatsError('invalid_input', `row ${i}: time and amount must be finite numbers`);
    }
    if (Math.floor(t / MS_PER_DAY) > lastDay) rowsAfterEnd++;
    else start[c + 1]!++;
  }
  for (let c = 0; c < customerCount; c++) start[c + 1]! += start[c] as number;

  // Pass 2: scatter days and amounts into per-customer segments (a counting sort by customer).
  const kept = rows - rowsAfterEnd;
  const days = new Int32Array(kept);
  const amounts = new Float64Array(kept);
  const fill = start.slice(0, customerCount);
  for (let i = 0; i < rows; i++) {
    const d = Math.floor((time[i] as number) / MS_PER_DAY);
    if (d > lastDay) continue;
    const pos = fill[customer[i] as number]!++;
    days[pos] = d;
    amounts[pos] = amount[i] as number;
  }

  return { customerCount, start, days, amounts, rowsAfterEnd };
}

/** Sort the (day, amount) pairs [lo, hi) by day: insertion sort for the typical short history, an index sort beyond. */
function sortByDay(days: Int32Array, amounts: Float64Array, lo: number, hi: number): void {
  let sorted = true;
  for (let k = lo + 1; k < hi && sorted; k++) if ((days[k] as number) < (days[k - 1] as number)) sorted = false;
  if (sorted) return;
  if (hi - lo > 32) {
    const order = Array.from({ length: hi - lo }, (_, i) => lo + i).sort((p, q) => (days[p] as number) - (days[q] as number));
    const d = Int32Array.from(order, (i) => days[i] as number);
    const a = Float64Array.from(order, (i) => amounts[i] as number);
    days.set(d, lo);
    amounts.set(a, lo);
    return;
  }
  for (let k = lo + 1; k < hi; k++) {
    const d = days[k] as number;
    const v = amounts[k] as number;
    let j = k - 1;
    while (j >= lo && (days[j] as number) > d) {
      days[j + 1] = days[j] as number;
      amounts[j + 1] = amounts[j] as number;
      j--;
    }
    days[j + 1] = d;
    amounts[j + 1] = v;
  }
}

/**
 * Rule 1 for one customer's rows [lo, hi): sort them by day, net each day and keep the purchase days
 * (net > 0, or no negative amount) in place, so that afterwards days/amounts[lo, end) are the purchase
 * days ascending with their net amounts. Returns `end`; refund days dropped are added to `dropped[0]`.
 */
function purchaseDays(days: Int32Array, amounts: Float64Array, lo: number, hi: number, dropped: Float64Array): number {
  sortByDay(days, amounts, lo, hi);
  let end = lo;
  let k = lo;
  while (k < hi) {
    const d = days[k] as number;
    let net = 0;
    let refund = false;
    for (; k < hi && days[k] === d; k++) {
      const a = amounts[k] as number;
      net += a;
      if (a < 0) refund = true;
    }
    if (net > 0 || !refund) {
      days[end] = d;
      amounts[end] = net;
      end++;
    } else {
      dropped[0]!++;
    }
  }
  return end;
}

function toEpochMs(value: number | Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms)) throw new StatsError('invalid_input', `${name} is not a valid time`);
  return ms;
}

/**
 * Summarise transactions into per-customer (x, t_x, T, m̄, holdout) statistics following the
 * definitions at the top of this file (Fader, Hardie & Lee 2005, "Counting your customers the easy
 * way", Marketing Science, for x, t_x, T). O(rows + customers) apart from sorting the days of
 * customers whose rows are not in time order.
 */
export function summarizeTransactions(
  transactions: TransactionColumns,
  options: SummaryOptions,
): CustomerSummary {
  const rows = transactions.customer.length;
  const unit = options.unit;
  const daysPerUnit = DAYS_PER_UNIT[unit];
  if (daysPerUnit === undefined) throw new StatsError('invalid_input', `unknown time unit '${String(unit)}'`);
  const E = utcDay(toEpochMs(options.calibrationEnd, 'calibrationEnd'));
  const H = options.holdoutEnd === undefined ? null : utcDay(toEpochMs(options.holdoutEnd, 'holdoutEnd'));
  if (H !== null && H < E) {
    throw new StatsError('invalid_input', 'holdoutEnd is before calibrationEnd');
  }
  const lastDay = H ?? E;

  const { customerCount, start, days, amounts, rowsAfterEnd } = groupByCustomer(
    transactions,
    lastDay,
    options.customerCount,
  );

  const status = new Uint8Array(customerCount);
  const x = new Float64Array(customerCount).fill(Number.NaN);
  const tx = new Float64Array(customerCount).fill(Number.NaN);
  const T = new Float64Array(customerCount).fill(Number.NaN);
  const firstPurchase = new Float64Array(customerCount).fill(Number.NaN);
  const firstSpend = new Float64Array(customerCount).fill(Number.NaN);
  const meanRepeatSpend = new Float64Array(customerCount).fill(Number.NaN);
  const holdoutX = new Float64Array(customerCount).fill(Number.NaN);
  const holdoutSpend = new Float64Array(customerCount).fill(Number.NaN);
  let transactionCount = 0;
  let calibrationCustomers = 0;
  let firstAfterCalibration = 0;
  let withoutTransactions = 0;
  let repeatCustomers = 0;

  // Pass 3: per customer segment, reduced to its purchase days (rule 1).
  const dropped = new Float64Array(1);
  let refundOnlyCustomers = 0;
  for (let c = 0; c < customerCount; c++) {
    const lo = start[c] as number;
    const hi = start[c + 1] as number;
    const end = lo === hi ? lo : purchaseDays(days, amounts, lo, hi, dropped);
    if (lo === end) {
      status[c] = CustomerStatus.noTransactions;
      withoutTransactions++;
      if (lo < hi) refundOnlyCustomers++;
      continue;
    }
    const first = days[lo] as number;
    const spendFirst = amounts[lo] as number;
    let distinctCalibration = 0;
    let distinctHoldout = 0;
    let lastCalibrationDay = first;
    let spendRepeat = 0;
    let spendHoldout = 0;
    for (let k = lo; k < end; k++) {
      const d = days[k] as number;
      const a = amounts[k] as number;
      if (d <= E) {
        distinctCalibration++;
        lastCalibrationDay = d;
        if (k > lo) spendRepeat += a;
      } else {
        distinctHoldout++;
        spendHoldout += a;
      }
    }
    transactionCount += end - lo;
    firstPurchase[c] = first * MS_PER_DAY;
    firstSpend[c] = spendFirst;
    if (first > E) {
      status[c] = CustomerStatus.firstAfterCalibration;
      firstAfterCalibration++;
      continue;
    }
    status[c] = CustomerStatus.calibration;
    calibrationCustomers++;
    const repeats = distinctCalibration - 1;
    if (repeats > 0) repeatCustomers++;
    x[c] = repeats;
    tx[c] = (lastCalibrationDay - first) / daysPerUnit;
    T[c] = (E - first) / daysPerUnit;
    meanRepeatSpend[c] = repeats > 0 ? spendRepeat / repeats : Number.NaN;
    holdoutX[c] = H === null ? 0 : distinctHoldout;
    holdoutSpend[c] = H === null ? 0 : spendHoldout;
  }

  return {
    unit,
    daysPerUnit,
    calibrationEndDay: E,
    holdoutEndDay: H,
    holdoutLength: H === null ? 0 : (H - E) / daysPerUnit,
    customerCount,
    status,
    x,
    tx,
    T,
    firstPurchase,
    firstSpend,
    meanRepeatSpend,
    holdoutX,
    holdoutSpend,
    counts: {
      rows,
      transactions: transactionCount,
      refundDays: dropped[0] as number,
      rowsAfterEnd,
      calibrationCustomers,
      firstAfterCalibration,
      customersWithoutTransactions: withoutTransactions,
      refundOnlyCustomers,
      repeatCustomers,
    },
  };
}

/**
 * The distinct (x, t_x, T) histories with how many customers share each. Model likelihoods are
 * sums over customers, so Σ_customers ℓ(x, t_x, T) = Σ_triples weight · ℓ(triple).
 */
export interface RfTriples {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Customers with this exact triple (or any non-negative weight). */
  weight: Float64Array;
  /** Total weight (number of customers represented). */
  customers: number;
}

/** Triples plus the map back from customers, so per-triple scores expand to customers. */
export interface CompressedTriples extends RfTriples {
  /** Per input customer: index of its triple, or −1 when the customer was skipped (NaN x). */
  tripleOfCustomer: Int32Array;
}

/**
 * Group customers by their exact (x, t_x, T) doubles (open-addressing hash over the bit patterns;
 * O(n), no per-customer allocation). Customers with a NaN x, t_x or T (not calibration customers)
 * are skipped and mapped to −1. Triples appear in order of first occurrence.
 */
export function compressTriples(x: Float64Array, tx: Float64Array, T: Float64Array): CompressedTriples {
  const n = x.length;
  if (tx.length !== n || T.length !== n) {
    throw new StatsError('invalid_input', `x, tx and T differ in length (${n}, ${tx.length}, ${T.length})`);
  }
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  const table = new Int32Array(capacity).fill(-1);
  // Triples are appended here; at most n of them.
  const ux = new Float64Array(n);
  const utx = new Float64Array(n);
  const uT = new Float64Array(n);
  const weight = new Float64Array(n);
  const tripleOfCustomer = new Int32Array(n);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let unique = 0;
  let customers = 0;

  for (let i = 0; i < n; i++) {
    // `+ 0` folds −0 into +0 so they share a bit pattern.
    const xi = (x[i] as number) + 0;
    const ti = (tx[i] as number) + 0;
    const Ti = (T[i] as number) + 0;
    if (Number.isNaN(xi) || Number.isNaN(ti) || Number.isNaN(Ti)) {
      tripleOfCustomer[i] = -1;
      continue;
    }
    let h = 0x811c9dc5;
    bits[0] = xi;
    h = Math.imul(h ^ (words[0] as number), 0x01000193);
    h = Math.imul(h ^ (words[1] as number), 0x01000193);
    bits[0] = ti;
    h = Math.imul(h ^ (words[0] as number), 0x01000193);
    h = Math.imul(h ^ (words[1] as number), 0x01000193);
    bits[0] = Ti;
    h = Math.imul(h ^ (words[0] as number), 0x01000193);
    h = Math.imul(h ^ (words[1] as number), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let slot = h & mask;
    for (;;) {
      const j = table[slot] as number;
      if (j === -1) {
        table[slot] = unique;
        ux[unique] = xi;
        utx[unique] = ti;
        uT[unique] = Ti;
        weight[unique] = 1;
        tripleOfCustomer[i] = unique;
        unique++;
        break;
      }
      if (ux[j] === xi && utx[j] === ti && uT[j] === Ti) {
        weight[j]!++;
        tripleOfCustomer[i] = j;
        break;
      }
      slot = (slot + 1) & mask;
    }
    customers++;
  }
  return {
    x: ux.slice(0, unique),
    tx: utx.slice(0, unique),
    T: uT.slice(0, unique),
    weight: weight.slice(0, unique),
    customers,
    tripleOfCustomer,
  };
}

/**
 * Expand values computed once per triple back to customers: out[i] = perTriple[tripleOfCustomer[i]],
 * `fill` (default NaN) for customers without a triple.
 */
export function expandToCustomers(
  perTriple: ArrayLike<number>,
  tripleOfCustomer: Int32Array,
  fill = Number.NaN,
): Float64Array {
  const out = new Float64Array(tripleOfCustomer.length);
  for (let i = 0; i < out.length; i++) {
    const j = tripleOfCustomer[i] as number;
    if (j >= perTriple.length) {
      throw new StatsError('invalid_input', `customer ${i} maps to triple ${j}, beyond ${perTriple.length} values`);
    }
    out[i] = j < 0 ? fill : (perTriple[j] as number);
  }
  return out;
}

/** Day-by-day transaction counts of the customers acquired in a window (for tracking plots). */
export interface DailyTransactionCounts {
  /** UTC day of index 0. */
  startDay: number;
  /** Per day startDay..endDay: customers whose first purchase day is that day. */
  firstPurchases: Float64Array;
  /** Per day: repeat transactions (purchase days that are not a customer's first). */
  repeats: Float64Array;
  /** Customers left out because their first purchase is before the start day. */
  customersBeforeStart: number;
}

/**
 * Count, per UTC day, first purchases and repeat transactions under the same rules as
 * `summarizeTransactions` (UTC day buckets, one transaction per purchase day, refund days dropped —
 * rule 1). Only customers whose
 * first purchase falls in [start, end] are counted, so the actual curve and a model prediction
 * built from `firstPurchases` describe the same customers (FHL 2005's tracking plot).
 * `start` defaults to the earliest purchase day in the data.
 */
export function dailyTransactionCounts(
  transactions: TransactionColumns,
  options: { start?: number | Date; end: number | Date; customerCount?: number },
): DailyTransactionCounts {
  const endDay = utcDay(toEpochMs(options.end, 'end'));
  const { customerCount, start, days, amounts } = groupByCustomer(transactions, endDay, options.customerCount);
  // Reduce every customer to its purchase days first (the default start is the earliest of them).
  const end = new Int32Array(customerCount);
  const dropped = new Float64Array(1);
  let earliest = endDay;
  for (let c = 0; c < customerCount; c++) {
    const lo = start[c] as number;
    end[c] = purchaseDays(days, amounts, lo, start[c + 1] as number, dropped);
    if (end[c]! > lo && (days[lo] as number) < earliest) earliest = days[lo] as number;
  }
  const startDay = options.start !== undefined ? utcDay(toEpochMs(options.start, 'start')) : earliest;
  if (startDay > endDay) throw new StatsError('invalid_input', 'start is after end');
  const length = endDay - startDay + 1;
  const firstPurchases = new Float64Array(length);
  const repeats = new Float64Array(length);
  let customersBeforeStart = 0;
  for (let c = 0; c < customerCount; c++) {
    const lo = start[c] as number;
    const hi = end[c] as number;
    if (lo === hi) continue;
    const first = days[lo] as number;
    if (first < startDay) {
      customersBeforeStart++;
      continue;
    }
    firstPurchases[first - startDay]!++;
    for (let k = lo + 1; k < hi; k++) repeats[(days[k] as number) - startDay]!++;
  }
  return { startDay, firstPurchases, repeats, customersBeforeStart };
}
