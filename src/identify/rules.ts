/**
 * The lifecycle rules as pure functions: one customer's stored data (read set-based in SQL, see repository.ts) is
 * turned into facts (`deriveFacts`), which with the state stored so far go in; the transitions to append and the
 * current state come out. No I/O, so every rule and edge case is pinned by tests on constructed histories
 * (rules.test.ts).
 *
 * The customer's history is replayed from the data as a timeline of dated events:
 *   contract customers (any contract started by as-of): contracts are merged into "islands" of continuous
 *     coverage (a contract starting within `renewalGapDays` after the previous end continues the island). The
 *     first island starts `active`; a later island starts `won_back`; an island whose end has passed ends `lost`
 *     on that end (the day the customer actually left, not the notice date). A running contract with a
 *     cancellation date is "cancellation pending": at_risk, and lost once its end passes.
 *   order customers: the first purchase day starts `active`; every closed gap between purchase days longer than
 *     the allowed gap (k × the customer's median gap, at least the floor) is a `sleeping` episode entered when
 *     the allowed gap ran out and left (`won_back`) on the next purchase. The ongoing gap decides the current
 *     state: by P(alive) when the customer is scored and has not bought since the analysis, else by the same
 *     inter-purchase fallback.
 *   won_back settles back to active after `wonBackPeriodDays`.
 * On top of the timeline, the current signals (cancellation pending, P(alive) low or falling, purchase rate
 * dropping, complaints rising) make an active customer at_risk.
 *
 * Incremental: only timeline events after the stored state's entered_at are appended, and the final state is
 * compared with the stored one, so recomputing with the same data writes nothing, and new data appends
 * transitions (with their real effective dates) without touching earlier ones. Leaving lost or sleeping takes
 * evidence — a new contract, a purchase — never just a model's changed opinion.
 */
import type { LifecycleState } from '../db/schema.js';
import { pAliveCrossing, type PAliveFunction } from '../stats/alive.js';
import type { RuleOptions } from './schemas.js';

export const DAY_MS = 86_400_000;

/** The fitted purchase model of the current analysis: P(alive | x, t_x, T) in its time unit. */
export interface ScoringModel {
  pAlive: PAliveFunction;
  daysPerUnit: number;
}

/** A span of continuous contract coverage and the contracts that ended it. */
export interface Island {
  start: Date;
  /** Coverage end; null = open-ended (still running). */
  end: Date | null;
  /** Annualised value (monthly value × 12, minor units) of the contracts ending the island. */
  value: number;
  currency: string | null;
  plan: string | null;
  reasonCode: string | null;
  /** Cancellation date of the contract ending the island (null: it simply ran out / is running). */
  cancelledAt: Date | null;
}

/** A closed gap between purchase days longer than the allowed gap: a past sleeping episode. */
export interface PastGap {
  /** Last purchase day before the gap. */
  from: Date;
  /** Purchase day that ended it. */
  to: Date;
  /** Order revenue in the 365 days up to `from` (minor units). */
  trailing12m: number;
}

export interface CustomerFacts {
  customerId: number;
  /** acquired_at, else the record's creation: the start of a customer without contracts or orders. */
  since: Date;
  teamId: number | null;
  channel: string | null;
  country: string | null;
  islands: Island[];
  /** Contracts that replaced a cancelled one at a lower monthly value (a downgrade instead of a cancel). */
  downgrades: number;
  orders: {
    /** Distinct purchase days up to as-of. */
    days: number;
    firstDay: Date | null;
    lastDay: Date | null;
    medianGapDays: number | null;
    /** Purchase days in the last `recentDays` days. */
    recentDays: number;
    /** Revenue in the 365 days up to the last purchase day. */
    trailing12m: number;
    currency: string | null;
    pastGaps: PastGap[];
    /** First purchase day after the stored state's entered_at (evidence of a return). */
    firstDayAfterStored: Date | null;
    /** Purchase days after the last contract's end. */
    daysAfterContractExit: number;
  };
  interactions: {
    complaintsRecent: number;
    complaintsBefore: number;
    /** Usage, support tickets and service calls after the last contract's end / after the last purchase day. */
    needAfterContractExit: number;
    needAfterLastOrder: number;
  };
  scores: {
    analysisRunId: number;
    asOf: Date;
    pAlive: number;
    pAlivePrevious: number | null;
    clv: number;
    currency: string;
    /** The scored history (repeat purchases, recency and age in days) and the model that scored it. */
    history?: { x: number; txDays: number; tDays: number; model: ScoringModel } | null;
  } | null;
  /** The state stored so far and the rule that set it (e.g. `recovery_call` for a win-back agreed on a call). */
  stored: { state: LifecycleState; enteredAt: Date; rule?: string | null } | null;
}

