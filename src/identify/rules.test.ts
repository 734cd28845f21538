import { describe, expect, it } from 'vitest';
import { classify, DAY_MS, deriveFacts, type ContractRecord, type CustomerFacts, type CustomerRecord, type Island } from './rules.js';
import { identifyOptionsSchema } from './schemas.js';

const { asOf: _a, batchSize: _b, ...rules } = identifyOptionsSchema.parse({});
const d = (s: string) => new Date(`${s}T00:00:00Z`);
const AS_OF = d('2025-06-30');

function facts(over: Partial<Omit<CustomerFacts, 'orders'>> & { orders?: Partial<CustomerFacts['orders']> } = {}): CustomerFacts {
  const { orders, ...rest } = over;
  return {
    customerId: 1,
    since: d('2022-01-01'),
    teamId: null,
    channel: null,
    country: null,
    islands: [],
    downgrades: 0,
    interactions: { complaintsRecent: 0, complaintsBefore: 0, needAfterContractExit: 0, needAfterLastOrder: 0 },
    scores: null,
    stored: null,
    ...rest,
    orders: { days: 0, firstDay: null, lastDay: null, medianGapDays: null, recentDays: 0, trailing12m: 0, currency: 'EUR', pastGaps: [], firstDayAfterStored: null, daysAfterContractExit: 0, ...orders },
  };
}
const island = (start: string, end: string | null, more: Partial<Island> = {}): Island => ({
  start: d(start), end: end ? d(end) : null, value: 120_000, currency: 'EUR', plan: 'basic', reasonCode: null, cancelledAt: null, ...more,
});
/** Feeds a result back as the stored state, the way the next recompute sees it. */
const again = (f: CustomerFacts, r: ReturnType<typeof classify>): CustomerFacts => ({ ...f, stored: { state: r.state, enteredAt: r.enteredAt } });

describe('lost', () => {
  it('is entered when the cancelled contract ends, with its annualised value', () => {
    const r = classify(facts({ islands: [island('2023-01-01', '2024-03-15', { cancelledAt: d('2024-01-10'), reasonCode: 'price' })] }), rules, AS_OF);
    expect(r.state).toBe('lost');
    expect(r.enteredAt).toEqual(d('2024-03-15'));
    expect(r.transitions.map((t) => [t.from, t.state])).toEqual([[null, 'active'], ['active', 'lost']]);
    expect(r.transitions[1]!.reason).toMatchObject({ rule: 'contract_cancelled', cancelledAt: '2024-01-10' });
    expect(r.transitions[1]!.loss).toMatchObject({ value: 120_000, basis: 'contract_annualised', reasonCode: 'price' });
  });

  it('is entered when a contract ran out without renewal', () => {
    const r = classify(facts({ islands: [island('2023-01-01', '2024-01-01')] }), rules, AS_OF);
    expect(r.state).toBe('lost');
    expect(r.evidence.rule).toBe('contract_ended');
  });

  it('a cancellation dated in the future is at risk, not lost; lost once the contract has ended', () => {
    const f = facts({ islands: [island('2023-01-01', '2025-09-30', { cancelledAt: d('2025-08-01') })] });
    const r = classify(f, rules, AS_OF);
    expect(r.state).toBe('at_risk');
    expect(r.evidence).toMatchObject({ rule: 'cancellation_pending', signals: [{ rule: 'cancellation_pending', cancelledAt: '2025-08-01', endsAt: '2025-09-30' }] });
    const later = classify(again(f, r), rules, d('2025-10-15'));
    expect(later.transitions.map((t) => [t.from, t.state, t.at])).toEqual([['at_risk', 'lost', d('2025-09-30')]]);
  });

  it('flags latent need: contact after the exit, orders after it, a downgrade before it', () => {
    const r = classify(
      facts({ islands: [island('2023-01-01', '2024-01-01')], downgrades: 1, interactions: { complaintsRecent: 0, complaintsBefore: 0, needAfterContractExit: 2, needAfterLastOrder: 0 }, orders: { daysAfterContractExit: 1 } }),
      rules,
      AS_OF,
    );
    expect(r.latentNeed).toBe(true);
    expect(r.latentNeedEvidence).toEqual({ contactsAfterExit: 2, ordersAfterExit: 1, downgradesBeforeExit: 1 });
  });
});

