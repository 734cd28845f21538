/**
 * The report summaries of migration 0012 (loss_facts, loss_days, active_deltas, contract_value_deltas,
 * order_revenue_months, state_counts) are kept by triggers in the transaction of every write they summarise; this
 * module holds what their readers share.
 */

const DAY_MS = 86_400_000;

/**
 * The whole UTC days inside [from, to]: loss_days counts them; the parts of the period before `lo` and from `hi`
 * on are read from loss_facts one by one. Null when the period holds no whole day.
 */
export function wholeDays(from: Date, to: Date): { lo: Date; hi: Date } | null {
  const lo = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const hi = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  return hi > lo ? { lo: new Date(lo), hi: new Date(hi) } : null;
}