/**
 * One customer's stored data as the recompute reads it (repository.ts: one GROUP BY customer_id per table), before
 * any rule is applied. `deriveFacts` turns it into the facts the rules classify, so every derived quantity (islands,
 * gaps, medians, windows) is defined once, here.
 */
export interface CustomerRecord {
  customerId: number;
  since: Date;
  teamId: number | null;
  channel: string | null;
  country: string | null;
  /** Contracts started by as-of, in any order. */
  contracts: ContractRecord[];
  /** Orders up to as-of, in any order: UTC day number (days since 1970-01-01) and amount (minor units). */
  orderDays: number[];
  orderAmounts: number[];
  /** The smallest of the orders' currencies (null: no orders). */
  orderCurrency: string | null;
  /** Complaints in the last `recentDays` days, and in the `recentDays` days before those. */
  complaintsRecent: number;
  complaintsBefore: number;
  /** When each usage, support ticket and service call up to as-of happened (epoch ms), in any order. */
  needContactsMs: number[];
  scores: CustomerFacts['scores'];
  stored: CustomerFacts['stored'];
}

export interface ContractRecord {
  id: number;
  startMs: number;
  /** ends_at, else cancelled_at; null: open-ended. */
  endMs: number | null;
  cancelledMs: number | null;
  monthlyValue: number;
  currency: string;
  plan: string | null;
  reasonCode: string | null;
}

export interface Loss {
  currency: string | null;
  value: number;
  basis: 'contract_annualised' | 'trailing_12m';
  forecast: number | null;
  reasonCode: string | null;
  plan: string | null;
}

export interface StateEvent {
  state: LifecycleState;
  at: Date;
  reason: { rule: string } & Record<string, unknown>;
  loss?: Loss;
  /** Set when the rule used the current analysis' scores. */
  analysisRunId?: number;
}

export interface Transition extends StateEvent {
  from: LifecycleState | null;
}

export interface Classification {
  /** Transitions to append, oldest first (empty when nothing changed). */
  transitions: Transition[];
  /** The current state and its evidence. */
  state: LifecycleState;
  enteredAt: Date;
  evidence: Record<string, unknown>;
  latentNeed: boolean;
  latentNeedEvidence: Record<string, unknown> | null;
}

/** YYYY-MM-DD (UTC) as toISOString gives it; built from the date fields, which costs a fraction of toISOString. */
function day(d: Date): string {
  const y = d.getUTCFullYear();
  if (y < 1000 || y > 9999) return d.toISOString().slice(0, 10);
  const m = d.getUTCMonth() + 1;
  const dd = d.getUTCDate();
  return `${y}-${m < 10 ? '0' : ''}${m}-${dd < 10 ? '0' : ''}${dd}`;
}
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * DAY_MS);
const daysBetween = (a: Date, b: Date) => Math.floor((b.getTime() - a.getTime()) / DAY_MS);

/** The longest gap between purchases that is still normal for this customer (days). */
export function allowedGapDays(orders: Pick<CustomerFacts['orders'], 'days' | 'medianGapDays'>, options: RuleOptions): number {
  if (orders.days <= 1 || orders.medianGapDays === null) return options.singlePurchaseGapDays;
  return Math.max(options.sleepingMinGapDays, Math.ceil(options.sleepingGapFactor * orders.medianGapDays));
}

