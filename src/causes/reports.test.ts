import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { createItem, formatFeedback, formatPareto, formatTrendsCsv, frontlineFeedback, reasonPareto, reasonTrends, updateItem } from './index.js';
import { loadCompany, PERIOD, recordCalls } from './test-support/company.js';

/** The data set and its hand-computed figures are described in test-support/company.ts. */
const share = (part: number, whole: number) => Math.round((part / whole) * 1e6) / 1e6;
const EUR_TOTAL = 702_000;
/** C6's GBP 960.00 in EUR at the rate migration 0006 seeds (1 GBP = 1.17 EUR). */
const GBP_IN_EUR = Math.round(96_000 * 1.17);

describeEachEngine('fix the causes: reports', (engine) => {
  let database: TestDatabase;
  let ids: Awaited<ReturnType<typeof loadCompany>>;
  beforeEach(async () => {
    database = await engine.open();
    ids = await loadCompany(database);
  });
  afterEach(() => database.dispose());

  describe('reason Pareto', () => {
    it('ranks reasons by revenue lost with shares and cumulative shares, one ranking per currency', async () => {
      const report = await reasonPareto(database, PERIOD);
      expect(report).toMatchObject({ from: '2024-07-01T00:00:00.000Z', to: '2025-07-01T00:00:00.000Z', level: null, customers: 7, lostCustomers: 6, sleepingCustomers: 1 });
      expect(report.sections.map((s) => [s.currency, s.customers, s.revenue])).toEqual([
        ['EUR', 6, EUR_TOTAL],
        ['GBP', 1, 96_000],
      ]);
      const eur = report.sections[0]!.rows;
      expect(eur.map((r) => [r.code, r.lostCustomers, r.sleepingCustomers, r.revenue])).toEqual([
        ['price.too_expensive', 1, 0, 240_000],
        ['price.competitor_cheaper', 1, 0, 192_000],
        ['service.slow_response', 2, 0, 180_000],
        ['unknown', 0, 1, 60_000], // C8 fell asleep: an order customer has no contract reason
        ['relocation', 1, 0, 30_000],
      ]);
      expect(eur.map((r) => r.share)).toEqual([240_000, 192_000, 180_000, 60_000, 30_000].map((v) => share(v, EUR_TOTAL)));
      expect(eur.map((r) => r.cumulativeShare)).toEqual([240_000, 432_000, 612_000, 672_000, 702_000].map((v) => share(v, EUR_TOTAL)));
      expect(eur[2]).toMatchObject({ label: 'Slow response', customers: 2, customerShare: share(2, 6) });
      expect(report.sections[1]!.rows).toEqual([expect.objectContaining({ code: 'price.too_expensive', revenue: 96_000, share: 1, cumulativeShare: 1 })]);
      expect(formatPareto(report)).toContain('their reason is unknown until a recovery call confirms one');

      // All currencies together, in the reporting currency: GBP converted, then added.
      const all = report.reporting;
      expect(all).toMatchObject({ currency: 'EUR', unconverted: [], customers: 7, lostCustomers: 6, sleepingCustomers: 1, revenue: EUR_TOTAL + GBP_IN_EUR });
      expect(all.rates.map((r) => [r.currency, r.rate])).toEqual([
        ['EUR', '1'],
        ['GBP', '1.17'],
      ]);
      expect(all.rows.map((r) => [r.code, r.customers, r.revenue, r.cumulativeShare])).toEqual([
        ['price.too_expensive', 2, 240_000 + GBP_IN_EUR, share(240_000 + GBP_IN_EUR, EUR_TOTAL + GBP_IN_EUR)],
        ['price.competitor_cheaper', 1, 192_000, share(432_000 + GBP_IN_EUR, EUR_TOTAL + GBP_IN_EUR)],
        ['service.slow_response', 2, 180_000, share(612_000 + GBP_IN_EUR, EUR_TOTAL + GBP_IN_EUR)],
        ['unknown', 1, 60_000, share(672_000 + GBP_IN_EUR, EUR_TOTAL + GBP_IN_EUR)],
        ['relocation', 1, 30_000, 1],
      ]);
      expect(formatPareto(report)).toContain('converted into EUR at the current rates: 1 GBP = 1.17 EUR');
      // C7 left before the period; C9 is active.
      expect(eur.flatMap((r) => r.customers).reduce((a, b) => a + b, 0)).toBe(6);
    });

    it('takes the reason a recovery call verified over the mapped one; an unconfirmed diagnosis changes nothing', async () => {
      await recordCalls(database, ids);
      const eur = (await reasonPareto(database, PERIOD)).sections[0]!.rows;
      expect(eur.map((r) => [r.code, r.customers, r.revenue])).toEqual([
        ['service.unresolved_complaint', 1, 240_000], // C2: mapped price.too_expensive, verified by the call
        ['price.competitor_cheaper', 1, 192_000],
        ['service.slow_response', 2, 180_000], // C1's call diagnosed product.quality, not confirmed
        ['product.missing_feature', 1, 60_000], // C8: no contract, the call's confirmed diagnosis
        ['relocation', 1, 30_000],
      ]);
      expect(eur.find((r) => r.code === 'price.too_expensive')).toBeUndefined();
    });

    it('leaves a currency without an exchange rate out of the ranking in the reporting currency, and names it', async () => {
      await database.db.deleteFrom('exchange_rates').where('currency', '=', 'GBP').execute();
      const report = await reasonPareto(database, PERIOD);
      expect(report.reporting).toMatchObject({ currency: 'EUR', unconverted: ['GBP'], rates: [{ currency: 'EUR', rate: '1' }], customers: 6, revenue: EUR_TOTAL });
      expect(report.reporting.rows.map((r) => [r.code, r.revenue])).toEqual(report.sections[0]!.rows.map((r) => [r.code, r.revenue]));
      expect(report.sections.map((s) => s.currency)).toEqual(['EUR', 'GBP']); // still ranked in its own currency
      expect(formatPareto(report)).toContain('not converted, left out (no rate): GBP');
    });

    it('rolls reasons up to a level of the hierarchy', async () => {
      await recordCalls(database, ids);
      const report = await reasonPareto(database, { ...PERIOD, level: 1 });
      expect(report.level).toBe(1);
      const [eur, gbp] = report.sections;
      expect(eur!.rows.map((r) => [r.code, r.label, r.customers, r.revenue, r.cumulativeShare])).toEqual([
        ['service', 'Service', 3, 420_000, share(420_000, EUR_TOTAL)],
        ['price', 'Price', 1, 192_000, share(612_000, EUR_TOTAL)],
        ['product', 'Product', 1, 60_000, share(672_000, EUR_TOTAL)],
        ['relocation', 'Relocation', 1, 30_000, 1],
      ]);
      expect(gbp!.rows.map((r) => [r.code, r.revenue])).toEqual([['price', 96_000]]);
      expect(report.reporting.rows.map((r) => [r.code, r.customers, r.revenue])).toEqual([
        ['service', 3, 420_000],
        ['price', 2, 192_000 + GBP_IN_EUR],
        ['product', 1, 60_000],
        ['relocation', 1, 30_000],
      ]);
    });

    it('filters by state, team, employee and reason, and refuses unknown codes and empty periods', async () => {
      await recordCalls(database, ids);
      const sleeping = await reasonPareto(database, { ...PERIOD, state: 'sleeping' });
      expect(sleeping).toMatchObject({ customers: 1, lostCustomers: 0, sleepingCustomers: 1 });
      expect(sleeping.sections[0]!.rows.map((r) => r.code)).toEqual(['product.missing_feature']);
      const south = await reasonPareto(database, { ...PERIOD, team: 'south' });
      expect(south.team).toEqual({ code: 'south', name: 'South' });
      expect(south.sections[0]!.rows.map((r) => [r.code, r.revenue])).toEqual([
        ['price.competitor_cheaper', 192_000],
        ['service.slow_response', 60_000],
      ]);
      const anna = await reasonPareto(database, { ...PERIOD, employee: 'E1' });
      expect(anna.customers).toBe(4); // C1, C2, C5, C8 (C6 has a team but no employee)
      const service = await reasonPareto(database, { ...PERIOD, reason: 'service' });
      expect(service.sections.flatMap((s) => s.rows.map((r) => r.code))).toEqual(['service.unresolved_complaint', 'service.slow_response']);
      const narrow = await reasonPareto(database, { from: '2025-01-01', to: '2025-02-01' });
      expect(narrow.sections.flatMap((s) => s.rows.map((r) => r.code))).toEqual(['service.slow_response']);

      await expect(reasonPareto(database, { ...PERIOD, team: 'west' })).rejects.toMatchObject({ code: 'unknown_team' });
      await expect(reasonPareto(database, { ...PERIOD, employee: 'E9' })).rejects.toMatchObject({ code: 'unknown_employee' });
      await expect(reasonPareto(database, { ...PERIOD, reason: 'weather' })).rejects.toMatchObject({ code: 'unknown_reason' });
      await expect(reasonPareto(database, { from: '2025-01-01', to: '2025-01-01' })).rejects.toMatchObject({ code: 'invalid_options' });
      await expect(reasonPareto(database, { ...PERIOD, level: 0 })).rejects.toMatchObject({ code: 'invalid_options' });
    });

    it('shows beside each reason the unresolved root-cause items linked to it, its parent or its children', async () => {
      await recordCalls(database, ids);
      const callbacks = await createItem(database, { title: 'Callbacks are not scheduled', owner: 'E1', reasons: ['service.slow_response'] });
      const pricing = await createItem(database, { title: 'Price list above the market', reasons: ['price'], status: 'in_progress' });
      const done = await createItem(database, { title: 'Routers broke in the spring', reasons: ['service.unresolved_complaint'] });
      await updateItem(database, done.id, { status: 'fixed' });

      const full = (await reasonPareto(database, PERIOD)).sections[0]!.rows;
      const items = (code: string) => full.find((r) => r.code === code)!.openItems.map((i) => [i.id, i.linkedTo]);
      expect(items('service.slow_response')).toEqual([[callbacks.id, 'service.slow_response']]);
      expect(items('price.competitor_cheaper')).toEqual([[pricing.id, 'price']]);
      expect(items('service.unresolved_complaint')).toEqual([]); // fixed: no longer open
      expect(full.find((r) => r.code === 'service.slow_response')!.openItems[0]).toMatchObject({ title: 'Callbacks are not scheduled', status: 'open', owner: 'E1' });

      const rolled = (await reasonPareto(database, { ...PERIOD, level: 1 })).sections[0]!.rows;
      expect(rolled.find((r) => r.code === 'service')!.openItems.map((i) => i.id)).toEqual([callbacks.id]);
      expect(formatPareto(await reasonPareto(database, { ...PERIOD, level: 1 }))).toContain(`#${callbacks.id} Callbacks are not scheduled (open, E1)`);
    });
  });

  describe('trends', () => {
    it('counts customers and revenue per month and reason in long format, every month of the period included', async () => {
      await recordCalls(database, ids);
      const report = await reasonTrends(database, PERIOD);
      expect(report.periods).toEqual(['2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06']);
      // 5 EUR reasons and 1 GBP reason, in each of the 12 months.
      expect(report.rows).toHaveLength(12 * 6);
      const nonZero = report.rows.filter((r) => r.customers > 0).map((r) => [r.period, r.reason, r.currency, r.lostCustomers, r.sleepingCustomers, r.revenue]);
      expect(nonZero).toEqual([
        ['2024-08', 'relocation', 'EUR', 1, 0, 30_000],
        ['2024-10', 'product.missing_feature', 'EUR', 0, 1, 60_000],
        ['2024-10', 'service.slow_response', 'EUR', 1, 0, 60_000],
        ['2025-01', 'service.slow_response', 'EUR', 1, 0, 120_000],
        ['2025-02', 'price.too_expensive', 'GBP', 1, 0, 96_000],
        ['2025-03', 'service.unresolved_complaint', 'EUR', 1, 0, 240_000],
        ['2025-05', 'price.competitor_cheaper', 'EUR', 1, 0, 192_000],
      ]);
      expect(report.rows.find((r) => r.period === '2024-07' && r.reason === 'relocation')).toMatchObject({ start: '2024-07-01', customers: 0, revenue: 0 });
      expect(report.rows.find((r) => r.period === '2025-02' && r.currency === 'GBP')).toMatchObject({ revenue: 96_000, reportingRevenue: GBP_IN_EUR });
      expect(report.reporting).toMatchObject({ currency: 'EUR', unconverted: [] });
      const csv = formatTrendsCsv(report);
      expect(csv.split('\n')[0]).toBe('period,start,reason,label,currency,customers,lost_customers,sleeping_customers,revenue,revenue_EUR');
      expect(csv).toContain('2025-03,2025-03-01,service.unresolved_complaint,Unresolved complaint,EUR,1,1,0,2400.00,2400.00');
      expect(csv).toContain('2025-02,2025-02-01,price.too_expensive,Too expensive,GBP,1,1,0,960.00,1123.20');
    });

    it('rolls up by quarter and level, and defaults to the last twelve whole months', async () => {
      await recordCalls(database, ids);
      const report = await reasonTrends(database, { ...PERIOD, by: 'quarter', level: 1 });
      expect(report.periods).toEqual(['2024-Q3', '2024-Q4', '2025-Q1', '2025-Q2']);
      expect(report.rows.filter((r) => r.customers > 0).map((r) => [r.period, r.reason, r.currency, r.customers, r.revenue])).toEqual([
        ['2024-Q3', 'relocation', 'EUR', 1, 30_000],
        ['2024-Q4', 'product', 'EUR', 1, 60_000],
        ['2024-Q4', 'service', 'EUR', 1, 60_000],
        ['2025-Q1', 'service', 'EUR', 2, 360_000],
        ['2025-Q1', 'price', 'GBP', 1, 96_000],
        ['2025-Q2', 'price', 'EUR', 1, 192_000],
      ]);
      const byDefault = await reasonTrends(database, { to: '2025-06-15T12:00:00Z' });
      expect(byDefault.from).toBe('2024-07-01T00:00:00.000Z');
      expect(byDefault.periods[0]).toBe('2024-07');
      expect(byDefault.periods.at(-1)).toBe('2025-06');
    });
  });

  describe('frontline feedback', () => {
    it("lists a team's lost customers with their reasons and own words, and compares the team's reasons with the company's", async () => {
      await recordCalls(database, ids);
      const report = await frontlineFeedback(database, { ...PERIOD, team: 'north', level: 1 });
      expect(report.subject).toEqual({ kind: 'team', code: 'north', name: 'North' });
      expect(report.summary).toMatchObject({
        customers: 5,
        lostCustomers: 4,
        sleepingCustomers: 1,
        revenue: [
          { currency: 'EUR', revenue: 450_000, lostRevenue: 390_000, sleepingRevenue: 60_000 },
          { currency: 'GBP', revenue: 96_000, lostRevenue: 96_000, sleepingRevenue: 0 },
        ],
        reportingRevenue: { currency: 'EUR', unconverted: [], revenue: 450_000 + GBP_IN_EUR, lostRevenue: 390_000 + GBP_IN_EUR, sleepingRevenue: 60_000 },
        company: { customers: 7, lostCustomers: 6, sleepingCustomers: 1 },
      });
      expect(report.summary.topReasons.map((r) => [r.code, r.customers, r.share, r.companyCustomers, r.companyShare])).toEqual([
        ['service', 2, share(2, 5), 3, share(3, 7)],
        ['price', 1, share(1, 5), 2, share(2, 7)],
        ['product', 1, share(1, 5), 1, share(1, 7)],
        ['relocation', 1, share(1, 5), 1, share(1, 7)],
      ]);
      expect(report.customers.map((c) => [c.externalId, c.state, c.lostAt.slice(0, 10), c.currency, c.revenueLost])).toEqual([
        ['C2', 'lost', '2025-03-31', 'EUR', 240_000],
        ['C6', 'lost', '2025-02-28', 'GBP', 96_000],
        ['C1', 'lost', '2025-01-31', 'EUR', 120_000],
        ['C8', 'sleeping', '2024-10-01', 'EUR', 60_000],
        ['C5', 'lost', '2024-08-31', 'EUR', 30_000],
      ]);
      const [c2, , c1, c8] = report.customers;
      expect(c2).toMatchObject({
        servedBy: { code: 'E1', name: 'Anna Berg' },
        reason: { code: 'service.unresolved_complaint', source: 'verified', group: { code: 'service' }, mapping: 'rule', mapped: { code: 'price.too_expensive' }, verified: { code: 'service.unresolved_complaint' } },
        words: {
          cancellation: 'Way too expensive for us',
          call: { by: { code: 'A1' }, explanation: 'Our complaint about the broken router was never resolved', diagnosed: { code: 'service.unresolved_complaint' }, confirmed: true },
        },
      });
      expect(c1).toMatchObject({
        reason: { code: 'service.slow_response', source: 'mapped', verified: null },
        words: { cancellation: 'We waited days for a call back', call: { diagnosed: { code: 'product.quality' }, confirmed: false, outcome: 'declined' } },
      });
      expect(c8).toMatchObject({ reason: { code: 'product.missing_feature', source: 'call', mapping: null, mapped: null }, words: { cancellation: null } });

      const text = formatFeedback(report);
      expect(text).toContain('5 customers left: 4 lost, 1 fell asleep (company: 7)');
      expect(text).toContain('revenue lost: EUR 4,500.00, GBP 960.00');
      expect(text).toContain('in total EUR 5,623.20; converted into EUR at the current rates: 1 GBP = 1.17 EUR');
      expect(text).toMatch(/service\s+Service\s+2\s+40\.0%\s+3\s+42\.9%/);
      expect(text).toContain('cancellation: "Way too expensive for us"');
      expect(text).toContain('"Our complaint about the broken router was never resolved"; diagnosed service.unresolved_complaint, confirmed by the customer');
      expect(text).toContain('diagnosed product.quality, not confirmed by the customer');
      expect(text).toContain('reason: service.slow_response — Slow response (mapped from the cancellation text, not verified)');
      expect(text).toContain('reason: product.missing_feature — Missing feature (confirmed in a recovery call)');
    });

    it("gives an employee's view, and needs exactly one of team or employee", async () => {
      const report = await frontlineFeedback(database, { ...PERIOD, employee: 'E2' });
      expect(report.subject).toEqual({ kind: 'employee', code: 'E2', name: 'Ben Cole' });
      expect(report.customers.map((c) => [c.externalId, c.reason.code, c.words.call])).toEqual([
        ['C4', 'price.competitor_cheaper', null],
        ['C3', 'service.slow_response', null],
      ]);
      await expect(frontlineFeedback(database, PERIOD)).rejects.toMatchObject({ code: 'invalid_options' });
      await expect(frontlineFeedback(database, { ...PERIOD, team: 'north', employee: 'E1' })).rejects.toMatchObject({ code: 'invalid_options' });
      await expect(frontlineFeedback(database, { ...PERIOD, team: 'west' })).rejects.toMatchObject({ code: 'unknown_team' });
    });
  });
});