describe('won back', () => {
  it('a customer who returns with a new contract after being lost, and leaves again', () => {
    const back = facts({ islands: [island('2022-01-01', '2023-06-30'), island('2024-09-01', null)] });
    const r = classify(back, rules, AS_OF);
    expect(r.transitions.map((t) => t.state)).toEqual(['active', 'lost', 'won_back']);
    expect(r.state).toBe('won_back');
    expect(r.enteredAt).toEqual(d('2024-09-01'));
    // …and after a year back they are ordinary again.
    expect(classify(again(back, r), rules, d('2025-09-15')).transitions.map((t) => [t.state, t.at])).toEqual([['active', d('2025-09-01')]]);
    const gone = classify({ ...again(back, r), islands: [island('2022-01-01', '2023-06-30'), island('2024-09-01', '2025-06-01')] }, rules, AS_OF);
    expect(gone.transitions.map((t) => [t.from, t.state, t.at])).toEqual([['won_back', 'lost', d('2025-06-01')]]);
  });

  it('a win-back agreed on a recovery call stands until the new contract confirms it', () => {
    const lost = facts({ islands: [island('2022-01-01', '2024-12-31')] });
    const onCall = { ...lost, stored: { state: 'won_back' as const, enteredAt: d('2025-05-01'), rule: 'recovery_call' } };
    // Within the confirmation window the data (still lost) does not undo the agreement.
    expect(classify(onCall, rules, AS_OF)).toMatchObject({ state: 'won_back', transitions: [] });
    // The new contract arrives: still won back (from the call), and ordinary a year after the contract started.
    const signed = { ...onCall, islands: [...lost.islands, island('2025-05-10', null)] };
    expect(classify(signed, rules, AS_OF)).toMatchObject({ state: 'won_back', transitions: [] });
    expect(classify(signed, rules, d('2026-06-01')).transitions.map((t) => [t.state, t.at])).toEqual([['active', d('2026-05-10')]]);
    // No contract within 90 days: back to lost on the day the window closed, saying why.
    const unconfirmed = classify(onCall, rules, d('2025-09-01'));
    expect(unconfirmed.transitions.map((t) => [t.from, t.state, t.at])).toEqual([['won_back', 'lost', d('2025-07-30')]]);
    expect(unconfirmed.transitions[0]!.reason).toMatchObject({ rule: 'win_back_not_confirmed', wonBackAt: '2025-05-01' });
    // A won_back the data set (not a call) follows the data as before.
    expect(classify({ ...onCall, stored: { ...onCall.stored, rule: 'new_contract' } }, rules, AS_OF).state).toBe('lost');
  });

  it('a sleeping customer who buys again; a model that changes its mind is not a return', () => {
    const sleeping = facts({
      orders: { days: 5, firstDay: d('2023-01-01'), lastDay: d('2024-01-01'), medianGapDays: 60 },
      scores: { analysisRunId: 1, asOf: d('2025-06-01'), pAlive: 0.1, pAlivePrevious: null, clv: 500, currency: 'EUR' },
    });
    const r = classify(sleeping, rules, AS_OF);
    expect(r.state).toBe('sleeping');
    const optimistic = { ...again(sleeping, r), scores: { ...sleeping.scores!, pAlive: 0.9 } };
    expect(classify(optimistic, rules, AS_OF).transitions).toEqual([]);
    const bought = { ...optimistic, orders: { ...optimistic.orders, firstDayAfterStored: d('2025-06-20'), lastDay: d('2025-06-20') } };
    expect(classify(bought, rules, AS_OF).transitions.map((t) => [t.from, t.state, t.at])).toEqual([['sleeping', 'won_back', d('2025-06-20')]]);
  });
});