const minText = (a: string | null, b: string | null) => (a === null ? b : b === null || a <= b ? a : b);

/** The island of contracts[from, to), ending at `end` (Infinity: open-ended). */
function islandOf(contracts: readonly ContractRecord[], from: number, to: number, end: number): Island {
  let value = 0;
  let currency: string | null = null;
  let plan: string | null = null;
  let reasonCode: string | null = null;
  let cancelled: number | null = null;
  for (let j = from; j < to; j++) {
    const k = contracts[j]!;
    if ((k.endMs ?? Infinity) !== end) continue;
    value += k.monthlyValue;
    currency = minText(currency, k.currency);
    plan = minText(plan, k.plan);
    reasonCode = minText(reasonCode, k.reasonCode);
    if (k.cancelledMs !== null && (cancelled === null || k.cancelledMs > cancelled)) cancelled = k.cancelledMs;
  }
  return {
    start: new Date(contracts[from]!.startMs),
    end: end === Infinity ? null : new Date(end),
    value: value * 12,
    currency,
    plan,
    reasonCode,
    cancelledAt: cancelled === null ? null : new Date(cancelled),
  };
}

/**
 * Contracts merged into islands of continuous coverage, oldest first: in order of start (then id), a contract
 * starting more than `renewalGapDays` days after the latest end so far opens a new island. An island ends at the
 * latest end of its contracts (open-ended if any is); its value, plan, reason and cancellation are those of the
 * contracts ending it (ties: summed value, the smallest currency, plan and reason code, the latest cancellation).
 * A downgrade is a contract continuing an island right after a cancelled one, at a lower monthly value.
 */
export function contractIslands(contracts: readonly ContractRecord[], renewalGapDays: number): { islands: Island[]; downgrades: number } {
  const sorted = contracts.length > 1 ? [...contracts].sort((a, b) => a.startMs - b.startMs || a.id - b.id) : contracts;
  const islands: Island[] = [];
  let downgrades = 0;
  let first = 0;
  let latestEnd = -Infinity;
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i]!;
    if (i > 0 && k.startMs > latestEnd + renewalGapDays * DAY_MS) {
      islands.push(islandOf(sorted, first, i, latestEnd));
      first = i;
    } else if (i > 0) {
      const previous = sorted[i - 1]!;
      if (previous.cancelledMs !== null && k.monthlyValue < previous.monthlyValue) downgrades++;
    }
    // A new island starts past every earlier end, so the latest end within the island decides what continues it.
    latestEnd = i === first ? (k.endMs ?? Infinity) : Math.max(latestEnd, k.endMs ?? Infinity);
  }
  if (sorted.length > 0) islands.push(islandOf(sorted, first, sorted.length, latestEnd));
  return { islands, downgrades };
}

/** percentile_cont(0.5): the middle value, or the mean of the two middle ones (sorts `xs`). */
function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  const pos = 0.5 * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return lo === hi ? xs[lo]! : xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

/** Distinct purchase days, ascending, with each day's total (the arrays given when they already are that). */
function purchaseDays(orderDays: readonly number[], orderAmounts: readonly number[]): { days: readonly number[]; amounts: readonly number[] } {
  let strictlyAscending = true;
  for (let i = 1; i < orderDays.length && strictlyAscending; i++) strictlyAscending = orderDays[i]! > orderDays[i - 1]!;
  if (strictlyAscending) return { days: orderDays, amounts: orderAmounts };
  const order = Array.from({ length: orderDays.length }, (_v, j) => j).sort((a, b) => orderDays[a]! - orderDays[b]!);
  const days: number[] = [];
  const amounts: number[] = [];
  for (const i of order) {
    if (days.length > 0 && days[days.length - 1] === orderDays[i]) amounts[amounts.length - 1]! += orderAmounts[i]!;
    else {
      days.push(orderDays[i]!);
      amounts.push(orderAmounts[i]!);
    }
  }
  return { days, amounts };
}

