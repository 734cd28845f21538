import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { demoReasonPhrases } from '../ingest/demo/reasons.js';
import { buildServer } from '../server/app.js';
import { bgNbdExpected, monthlyDiscountRate, recoveredCustomerValue, sbgDert, type BgNbdParams } from '../stats/index.js';
import {
  addReasonRule,
  computeSegments,
  DEFAULT_REASON_RULES,
  expectedRecoveryValue,
  listReasonRules,
  listRecovery,
  mapContractReasons,
  recordRecoveryOutcome,
  removeReasonRule,
  listRecoveryCosts,
  listRecoveryPriors,
  scoreRecovery,
  setRecoveryCost,
  setRecoveryPrior,
  testReasonText,
  topFactors,
  recoveryExplanation,
  verifyContractReason,
} from './index.js';
import { setExchangeRate, setReportingCurrency } from '../currency/index.js';

const AS_OF = new Date('2025-01-01T00:00:00Z');

async function customer(database: TestDatabase, externalId: string, extra: { currency?: string; team_id?: number | null; acquired_at?: Date } = {}): Promise<number> {
  const { id } = await database.db
    .insertInto('customers')
    .values({ external_id: externalId, name: `Customer ${externalId}`, currency: extra.currency ?? 'EUR', team_id: extra.team_id ?? null, acquired_at: extra.acquired_at ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

async function contract(
  database: TestDatabase,
  customerId: number,
  externalId: string,
  c: { started: string; ends?: string | null; cancelled?: string | null; text?: string | null; code?: string | null; monthly?: number; currency?: string },
): Promise<number> {
  const { id } = await database.db
    .insertInto('contracts')
    .values({
      customer_id: customerId,
      external_id: externalId,
      started_at: c.started,
      ends_at: c.ends ?? null,
      cancelled_at: c.cancelled ?? null,
      cancellation_reason: c.text ?? null,
      reason_code: c.code ?? null,
      monthly_value: c.monthly ?? 1000,
      currency: c.currency ?? 'EUR',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

async function orders(database: TestDatabase, customerId: number, rows: { at: string; amount: number; margin: number | null }[]): Promise<void> {
  await database.db
    .insertInto('orders')
    .values(rows.map((r, i) => ({ customer_id: customerId, order_key: `k${i}`, occurred_at: r.at, amount: r.amount, margin: r.margin, currency: 'EUR' })))
    .execute();
}

async function state(database: TestDatabase, customerId: number, s: 'active' | 'lost' | 'sleeping', enteredAt: string): Promise<void> {
  await database.db.insertInto('customer_states').values({ customer_id: customerId, state: s, entered_at: enteredAt, evidence: {} }).execute();
}

describeEachEngine('analyse', (engine) => {
  describe('reasons', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await engine.open();
    });
    afterAll(() => database.dispose());

    it('seeds the default rules in order, equal to DEFAULT_REASON_RULES, and they map every demo phrase', async () => {
      const rules = await listReasonRules(database);
      expect(rules.map((r) => ({ patternType: r.patternType, pattern: r.pattern, reasonCode: r.reasonCode }))).toEqual([...DEFAULT_REASON_RULES]);
      for (const [code, phrases] of Object.entries(demoReasonPhrases)) {
        for (const phrase of phrases.slice(0, 3)) expect((await testReasonText(database, phrase)).code, phrase).toBe(code);
      }
    });

    it('maps contracts: import codes kept, rule matches recorded, unknown explicit; idempotent; verified code kept beside the mapped one', async () => {
      const a = await customer(database, 'R1');
      const k1 = await contract(database, a, 'K1', { started: '2023-01-01', ends: '2024-01-01', cancelled: '2023-11-01', text: 'Zu teuer!' });
      const k2 = await contract(database, a, 'K2', { started: '2023-01-01', ends: '2024-01-01', cancelled: '2023-11-01', text: 'zu teuer', code: 'relocation' });
      const k3 = await contract(database, a, 'K3', { started: '2023-01-01', ends: '2024-01-01', cancelled: '2023-11-01', text: 'the moon' });
      const k4 = await contract(database, a, 'K4', { started: '2023-01-01', ends: '2024-01-01', cancelled: '2023-11-01', text: null });
      await contract(database, a, 'K5', { started: '2024-01-01' }); // running, no reason: not mapped
      const first = await mapContractReasons(database);
      expect(first).toMatchObject({ contracts: 4, changed: 4, bySource: { import: 1, rule: 1, none: 2 } });
      const rows = await database.db.selectFrom('contract_reasons').selectAll().orderBy('contract_id').execute();
      const byId = new Map(rows.map((r) => [Number(r.contract_id), r]));
      expect(byId.get(k1)).toMatchObject({ source: 'rule', mapped_code: 'price.too_expensive', original_text: 'Zu teuer!' });
      expect(byId.get(k1)!.rule_id).not.toBeNull();
      expect(byId.get(k2)).toMatchObject({ source: 'import', mapped_code: 'relocation', rule_id: null });
      expect(byId.get(k3)).toMatchObject({ source: 'none', mapped_code: 'unknown', rule_id: null });
      expect(byId.get(k4)).toMatchObject({ source: 'none', mapped_code: 'unknown', original_text: null });
      expect((await mapContractReasons(database)).changed).toBe(0);

      await verifyContractReason(database, { contractId: k1, reasonCode: 'billing.error', verifiedAt: new Date('2024-02-01T00:00:00Z') });
      // A new rule placed first changes the mapping of K3 but never the verified code of K1.
      const rule = await addReasonRule(database, { patternType: 'keyword', pattern: 'moon, teuer', reasonCode: 'product.quality', position: 1 });
      expect(rule.position).toBe(1);
      expect((await listReasonRules(database))[0]!.id).toBe(rule.id);
      const again = await mapContractReasons(database);
      expect(again.changed).toBe(2);
      const k1Row = await database.db.selectFrom('contract_reasons').selectAll().where('contract_id', '=', k1).executeTakeFirstOrThrow();
      expect(k1Row).toMatchObject({ mapped_code: 'product.quality', verified_code: 'billing.error', rule_id: rule.id });
      await removeReasonRule(database, rule.id);
      await mapContractReasons(database);
      const back = await database.db.selectFrom('contract_reasons').selectAll().where('contract_id', '=', k1).executeTakeFirstOrThrow();
      expect(back).toMatchObject({ mapped_code: 'price.too_expensive', verified_code: 'billing.error' });
    });

    it('refuses unknown codes, invalid regexes and unknown rules', async () => {
      await expect(addReasonRule(database, { pattern: 'x', reasonCode: 'nope' })).rejects.toMatchObject({ code: 'unknown_reason' });
      await expect(addReasonRule(database, { pattern: '(', patternType: 'regex', reasonCode: 'price' })).rejects.toMatchObject({ code: 'invalid_rule' });
      await expect(removeReasonRule(database, 999_999)).rejects.toMatchObject({ code: 'rule_not_found' });
    });
  });

  describe('segments', () => {
    let database: TestDatabase;
    const ids: Record<string, number> = {};
    beforeAll(async () => {
      database = await engine.open();
      // Order customers with known tenure (first → last order) and profit (Σ margins).
      const data: Record<string, [string, number][]> = {
        A: [['2020-01-01', 1000], ['2024-12-01', 1000]],
        B: [['2024-06-01', 5000], ['2024-07-01', 5000]],
        C: [['2019-01-01', 100], ['2023-01-01', 100]],
        D: [['2024-12-15', 50]],
        E: [['2022-01-01', 1500], ['2023-01-01', 1500]],
        F: [['2018-01-01', 4000], ['2024-12-20', 4000]],
      };
      for (const [name, rows] of Object.entries(data)) {
        ids[name] = await customer(database, `S${name}`);
        await orders(database, ids[name]!, rows.map(([at, margin]) => ({ at: `${at}T00:00:00Z`, amount: margin * 2, margin })));
      }
    });
    afterAll(() => database.dispose());

    const segmentsOf = async () => {
      const rows = await database.db.selectFrom('customer_segments').selectAll().execute();
      return Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, rows.find((r) => Number(r.customer_id) === id)!]));
    };

    it('uses the medians by default (strictly above = long / high)', async () => {
      const r = await computeSegments(database, { asOf: AS_OF });
      // tenures 0, 30, 365, 1461, 1796, 2545 → median 913; profits 50, 200, 2000, 3000, 8000, 10000 → median 2500.
      expect(r.thresholds).toMatchObject({ source: 'median', tenureDays: 913, profitByCurrency: [{ currency: 'EUR', profit: 2500 }] });
      const s = await segmentsOf();
      expect(s.A).toMatchObject({ tenure_days: 1796, profit: 2000, segment: 'barnacles' });
      expect(s.B).toMatchObject({ tenure_days: 30, profit: 10000, segment: 'butterflies' });
      expect(s.C).toMatchObject({ tenure_days: 1461, profit: 200, segment: 'barnacles' });
      expect(s.D).toMatchObject({ tenure_days: 0, profit: 50, segment: 'strangers' });
      expect(s.E).toMatchObject({ tenure_days: 365, profit: 3000, segment: 'butterflies' });
      expect(s.F).toMatchObject({ tenure_days: 2545, profit: 8000, segment: 'true_friends' });
      expect(r.segments.find((x) => x.segment === 'barnacles')).toMatchObject({ customers: 2, profit: 2200 });
    });

    it('uses explicit thresholds, at the edge strictly', async () => {
      await computeSegments(database, { asOf: AS_OF, tenureThresholdDays: 365, profitThreshold: 2000 });
      const s = await segmentsOf();
      expect(s.A!.segment).toBe('barnacles'); // profit 2000 is not above 2000
      expect(s.E!.segment).toBe('butterflies'); // tenure 365 is not above 365
      expect(s.F!.segment).toBe('true_friends');
      expect(s.F!.threshold_source).toBe('explicit');
      await computeSegments(database, { asOf: AS_OF, tenureThresholdDays: 300, profitThreshold: 1000 });
      const t = await segmentsOf();
      expect([t.A!.segment, t.E!.segment, t.C!.segment, t.D!.segment]).toEqual(['true_friends', 'true_friends', 'barnacles', 'strangers']);
    });

    it('scores RFM quintiles with ntile(5), ties split by customer id; recomputing is idempotent', async () => {
      await computeSegments(database, { asOf: AS_OF });
      const s = await segmentsOf();
      // recency (days): C 731, E 731, B 184, A 31, D 17, F 12 → 1, 1, 2, 3, 4, 5
      expect(['C', 'E', 'B', 'A', 'D', 'F'].map((n) => s[n]!.r_score)).toEqual([1, 1, 2, 3, 4, 5]);
      // frequency: D 1, then A, B, C, E, F with 2 (by id) → 1, 1, 2, 3, 4, 5
      expect(['D', 'A', 'B', 'C', 'E', 'F'].map((n) => s[n]!.f_score)).toEqual([1, 1, 2, 3, 4, 5]);
      // monetary (2 × margins): D 100, C 400, A 4000, E 6000, F 16000, B 20000
      expect(['D', 'C', 'A', 'E', 'F', 'B'].map((n) => s[n]!.m_score)).toEqual([1, 1, 2, 3, 4, 5]);
      await computeSegments(database, { asOf: AS_OF });
      const again = await segmentsOf();
      for (const n of Object.keys(ids)) {
        const { computed_at: _a, ...x } = s[n]!;
        const { computed_at: _b, ...y } = again[n]!;
        expect(y).toEqual(x);
      }
    });
  });

  describe('recovery', () => {
    let database: TestDatabase;
    const c: Record<string, number> = {};
    const bgnbd: BgNbdParams = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
    beforeAll(async () => {
      database = await engine.open();
      const t1 = Number((await database.db.insertInto('teams').values({ code: 'T1', name: 'Team 1' }).returning('id').executeTakeFirstOrThrow()).id);
      const t2 = Number((await database.db.insertInto('teams').values({ code: 'T2', name: 'Team 2' }).returning('id').executeTakeFirstOrThrow()).id);
      c.K1 = await customer(database, 'K1', { team_id: t1 });
      await contract(database, c.K1, 'C-K1', { started: '2020-01-01', ends: '2024-01-01', cancelled: '2023-11-01', text: 'Zu teuer!', monthly: 5000 });
      c.K2 = await customer(database, 'K2', { team_id: t2 });
      await orders(database, c.K2, [{ at: '2023-01-01T00:00:00Z', amount: 4000, margin: 1200 }, { at: '2023-03-01T00:00:00Z', amount: 4000, margin: 1200 }]);
      c.K3 = await customer(database, 'K3', { currency: 'GBP' });
      c.K4 = await customer(database, 'K4', { team_id: t1 });
      const k4 = await contract(database, c.K4, 'C-K4', { started: '2022-01-01', ends: '2024-06-01', cancelled: '2024-03-01', text: 'moved', monthly: 2000 });
      c.K5 = await customer(database, 'K5');
      await contract(database, c.K5, 'C-K5', { started: '2021-01-01', monthly: 3000 });
      // SEK has no exchange rate: K6 (a contract) and K7 (nothing) cannot be ranked against the others.
      c.K6 = await customer(database, 'K6', { currency: 'SEK' });
      await contract(database, c.K6, 'C-K6', { started: '2021-01-01', ends: '2024-05-01', monthly: 50000, currency: 'SEK' });
      c.K7 = await customer(database, 'K7', { currency: 'SEK' });
      await state(database, c.K1, 'lost', '2024-01-01T00:00:00Z');
      await state(database, c.K2, 'sleeping', '2024-03-01T00:00:00Z');
      await state(database, c.K3, 'lost', '2024-09-01T00:00:00Z');
      await state(database, c.K4, 'lost', '2024-06-01T00:00:00Z');
      await state(database, c.K5, 'active', '2021-01-01T00:00:00Z');
      await state(database, c.K6, 'lost', '2024-05-01T00:00:00Z');
      await state(database, c.K7, 'lost', '2023-06-01T00:00:00Z');
      const seg = (customer_id: number, segment: 'true_friends' | 'strangers' | 'barnacles') => ({
        customer_id, as_of: AS_OF, tenure_days: 1, profit: 1, currency: 'EUR', tenure_threshold_days: 0, profit_threshold: 0, threshold_source: 'explicit' as const,
        long_relationship: true, high_profit: true, segment, recency_days: 1, frequency: 1, monetary: 1, r_score: 1, f_score: 1, m_score: 1,
      });
      await database.db.insertInto('customer_segments').values([seg(c.K1, 'true_friends'), seg(c.K2, 'strangers'), seg(c.K4, 'barnacles')]).execute();
      await verifyContractReason(database, { contractId: k4, reasonCode: 'billing.error' });
      // A current analysis (hand-made): BG/NBD in weeks, 12-month horizon, 10 % a year.
      const run = await database.db
        .insertInto('analysis_runs')
        .values({ is_current: true, purchase_model: 'bgnbd', time_unit: 'week', calibration_end: AS_OF, customers_scored: 1, options: { horizonMonths: 12, annualDiscountRate: 0.1 } })
        .returning('id')
        .executeTakeFirstOrThrow();
      const model = await database.db
        .insertInto('model_runs')
        .values({ analysis_run_id: run.id, model: 'bgnbd', status: 'fitted', selected: true, parameters: { ...bgnbd }, log_likelihood: -1, time_unit: 'week', calibration_end: AS_OF, customers: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await database.db
        .insertInto('customer_scores')
        .values({
          analysis_run_id: run.id, customer_id: c.K2, model_run_id: model.id, frequency: 1, recency_days: 59, age_days: 731, p_alive: 0.1,
          expected_transactions_90d: 0.1, expected_transactions_365d: 0.3, expected_spend: 4000, margin_ratio: 0.3, clv: 100, currency: 'EUR',
        })
        .execute();
      // Outcomes in K1's cell (true_friends × price.too_expensive): 2 won of 3.
      for (const won of [true, true, false]) await recordRecoveryOutcome(database, { customerId: c.K1, occurredAt: '2024-05-01', wonBack: won });
      await recordRecoveryOutcome(database, { customerId: c.K2, occurredAt: '2024-05-01', wonBack: true, segment: 'butterflies', reasonCode: 'price' }); // another cell
    });
    afterAll(() => database.dispose());

    it('records outcomes in the customer’s current cell', async () => {
      const rows = await database.db.selectFrom('recovery_outcomes').selectAll().where('customer_id', '=', c.K1!).execute();
      expect(rows.map((r) => [r.segment, r.reason_code, r.won_back])).toEqual([
        ['true_friends', 'price.too_expensive', true],
        ['true_friends', 'price.too_expensive', true],
        ['true_friends', 'price.too_expensive', false],
      ]);
    });

    it('computes P(recovery) × value − cost as hand-computed, with the explanation', async () => {
      const result = await scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
      expect(result.scored).toBe(6);
      const rows = await database.db.selectFrom('recovery_scores').selectAll().execute();
      const by = (id: number) => rows.find((r) => Number(r.customer_id) === id)!;
      const dert = sbgDert(result.contractModel.params, 0.1, 0);
      expect(result.contractModel.dert).toBeCloseTo(dert, 12);

      // K1: prior (any segment, price) Beta(4, 16) — the nearest ancestor of price.too_expensive; 2 of 3 won → 6/23.
      const k1 = by(c.K1!);
      expect(k1.p_recovery).toBeCloseTo(6 / 23, 12);
      expect(Number(k1.value_if_recovered)).toBe(Math.round(5000 * 12 * 0.5 * dert));
      expect(Number(k1.cost)).toBe(1500);
      expect(Number(k1.expected_value)).toBe(expectedRecoveryValue(6 / 23, Number(k1.value_if_recovered), 1500));
      expect(k1.explanation).toMatchObject({
        state: { state: 'lost' },
        segment: 'true_friends',
        reason: { code: 'price.too_expensive', source: 'rule', text: 'Zu teuer!' },
        pRecovery: { prior: { segment: null, reasonCode: 'price', alpha: 4, beta: 16 }, outcomes: { attempts: 3, wins: 2 }, posterior: { alpha: 6, beta: 17 } },
        valueIfRecovered: { method: 'contract', monthlyValue: 5000, termMonths: 12, marginRatio: 0.5 },
        cost: { measure: 'agent_call', amount: 1500, currency: 'EUR' },
      });

      // K2 (orders): strangers × unknown → (strangers, any) Beta(1.5, 18.5) = 0.075; value = 0.3 × 4000 × [1 + DET of a new customer].
      const k2 = by(c.K2!);
      const [det] = recoveredCustomerValue((t) => bgNbdExpected(bgnbd, t), [1], {
        horizonMonths: 12, monthlyDiscountRate: monthlyDiscountRate(0.1), marginRatio: 1, unitsPerMonth: 30.4375 / 7, includeReturnPurchase: true,
      });
      expect(k2.p_recovery).toBeCloseTo(0.075, 12);
      expect(Number(k2.value_if_recovered)).toBe(Math.round(0.3 * 4000 * det!));
      expect(Number(k2.expected_value)).toBe(Math.round(0.075 * Number(k2.value_if_recovered)) - 1500);
      expect(k2.explanation).toMatchObject({ valueIfRecovered: { method: 'orders', expectedSpend: 4000, marginRatio: 0.3 }, reason: { code: 'unknown' } });

      // K3: no segment, no reason, no model value, GBP cost 13.00 → −1300; in EUR at 1.17: −1521.
      const k3 = by(c.K3!);
      expect([k3.p_recovery, Number(k3.value_if_recovered), Number(k3.cost), Number(k3.expected_value)]).toEqual([0.1, 0, 1300, -1300]);
      expect([k3.reporting_currency, Number(k3.exchange_rate), k3.value_if_recovered_reporting, k3.cost_reporting, k3.expected_value_reporting]).toEqual(['EUR', 1.17, 0, 1521, -1521]);
      expect(k3.explanation).toMatchObject({
        reporting: { currency: 'EUR', from: 'GBP', rate: '1.17', original: { currency: 'GBP', expectedValue: -1300, cost: 1300 }, expectedValue: -1521, cost: 1521, note: null },
      });
      expect(topFactors({ explanation: recoveryExplanation(k3.explanation), currency: 'GBP' })).toContain('EV -13.00 GBP × 1.17 = -15.21 EUR');
      // EUR customers: rate 1, the same amounts.
      expect([k1.reporting_currency, Number(k1.exchange_rate), k1.expected_value_reporting, k1.cost_reporting]).toEqual(['EUR', 1, Number(k1.expected_value), 1500]);
      // SEK, no rate: valued in SEK, not converted, and the run says so, naming the currency.
      const k6 = by(c.K6!);
      expect(Number(k6.value_if_recovered)).toBeGreaterThan(0);
      expect([k6.currency, k6.exchange_rate, k6.value_if_recovered_reporting, k6.cost_reporting, k6.expected_value_reporting]).toEqual(['SEK', null, null, null, null]);
      expect(k6.explanation).toMatchObject({ reporting: { from: 'SEK', rate: null, expectedValue: null, note: expect.stringContaining('no exchange rate SEK → EUR') } });
      expect(by(c.K7!).expected_value_reporting).toBeNull();
      expect(result.unconverted).toEqual([{ currency: 'SEK', customers: 2 }]);
      expect(result.warnings).toContainEqual(expect.stringContaining('no exchange rate SEK → EUR: 2 customers scored in SEK are not converted'));
      expect(result.reportingCurrency).toBe('EUR');
      expect(result.rates.map((r) => [r.currency, r.rate])).toEqual([['EUR', '1'], ['GBP', '1.17']]);
      const lost = rows.filter((r) => r.state === 'lost');
      expect(result.byState.find((x) => x.state === 'lost')).toEqual({
        state: 'lost',
        customers: 5,
        unconverted: 2,
        expectedValue: lost.reduce((sum, r) => sum + (r.expected_value_reporting ?? 0), 0),
      });
      // K4: verified billing.error (mapped relocation kept) → (any, billing.error) Beta(7, 13) = 0.35.
      const k4 = by(c.K4!);
      expect(k4.p_recovery).toBeCloseTo(0.35, 12);
      expect(k4.explanation).toMatchObject({ reason: { code: 'billing.error', mappedCode: 'relocation', verifiedCode: 'billing.error' } });
      expect(Number(k4.value_if_recovered)).toBe(Math.round(2000 * 12 * 0.5 * dert));
      // Idempotent.
      await scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
      const again = await database.db.selectFrom('recovery_scores').select(['customer_id', 'expected_value', 'p_recovery']).orderBy('customer_id').execute();
      expect(again.map((r) => Number(r.expected_value))).toEqual([...rows].sort((a, b) => Number(a.customer_id) - Number(b.customer_id)).map((r) => Number(r.expected_value)));
    });

    it('lists with filters, sorting, offset and keyset paging', async () => {
      const all = await listRecovery(database, { limit: 100 });
      // Ranked in EUR; the two SEK customers without a rate after every converted score, by customer id.
      const evs = all.items.slice(0, 4).map((i) => i.expectedValueReporting!);
      expect(evs).toEqual([...evs].sort((a, b) => b - a));
      expect(all.items.slice(4).map((i) => [i.customerId, i.expectedValueReporting])).toEqual([[c.K6, null], [c.K7, null]]);
      expect(all.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(all.next).toBeNull();
      const k3 = all.items.find((i) => i.customerId === c.K3)!;
      expect(k3).toMatchObject({ currency: 'GBP', expectedValue: -1300, reportingCurrency: 'EUR', exchangeRate: '1.17', expectedValueReporting: -1521, costReporting: 1521 });
      const ascending = (await listRecovery(database, { order: 'asc', limit: 100 })).items;
      expect(ascending.slice(4).map((i) => i.customerId)).toEqual([c.K7, c.K6]);
      expect(ascending.slice(0, 4).map((i) => i.customerId)).toEqual(all.items.slice(0, 4).map((i) => i.customerId).reverse());
      expect((await listRecovery(database, { state: 'sleeping' })).items.map((i) => i.customerId)).toEqual([c.K2]);
      expect((await listRecovery(database, { segment: 'true_friends' })).items.map((i) => i.customerId)).toEqual([c.K1]);
      expect((await listRecovery(database, { reason: 'price' })).items.map((i) => i.customerId)).toEqual([c.K1]);
      expect((await listRecovery(database, { reason: 'billing' })).items.map((i) => i.customerId)).toEqual([c.K4]);
      expect(new Set((await listRecovery(database, { team: 'T1' })).items.map((i) => i.customerId))).toEqual(new Set([c.K1, c.K4]));
      const atLeast = (await listRecovery(database, { minValue: -1521 })).items;
      expect(atLeast.map((i) => i.customerId)).toContain(c.K3);
      expect(atLeast.every((i) => i.expectedValueReporting !== null && i.expectedValueReporting >= -1521)).toBe(true);
      expect((await listRecovery(database, { minValue: -1520 })).items.map((i) => i.customerId)).not.toContain(c.K3);
      await expect(listRecovery(database, { team: 'nope' })).rejects.toMatchObject({ code: 'unknown_team' });

      for (const sort of ['expected_value', 'value', 'p_recovery', 'lost_since'] as const) {
        for (const order of ['desc', 'asc'] as const) {
          const full = (await listRecovery(database, { sort, order, limit: 100 })).items.map((i) => i.customerId);
          const paged: number[] = [];
          for (let page = 1; page <= 3; page++) paged.push(...(await listRecovery(database, { sort, order, limit: 2, page })).items.map((i) => i.customerId));
          expect(paged).toEqual(full);
          const keyset: number[] = [];
          let after: string | undefined;
          for (;;) {
            const p = await listRecovery(database, { sort, order, limit: 1, ...(after ? { after } : {}) });
            keyset.push(...p.items.map((i) => i.customerId));
            if (!p.next) break;
            after = p.next;
          }
          expect(keyset).toEqual(full);
        }
      }
      const since = (await listRecovery(database, { sort: 'lost_since' })).items.map((i) => i.customerId);
      expect(since).toEqual([c.K3, c.K4, c.K6, c.K2, c.K1, c.K7]);
      const first = (await listRecovery(database, { limit: 1 })).items[0]!;
      expect(first).toMatchObject({ externalId: expect.any(String), explanation: expect.objectContaining({ formula: expect.any(String) }) });
    });

    it('serves the API with the same schemas', async () => {
      const app = await buildServer(database);
      try {
        const list = await app.inject({ method: 'GET', url: '/api/v1/recovery/list?state=lost&limit=2&sort=p_recovery' });
        expect(list.statusCode).toBe(200);
        const body = list.json() as { items: { state: string; pRecovery: number }[]; next: string | null };
        expect(body.items).toHaveLength(2);
        expect(body.items.every((i) => i.state === 'lost')).toBe(true);
        expect(body.items[0]!.pRecovery).toBeGreaterThanOrEqual(body.items[1]!.pRecovery);
        expect(body.next).not.toBeNull();
        expect((await app.inject({ method: 'GET', url: '/api/v1/recovery/list?sort=nope' })).statusCode).toBe(422);
        expect((await app.inject({ method: 'GET', url: '/api/v1/reasons' })).json()).toMatchObject({ reasons: expect.arrayContaining([expect.objectContaining({ code: 'price' })]) });
        const added = await app.inject({ method: 'POST', url: '/api/v1/reasons/rules', payload: { pattern: 'mondphase', reasonCode: 'unknown' } });
        expect(added.statusCode).toBe(201);
        const id = (added.json() as { id: number }).id;
        expect(((await app.inject({ method: 'GET', url: '/api/v1/reasons/rules' })).json() as { rules: { id: number }[] }).rules.at(-1)!.id).toBe(id);
        expect((await app.inject({ method: 'POST', url: '/api/v1/reasons/rules', payload: { pattern: 'x', reasonCode: 'nope' } })).statusCode).toBe(422);
        expect((await app.inject({ method: 'DELETE', url: `/api/v1/reasons/rules/${id}` })).statusCode).toBe(200);
        expect((await app.inject({ method: 'DELETE', url: `/api/v1/reasons/rules/${id}` })).statusCode).toBe(404);
        expect((await app.inject({ method: 'POST', url: '/api/v1/reasons/rules/test', payload: { text: 'Zu teuer' } })).json()).toMatchObject({ code: 'price.too_expensive' });
        const seg = await app.inject({ method: 'POST', url: '/api/v1/segments/recompute', payload: { asOf: '2025-01-01' } });
        expect(seg.statusCode).toBe(200);
        const score = await app.inject({ method: 'POST', url: '/api/v1/recovery/score', payload: { asOf: '2025-01-01', measure: 'executive_call' } });
        expect(score.statusCode).toBe(200);
        expect(score.json()).toMatchObject({ scored: 6, measure: 'executive_call' });
        expect((await app.inject({ method: 'POST', url: '/api/v1/recovery/score', payload: { measure: 'carrier_pigeon' } })).statusCode).toBe(422);

        // Priors and costs: read, set with the same schemas, refused with a coded error.
        const priors = (await app.inject({ method: 'GET', url: '/api/v1/recovery/priors' })).json() as { priors: { segment: string | null; reasonCode: string | null; alpha: number }[] };
        expect(priors.priors).toContainEqual(expect.objectContaining({ segment: null, reasonCode: 'billing.error', alpha: 7, beta: 13 }));
        const put = await app.inject({ method: 'PUT', url: '/api/v1/recovery/priors', payload: { segment: 'strangers', reasonCode: 'any', rate: '0.05', weight: 20, rationale: 'api' } });
        expect(put.statusCode, put.body).toBe(200);
        expect(put.json()).toMatchObject({ segment: 'strangers', reasonCode: null, alpha: 1, beta: 19, rationale: 'api' });
        const reread = (await app.inject({ method: 'GET', url: '/api/v1/recovery/priors' })).json() as typeof priors;
        expect(reread.priors.filter((p) => p.segment === 'strangers' && p.reasonCode === null)).toEqual([expect.objectContaining({ alpha: 1, beta: 19 })]);
        const unknownReason = await app.inject({ method: 'PUT', url: '/api/v1/recovery/priors', payload: { reasonCode: 'weather', alpha: 1, beta: 2 } });
        expect(unknownReason.statusCode).toBe(422);
        expect(unknownReason.json().error).toMatchObject({ domain: 'analyse', code: 'unknown_reason' });
        const unknownSegment = await app.inject({ method: 'PUT', url: '/api/v1/recovery/priors', payload: { segment: 'vip', alpha: 1, beta: 2 } });
        expect(unknownSegment.statusCode).toBe(422);
        expect(unknownSegment.json().error.message).toContain('segment: unknown segment: expected one of true_friends');
        const costPut = await app.inject({ method: 'PUT', url: '/api/v1/recovery/costs', payload: { measure: 'offer', currency: 'chf', amount: '30.00' } });
        expect(costPut.statusCode, costPut.body).toBe(200);
        expect(costPut.json()).toMatchObject({ measure: 'offer', currency: 'CHF', amount: 3000, description: 'An agent call plus a win-back offer' });
        const costs = (await app.inject({ method: 'GET', url: '/api/v1/recovery/costs' })).json() as { costs: { measure: string; currency: string; amount: number }[] };
        expect(costs.costs.find((x) => x.measure === 'offer' && x.currency === 'CHF')!.amount).toBe(3000);
        const badAmount = await app.inject({ method: 'PUT', url: '/api/v1/recovery/costs', payload: { measure: 'offer', currency: 'EUR', amount: '1.234' } });
        expect(badAmount.statusCode).toBe(422);
        expect(badAmount.json().error.message).toContain('amount: has 3 decimal places but EUR has 2');
        const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
        expect(Object.keys(doc.paths['/api/v1/recovery/priors'].put.requestBody.content['application/json'].schema.properties)).toEqual(
          expect.arrayContaining(['segment', 'reasonCode', 'alpha', 'beta', 'rate', 'weight', 'rationale']),
        );
        expect(doc.paths['/api/v1/recovery/costs'].put.requestBody.content['application/json'].schema.properties).toHaveProperty('amount');
      } finally {
        await app.close();
      }
    });

    it('uses an edited prior and an edited cost from the next scoring on', async () => {
      const score = async () => {
        await scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
        return database.db.selectFrom('recovery_scores').selectAll().where('customer_id', '=', c.K1!).executeTakeFirstOrThrow();
      };
      const before = await score();
      expect(before.p_recovery).toBeCloseTo(6 / 23, 12); // (any, price) Beta(4, 16), 2 of 3 won

      // The friendlier form: rate 0.5 with the weight of 10 attempts = Beta(5, 5) for true friends leaving over price.
      const prior = await setRecoveryPrior(database, { segment: 'true_friends', reasonCode: 'price', rate: 0.5, weight: 10, rationale: 'loyal, price-sensitive' });
      expect(prior).toMatchObject({ segment: 'true_friends', reasonCode: 'price', alpha: 5, beta: 5, mean: 0.5, weight: 10, rationale: 'loyal, price-sensitive' });
      const cost = await setRecoveryCost(database, { measure: 'agent_call', currency: 'eur', amount: '20.50' });
      expect(cost).toMatchObject({ measure: 'agent_call', currency: 'EUR', amount: 2050 });
      // Stored scores keep what they were computed with until the next scoring.
      const stored = await database.db.selectFrom('recovery_scores').select(['p_recovery', 'cost']).where('customer_id', '=', c.K1!).executeTakeFirstOrThrow();
      expect([stored.p_recovery, Number(stored.cost)]).toEqual([before.p_recovery, 1500]);

      const after = await score();
      expect(after.p_recovery).toBeCloseTo(7 / 13, 12); // (5 + 2) / (10 + 3)
      expect(Number(after.cost)).toBe(2050);
      expect(Number(after.value_if_recovered)).toBe(Number(before.value_if_recovered));
      expect(Number(after.expected_value)).toBe(expectedRecoveryValue(7 / 13, Number(after.value_if_recovered), 2050));
      expect(after.explanation).toMatchObject({ pRecovery: { prior: { id: prior.id, segment: 'true_friends', reasonCode: 'price', alpha: 5, beta: 5 } } });

      // Setting the cell again replaces it (one row, same id); alpha and beta directly.
      const again = await setRecoveryPrior(database, { segment: 'true_friends', reasonCode: 'price', alpha: 3, beta: 7 });
      expect(again).toMatchObject({ id: prior.id, alpha: 3, beta: 7, rationale: null });
      const cells = (await listRecoveryPriors(database)).filter((p) => p.segment === 'true_friends' && p.reasonCode === 'price');
      expect(cells).toHaveLength(1);
      // "any" cells conflict like the others: the (any, any) row is replaced, not duplicated.
      const anyAny = await setRecoveryPrior(database, { alpha: 1, beta: 9 });
      expect((await listRecoveryPriors(database)).filter((p) => p.segment === null && p.reasonCode === null)).toEqual([expect.objectContaining({ id: anyAny.id, alpha: 1, beta: 9 })]);
      expect((await score()).p_recovery).toBeCloseTo((3 + 2) / (10 + 3), 12);
      expect((await listRecoveryCosts(database)).find((x) => x.measure === 'agent_call' && x.currency === 'EUR')).toMatchObject({ amount: 2050, description: expect.stringContaining('recovery call') });

      await expect(setRecoveryPrior(database, { reasonCode: 'nope', alpha: 1, beta: 1 })).rejects.toMatchObject({ code: 'unknown_reason', kind: 'invalid_input' });
      await expect(setRecoveryPrior(database, { segment: 'vip' as 'strangers', alpha: 1, beta: 1 })).rejects.toMatchObject({ code: 'invalid_options', message: expect.stringContaining('unknown segment') });
      await expect(setRecoveryPrior(database, { alpha: 1, beta: 1, rate: 0.2, weight: 5 })).rejects.toMatchObject({ message: expect.stringContaining('not both') });
      await expect(setRecoveryPrior(database, { rate: 0.2 })).rejects.toMatchObject({ message: expect.stringContaining('give alpha and beta, or rate and weight') });
      await expect(setRecoveryPrior(database, { alpha: 0, beta: 1 })).rejects.toMatchObject({ message: expect.stringContaining('alpha must be greater than 0') });
      await expect(setRecoveryCost(database, { measure: 'agent_call', currency: 'EUR', amount: '12.505' })).rejects.toMatchObject({ message: expect.stringContaining('has 3 decimal places but EUR has 2') });
      await expect(setRecoveryCost(database, { measure: 'Agent Call', currency: 'EUR', amount: '1' })).rejects.toMatchObject({ code: 'invalid_options' });
      expect(await setRecoveryCost(database, { measure: 'gift', currency: 'JPY', amount: 1500 })).toMatchObject({ amount: 1500, currency: 'JPY' });
    });

    it('converts at the rates of the scoring run: a changed rate or reporting currency applies from the next one', async () => {
      const k3 = async () => (await listRecovery(database, { limit: 100 })).items.find((i) => i.customerId === c.K3)!;
      await scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
      const cost = (await k3()).cost;
      expect((await k3()).exchangeRate).toBe('1.17');
      await setExchangeRate(database, { currency: 'GBP', rate: '1.2', updatedBy: 'test' });
      expect((await k3()).exchangeRate).toBe('1.17');
      await scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
      expect(await k3()).toMatchObject({ exchangeRate: '1.2', costReporting: Math.round(cost * 1.2) });

      // A rate for SEK makes K6 and K7 comparable: no longer last, no warning.
      const result = await (async () => {
        await setExchangeRate(database, { currency: 'SEK', rate: '0.087', updatedBy: 'test' });
        return scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
      })();
      expect(result.unconverted).toEqual([]);
      expect(result.warnings.some((w) => w.includes('exchange rate'))).toBe(false);
      const list = (await listRecovery(database, { limit: 100 })).items;
      expect(list.every((i) => i.expectedValueReporting !== null)).toBe(true);
      const k6 = list.find((i) => i.customerId === c.K6)!;
      expect(k6.expectedValueReporting).toBe(Math.round(k6.expectedValue * 0.087));

      // Reporting in GBP: EUR amounts converted at 1 / 1.2, GBP ones as they are.
      await setReportingCurrency(database, { currency: 'GBP', updatedBy: 'test' });
      const inGbp = await scoreRecovery(database, { asOf: AS_OF, marginRatio: 0.5 });
      expect(inGbp.reportingCurrency).toBe('GBP');
      const items = (await listRecovery(database, { limit: 100 })).items;
      expect(items.find((i) => i.customerId === c.K3)).toMatchObject({ reportingCurrency: 'GBP', exchangeRate: '1', expectedValueReporting: -cost });
      const k1 = items.find((i) => i.customerId === c.K1)!;
      expect(k1).toMatchObject({ exchangeRate: '0.833333333333', expectedValueReporting: Math.round(k1.expectedValue * 0.833333333333) });
    });
  });
});