describe('sleeping', () => {
  it('by P(alive) below the threshold, with the forecast value that goes with the customer', () => {
    const r = classify(
      facts({
        orders: { days: 4, firstDay: d('2023-01-01'), lastDay: d('2025-01-01'), medianGapDays: 30, trailing12m: 9_000 },
        scores: { analysisRunId: 7, asOf: d('2025-06-01'), pAlive: 0.25, pAlivePrevious: null, clv: 4_321, currency: 'EUR' },
      }),
      rules,
      AS_OF,
    );
    expect(r.state).toBe('sleeping');
    expect(r.enteredAt).toEqual(d('2025-06-01'));
    expect(r.transitions.at(-1)).toMatchObject({ analysisRunId: 7, reason: { rule: 'p_alive_low', pAlive: 0.25 }, loss: { value: 9_000, forecast: 4_321, basis: 'trailing_12m' } });
  });

  it('by P(alive), entered on the day the model says P(alive) fell below the threshold, not on the analysis day', () => {
    // A model whose P(alive) falls by 0.1 per week of silence: 0.3 is crossed 7 weeks after the last purchase.
    const model = { pAlive: (_x: number, tx: number, T: number) => Math.max(0, 1 - (T - tx) / 10), daysPerUnit: 7 };
    const f = facts({
      orders: { days: 4, firstDay: d('2023-01-01'), lastDay: d('2025-01-01'), medianGapDays: 30 },
      // First purchase 2023-01-01, last 2025-01-01 (731 days later), scored on 2025-06-01 (882 days).
      scores: { analysisRunId: 7, asOf: d('2025-06-01'), pAlive: 0.1, pAlivePrevious: null, clv: 0, currency: 'EUR', history: { x: 3, txDays: 731, tDays: 882, model } },
    });
    const r = classify(f, rules, AS_OF);
    expect(r.state).toBe('sleeping');
    // P(alive) is 0.3 on day 49 after the last purchase (2025-02-19) and below it from the next day.
    expect(r.enteredAt).toEqual(d('2025-02-20'));
    // A model already below the threshold at the last purchase dates the sleep from that purchase, never before it.
    const always = classify({ ...f, scores: { ...f.scores!, history: { ...f.scores!.history!, model: { pAlive: () => 0.1, daysPerUnit: 7 } } } }, rules, AS_OF);
    expect(always.enteredAt).toEqual(d('2025-01-01'));
  });

  it('P(alive) above the threshold keeps a scored customer awake whatever the gap', () => {
    const r = classify(
      facts({ orders: { days: 4, firstDay: d('2023-01-01'), lastDay: d('2024-06-01'), medianGapDays: 30 }, scores: { analysisRunId: 7, asOf: d('2025-06-01'), pAlive: 0.7, pAlivePrevious: null, clv: 1, currency: 'EUR' } }),
      rules,
      AS_OF,
    );
    expect(r.state).not.toBe('sleeping');
  });

  it('without scores: after k × the median gap (floored at 90 days), or 365 days after a single purchase', () => {
    const base = { days: 4, firstDay: d('2024-01-01'), medianGapDays: 40 };
    // allowed = max(90, 3 × 40) = 120 days
    expect(classify(facts({ orders: { ...base, lastDay: d('2025-03-10') } }), rules, AS_OF).state).not.toBe('sleeping');
    const r = classify(facts({ orders: { ...base, lastDay: d('2025-02-10') } }), rules, AS_OF);
    expect([r.state, r.enteredAt]).toEqual(['sleeping', d('2025-06-10')]);
    expect(classify(facts({ orders: { ...base, medianGapDays: 10, lastDay: d('2025-03-01') } }), rules, AS_OF).enteredAt).toEqual(d('2025-05-30'));
    expect(classify(facts({ orders: { days: 1, firstDay: d('2024-09-01'), lastDay: d('2024-09-01') } }), rules, AS_OF).state).toBe('active');
    const single = classify(facts({ orders: { days: 1, firstDay: d('2024-06-01'), lastDay: d('2024-06-01') } }), rules, AS_OF);
    expect([single.state, single.enteredAt, single.evidence.singlePurchase]).toEqual(['sleeping', d('2025-06-01'), true]);
  });

  it('replays past sleeping episodes closed by a purchase', () => {
    const r = classify(
      facts({ orders: { days: 6, firstDay: d('2022-01-01'), lastDay: d('2025-06-01'), medianGapDays: 30, recentDays: 1, pastGaps: [{ from: d('2022-06-01'), to: d('2023-06-01'), trailing12m: 5_000 }] } }),
      rules,
      AS_OF,
    );
    expect(r.transitions.map((t) => [t.state, t.at])).toEqual([
      ['active', d('2022-01-01')],
      ['sleeping', d('2022-08-30')],
      ['won_back', d('2023-06-01')],
      ['active', d('2024-05-31')],
    ]);
  });
});