/**
 * The facts the rules classify, derived from one customer's stored data as of `asOf`: contract islands and the
 * exit (the end of the last island, once passed); purchase days (orders summed per UTC day), the gaps between them,
 * their median, the trailing 12 months (a day and the 364 before it) and the past gaps longer than allowed; the
 * contacts and purchases after the exit or the last purchase.
 */
export function deriveFacts(record: CustomerRecord, options: RuleOptions, asOf: Date): CustomerFacts {
  const { islands, downgrades } = contractIslands(record.contracts, options.renewalGapDays);
  const last = islands.at(-1);
  const exitMs = last?.end && last.end <= asOf ? last.end.getTime() : null;

  const { days, amounts } = purchaseDays(record.orderDays, record.orderAmounts);
  const n = days.length;
  const firstDay = n > 0 ? days[0]! : null;
  const lastDay = n > 0 ? days[n - 1]! : null;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(days[i]! - days[i - 1]!);
  const medianGapDays = median(gaps);
  const allowed = allowedGapDays({ days: n, medianGapDays }, options);
  // windowSum: revenue of the purchase days in [days[i] − 364, days[i]] (the trailing 12 months of day i), kept
  // while walking the days; before day i is added it is that of day i − 1, where a past gap starts.
  const pastGaps: PastGap[] = [];
  let windowSum = 0;
  for (let i = 0, lo = 0; i < n; i++) {
    if (i > 0 && days[i]! - days[i - 1]! > allowed) {
      pastGaps.push({ from: new Date(days[i - 1]! * DAY_MS), to: new Date(days[i]! * DAY_MS), trailing12m: windowSum });
    }
    windowSum += amounts[i]!;
    while (days[lo]! < days[i]! - 364) windowSum -= amounts[lo++]!;
  }
  const recentFrom = dayOf(asOf.getTime()) - options.recentDays;
  const storedDay = record.stored ? dayOf(record.stored.enteredAt.getTime()) : null;
  const exitDay = exitMs === null ? null : dayOf(exitMs);
  let recentDays = 0;
  let firstDayAfterStored: number | null = null;
  let daysAfterContractExit = 0;
  for (const day of days) {
    if (day > recentFrom) recentDays++;
    if (storedDay !== null && firstDayAfterStored === null && day > storedDay) firstDayAfterStored = day;
    if (exitDay !== null && day > exitDay) daysAfterContractExit++;
  }
  let needAfterContractExit = 0;
  let needAfterLastOrder = 0;
  for (const ms of record.needContactsMs) {
    if (exitMs !== null && ms > exitMs) needAfterContractExit++;
    if (lastDay !== null && dayOf(ms) > lastDay) needAfterLastOrder++;
  }
  return {
    customerId: record.customerId,
    since: record.since,
    teamId: record.teamId,
    channel: record.channel,
    country: record.country,
    islands,
    downgrades,
    orders: {
      days: n,
      firstDay: firstDay === null ? null : new Date(firstDay * DAY_MS),
      lastDay: lastDay === null ? null : new Date(lastDay * DAY_MS),
      medianGapDays,
      recentDays,
      trailing12m: windowSum,
      currency: record.orderCurrency,
      pastGaps,
      firstDayAfterStored: firstDayAfterStored === null ? null : new Date(firstDayAfterStored * DAY_MS),
      daysAfterContractExit,
    },
    interactions: { complaintsRecent: record.complaintsRecent, complaintsBefore: record.complaintsBefore, needAfterContractExit, needAfterLastOrder },
    scores: record.scores,
    stored: record.stored,
  };
}

/** A won-back customer counts as ordinary again `wonBackPeriodDays` later, unless the next event comes first. */
function settle(events: StateEvent[], options: RuleOptions, asOf: Date, wonBackAt: Date, nextAt: Date | null): void {
  const at = addDays(wonBackAt, options.wonBackPeriodDays);
  if (at <= asOf && (nextAt === null || at < nextAt)) events.push({ state: 'active', at, reason: { rule: 'won_back_settled', wonBackAt: day(wonBackAt) } });
}

/** The customer's history replayed from the data: dated events up to as-of, oldest first. */
export function timeline(facts: CustomerFacts, options: RuleOptions, asOf: Date): StateEvent[] {
  const events: StateEvent[] = [];
  if (facts.islands.length > 0) {
    facts.islands.forEach((island, i) => {
      if (i === 0) events.push({ state: 'active', at: island.start, reason: { rule: 'first_contract' } });
      else {
        events.push({ state: 'won_back', at: island.start, reason: { rule: 'new_contract', lostAt: day(facts.islands[i - 1]!.end!) } });
        settle(events, options, asOf, island.start, island.end && island.end <= asOf ? island.end : null);
      }
      if (island.end && island.end <= asOf) {
        events.push({
          state: 'lost',
          at: island.end,
          reason: {
            rule: island.cancelledAt ? 'contract_cancelled' : 'contract_ended',
            endedAt: day(island.end),
            ...(island.cancelledAt ? { cancelledAt: day(island.cancelledAt) } : {}),
          },
          loss: { currency: island.currency, value: island.value, basis: 'contract_annualised', forecast: null, reasonCode: island.reasonCode, plan: island.plan },
        });
      }
    });
    return events;
  }
  const o = facts.orders;
  if (o.days === 0 || !o.firstDay || !o.lastDay) {
    events.push({ state: 'active', at: facts.since, reason: { rule: 'no_activity_yet' } });
    return events;
  }
  const allowed = allowedGapDays(o, options);
  events.push({ state: 'active', at: o.firstDay, reason: { rule: 'first_purchase' } });
  o.pastGaps.forEach((gap, i) => {
    const sleepingAt = addDays(gap.from, allowed);
    if (sleepingAt > asOf || sleepingAt >= gap.to) return;
    events.push({
      state: 'sleeping',
      at: sleepingAt,
      reason: { rule: 'no_purchase_fallback', lastPurchase: day(gap.from), allowedGapDays: allowed },
      loss: { currency: o.currency, value: gap.trailing12m, basis: 'trailing_12m', forecast: null, reasonCode: null, plan: null },
    });
    events.push({ state: 'won_back', at: gap.to, reason: { rule: 'purchased_again', sleepingSince: day(sleepingAt) } });
    const next = o.pastGaps[i + 1];
    settle(events, options, asOf, gap.to, next ? addDays(next.from, allowed) : addDays(o.lastDay!, allowed));
  });
  // The ongoing gap: by P(alive) when the scores describe the customer's latest purchase, else by the fallback.
  const s = facts.scores;
  const scoresUsable = s !== null && o.lastDay <= s.asOf;
  const loss: Loss = { currency: o.currency, value: o.trailing12m, basis: 'trailing_12m', forecast: null, reasonCode: null, plan: null };
  const lastAt = events.at(-1)!.at;
  if (scoresUsable) {
    if (s.pAlive < options.sleepingPAlive) {
      const fellAsleep = fellAsleepAt(s, options.sleepingPAlive);
      events.push({
        state: 'sleeping',
        at: fellAsleep > lastAt ? fellAsleep : lastAt,
        reason: { rule: 'p_alive_low', pAlive: round(s.pAlive), threshold: options.sleepingPAlive, lastPurchase: day(o.lastDay) },
        loss: { ...loss, forecast: s.currency === o.currency ? s.clv : null },
        analysisRunId: s.analysisRunId,
      });
    }
  } else {
    const sleepingAt = addDays(o.lastDay, allowed);
    if (sleepingAt <= asOf) {
      events.push({
        state: 'sleeping',
        at: sleepingAt > lastAt ? sleepingAt : lastAt,
        reason: { rule: 'no_purchase_fallback', lastPurchase: day(o.lastDay), allowedGapDays: allowed, ...(o.days <= 1 ? { singlePurchase: true } : {}) },
        loss,
      });
    }
  }
  return events;
}