describe('at risk', () => {
  const scored = (pAlive: number, pAlivePrevious: number | null) =>
    facts({ orders: { days: 4, firstDay: d('2024-10-01'), lastDay: d('2025-05-01'), medianGapDays: 30, recentDays: 2 }, scores: { analysisRunId: 1, asOf: d('2025-06-01'), pAlive, pAlivePrevious, clv: 1, currency: 'EUR' } });
  it('P(alive) below 0.6, or fallen by 0.2 since the previous analysis', () => {
    expect(classify(scored(0.5, null), rules, AS_OF).evidence.rule).toBe('p_alive_low');
    expect(classify(scored(0.7, 0.95), rules, AS_OF).evidence.rule).toBe('p_alive_falling');
    expect(classify(scored(0.7, 0.8), rules, AS_OF).state).toBe('active');
  });
  it('purchase rate dropping and complaints rising', () => {
    const rate = facts({ orders: { days: 30, firstDay: d('2023-06-30'), lastDay: d('2025-06-01'), medianGapDays: 20, recentDays: 1 } });
    expect(classify(rate, rules, AS_OF).evidence.rule).toBe('purchase_rate_dropping');
    const complaints = facts({ islands: [island('2023-01-01', null)], interactions: { complaintsRecent: 2, complaintsBefore: 3, needAfterContractExit: 0, needAfterLastOrder: 0 } });
    expect(classify(complaints, rules, AS_OF).evidence.rule).toBe('complaints_rising');
    const fewer = { ...complaints, interactions: { ...complaints.interactions, complaintsRecent: 1, complaintsBefore: 1 } };
    expect(classify(fewer, rules, AS_OF).state).toBe('active');
  });
  it('back to active when the signal is gone, dated when observed', () => {
    const f = scored(0.5, null);
    const r = classify(f, rules, AS_OF);
    const next = classify({ ...again(f, r), scores: { ...f.scores!, pAlive: 0.8 } }, rules, d('2025-07-31'));
    expect(next.transitions.map((t) => [t.from, t.state, t.at])).toEqual([['at_risk', 'active', d('2025-07-31')]]);
  });
});

it('classifying again what was stored writes nothing', () => {
  for (const f of [
    facts({ islands: [island('2022-01-01', '2023-06-30'), island('2024-09-01', null)] }),
    facts({ orders: { days: 1, firstDay: d('2024-06-01'), lastDay: d('2024-06-01') } }),
    facts({ islands: [island('2023-01-01', '2025-09-30', { cancelledAt: d('2025-08-01') })] }),
  ]) {
    expect(classify(again(f, classify(f, rules, AS_OF)), rules, AS_OF).transitions).toEqual([]);
  }
});