/**
 * The day the model's P(alive) for this history fell below the threshold — the customer has been asleep since
 * then, not since the analysis noticed it (dating every sleeper at the analysis would pile a first analysis's
 * sleepers into its own month). Without the history or the model: the analysis date.
 */
function fellAsleepAt(s: NonNullable<CustomerFacts['scores']>, threshold: number): Date {
  const h = s.history;
  if (!h) return s.asOf;
  const u = h.model.daysPerUnit;
  // To a quarter of a day: the date is what counts.
  const crossing = pAliveCrossing(h.model.pAlive, h.x, h.txDays / u, h.tDays / u, threshold, 0.25 / u);
  if (crossing === null) return s.asOf;
  // The first whole day on which P(alive) is below the threshold.
  const daysBeforeScoring = Math.floor(h.tDays - crossing * u);
  return new Date(s.asOf.getTime() - Math.max(0, daysBeforeScoring) * DAY_MS);
}

/** Signals that an active customer may be about to leave (empty: none). */
export function riskSignals(facts: CustomerFacts, options: RuleOptions, asOf: Date): { rule: string; at: Date; [k: string]: unknown }[] {
  const signals: { rule: string; at: Date; [k: string]: unknown }[] = [];
  const last = facts.islands.at(-1);
  const running = last !== undefined && (last.end === null || last.end > asOf);
  if (running && last.cancelledAt && last.end) {
    signals.push({ rule: 'cancellation_pending', at: last.cancelledAt <= asOf ? last.cancelledAt : asOf, cancelledAt: day(last.cancelledAt), endsAt: day(last.end) });
  }
  const o = facts.orders;
  const s = facts.scores;
  if (!running && s && o.lastDay && o.lastDay <= s.asOf) {
    if (s.pAlive < options.atRiskPAlive) signals.push({ rule: 'p_alive_low', at: asOf, pAlive: round(s.pAlive), threshold: options.atRiskPAlive });
    else if (s.pAlivePrevious !== null && s.pAlivePrevious - s.pAlive >= options.atRiskPAliveDrop) {
      signals.push({ rule: 'p_alive_falling', at: asOf, pAlive: round(s.pAlive), previous: round(s.pAlivePrevious) });
    }
  }
  if (o.firstDay && o.days >= options.minPurchaseDaysForRate) {
    const tenure = daysBetween(o.firstDay, asOf);
    if (tenure > 2 * options.recentDays) {
      const earlierRate = (o.days - o.recentDays) / (tenure - options.recentDays);
      const recentRate = o.recentDays / options.recentDays;
      if (recentRate < options.purchaseRateDropRatio * earlierRate) {
        signals.push({ rule: 'purchase_rate_dropping', at: asOf, recentPer90Days: round(recentRate * 90), earlierPer90Days: round(earlierRate * 90) });
      }
    }
  }
  const c = facts.interactions;
  if (c.complaintsRecent >= options.complaintsThreshold || (c.complaintsRecent > 0 && c.complaintsRecent > c.complaintsBefore)) {
    signals.push({ rule: 'complaints_rising', at: asOf, recent: c.complaintsRecent, before: c.complaintsBefore });
  }
  return signals;
}

function latentNeed(facts: CustomerFacts, state: LifecycleState): Record<string, unknown> | null {
  const evidence: Record<string, unknown> = {};
  if (state === 'lost') {
    if (facts.interactions.needAfterContractExit > 0) evidence.contactsAfterExit = facts.interactions.needAfterContractExit;
    if (facts.orders.daysAfterContractExit > 0) evidence.ordersAfterExit = facts.orders.daysAfterContractExit;
    if (facts.downgrades > 0) evidence.downgradesBeforeExit = facts.downgrades;
  } else if (state === 'sleeping') {
    if (facts.interactions.needAfterLastOrder > 0) evidence.contactsAfterLastPurchase = facts.interactions.needAfterLastOrder;
  }
  return Object.keys(evidence).length > 0 ? evidence : null;
}

const isGone = (s: LifecycleState) => s === 'lost' || s === 'sleeping';