describe('facts derived from the stored data', () => {
  const ms = (s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  const dayNo = (s: string) => Math.floor(ms(s) / DAY_MS);
  const record = (over: Partial<CustomerRecord> = {}): CustomerRecord => ({
    customerId: 1, since: d('2022-01-01'), teamId: null, channel: null, country: null, contracts: [], orderDays: [], orderAmounts: [],
    orderCurrency: null, complaintsRecent: 0, complaintsBefore: 0, needContactsMs: [], scores: null, stored: null, ...over,
  });
  const contract = (id: number, start: string, end: string | null, more: Partial<ContractRecord> = {}): ContractRecord => ({
    id, startMs: ms(start), endMs: end === null ? null : ms(end), cancelledMs: null, monthlyValue: 10_000, currency: 'EUR', plan: 'basic', reasonCode: null, ...more,
  });
  const orders = (list: [string, number][]) => ({ orderDays: list.map(([day]) => dayNo(day)), orderAmounts: list.map(([, amount]) => amount), orderCurrency: 'EUR' });

  it('merges contracts, in any order, into islands: a start up to renewalGapDays after the latest end continues one', () => {
    const f = deriveFacts(
      record({ contracts: [contract(3, '2024-01-02', null), contract(1, '2023-01-01', '2023-06-30'), contract(2, '2023-07-01', '2023-12-31')] }),
      rules,
      AS_OF,
    );
    expect(f.islands.map((i) => [i.start, i.end])).toEqual([
      [d('2023-01-01'), d('2023-12-31')],
      [d('2024-01-02'), null],
    ]);
  });

  it('an island ends with its latest end and is valued by the contracts ending it; a cheaper contract after a cancelled one is a downgrade', () => {
    const f = deriveFacts(
      record({
        contracts: [
          contract(1, '2023-01-01', '2024-06-30', { cancelledMs: ms('2024-03-01'), monthlyValue: 100 }),
          contract(2, '2023-06-01', '2024-06-30', { monthlyValue: 50, plan: 'addon', reasonCode: 'price' }),
          contract(3, '2023-02-01', '2023-05-01', { monthlyValue: 20 }),
        ],
        ...orders([['2024-06-30', 1], ['2024-07-05', 1]]),
        needContactsMs: [ms('2024-06-30'), ms('2024-06-30T10:00:00Z')],
      }),
      rules,
      AS_OF,
    );
    expect(f.islands).toEqual([
      { start: d('2023-01-01'), end: d('2024-06-30'), value: 1_800, currency: 'EUR', plan: 'addon', reasonCode: 'price', cancelledAt: d('2024-03-01') },
    ]);
    expect(f.downgrades).toBe(1);
    // After the exit (the island's end): the purchase five days later, the contact ten hours later.
    expect([f.orders.daysAfterContractExit, f.interactions.needAfterContractExit]).toEqual([1, 1]);
  });

  it('purchase days: orders summed per UTC day, the median gap, the trailing 12 months and the gaps longer than allowed', () => {
    const f = deriveFacts(
      record({
        ...orders([['2024-03-31', 50], ['2023-01-01', 10], ['2023-01-21', 20], ['2023-03-02', 30], ['2024-03-01', 40], ['2023-01-01', 5]]),
        needContactsMs: [ms('2024-03-31T23:00:00Z'), ms('2024-04-01T01:00:00Z')],
        stored: { state: 'sleeping', enteredAt: new Date('2024-03-01T12:00:00Z') },
      }),
      rules,
      AS_OF,
    );
    // Gaps 20, 40, 365, 30: median 35, allowed max(90, 3 × 35) = 105 days.
    expect(f.orders).toEqual({
      days: 5,
      firstDay: d('2023-01-01'),
      lastDay: d('2024-03-31'),
      medianGapDays: 35,
      recentDays: 0,
      trailing12m: 90,
      currency: 'EUR',
      pastGaps: [{ from: d('2023-03-02'), to: d('2024-03-01'), trailing12m: 65 }],
      firstDayAfterStored: d('2024-03-31'),
      daysAfterContractExit: 0,
    });
    expect(f.interactions.needAfterLastOrder).toBe(1);
  });

  it('the trailing 12 months are a purchase day and the 364 days before it; recent days the last recentDays days', () => {
    const f = deriveFacts(record(orders([['2024-04-02', 1], ['2024-04-03', 2], ['2025-04-01', 4], ['2025-04-02', 8]])), rules, AS_OF);
    expect(f.orders.trailing12m).toBe(14);
    expect(f.orders.recentDays).toBe(1);
  });
});