/** The transitions appended so far and the state they lead to; an event into the current state is no transition. */
class TransitionLog {
  readonly transitions: Transition[] = [];
  constructor(public current: StateEvent | null) {}
  append(event: StateEvent): void {
    if (this.current && this.current.state === event.state) return;
    // Built field by field: an object spread per transition showed in profiles of a million customers.
    const transition: Transition = { state: event.state, at: event.at, reason: event.reason, from: this.current?.state ?? null };
    if (event.loss !== undefined) transition.loss = event.loss;
    if (event.analysisRunId !== undefined) transition.analysisRunId = event.analysisRunId;
    this.transitions.push(transition);
    this.current = event;
  }
}

/** Classifies one customer as of `asOf`, given what is stored: the transitions to append and the current state. */
export function classify(facts: CustomerFacts, options: RuleOptions, asOf: Date): Classification {
  const events = timeline(facts, options, asOf);
  const stored = facts.stored;
  const log = new TransitionLog(stored ? { state: stored.state, at: stored.enteredAt, reason: { rule: 'stored' } } : null);

  for (const event of events) if (!stored || event.at > stored.enteredAt) log.append(event);
  // Where the data alone puts the customer now.
  let derived = events.at(-1)!;
  if (derived.state === 'active') {
    const signals = riskSignals(facts, options, asOf);
    if (signals.length > 0) {
      const at = new Date(Math.max(derived.at.getTime(), Math.min(...signals.map((s) => s.at.getTime()))));
      derived = { state: 'at_risk', at, reason: { rule: signals[0]!.rule, signals: signals.map(({ at: _at, ...s }) => s) } };
      if (signals.some((s) => s.rule.startsWith('p_alive'))) derived.analysisRunId = facts.scores!.analysisRunId;
    }
  }
  const now = log.current;
  const agreedOnCall = stored?.rule === 'recovery_call' && log.transitions.length === 0 && now?.state === 'won_back';
  if (agreedOnCall && isGone(derived.state)) {
    // A win-back agreed on a recovery call comes before the data shows it (the new contract or purchase follows):
    // it stands for `recoveryConfirmDays`; if no evidence has arrived by then, the customer is where the data
    // puts them, from that day on.
    const confirmBy = new Date(stored.enteredAt.getTime() + options.recoveryConfirmDays * DAY_MS);
    if (confirmBy <= asOf) log.append({ ...derived, at: confirmBy, reason: { rule: 'win_back_not_confirmed', wonBackAt: day(stored.enteredAt), now: derived.reason } });
  } else if (!now) log.append(derived);
  else if (now.state !== derived.state) {
    if (isGone(now.state) && !isGone(derived.state)) {
      // Coming back takes evidence: a purchase after the exit (a new contract shows as a won_back event above).
      const returned = facts.islands.length === 0 ? facts.orders.firstDayAfterStored : null;
      if (returned) log.append({ state: 'won_back', at: returned, reason: { rule: 'purchased_again', [`${now.state}Since`]: day(now.at) } });
      else if (facts.islands.length > 0) log.append({ ...derived, at: asOf, reason: { rule: 'data_changed', now: derived.reason } });
      // An order customer with no purchase since stays where they are, whatever the model now says.
    } else {
      // Signal-based states change when observed; data events keep their real date.
      const observed = derived.state === 'active' || derived.state === 'at_risk';
      log.append(observed && derived.at <= now.at ? { ...derived, at: derived.state === 'active' ? asOf : derived.at > now.at ? derived.at : asOf } : derived);
    }
  }
  const final = log.current ?? derived;
  const need = isGone(final.state) ? latentNeed(facts, final.state) : null;
  const evidence: Record<string, unknown> = { ...final.reason };
  if (final.state === 'won_back' && derived.state === 'won_back') {
    const signals = riskSignals(facts, options, asOf);
    if (signals.length > 0) evidence.riskSignals = signals.map(({ at: _at, ...s }) => s);
  }
  return { transitions: log.transitions, state: final.state, enteredAt: final.at, evidence, latentNeed: need !== null, latentNeedEvidence: need };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
