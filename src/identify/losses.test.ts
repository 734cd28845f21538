import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { setExchangeRate, setReportingCurrency } from '../currency/index.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { importFile } from '../ingest/importer.js';
import { csvFolder } from '../ingest/test-support/files.js';
import { buildServer } from '../server/app.js';
import { formatLossCsv, formatLossTable, lossReport, recomputeStates } from './index.js';

/*
 * Three currencies, as of 2025-06-30, all contracts started 2023-01-01:
 *   C1 EUR 100.00/month, ended 2024-03-15 → lost, 1,200.00 EUR a year
 *   C2 GBP  50.00/month, ended 2024-02-01 → lost,   600.00 GBP
 *   C3 SEK 1,000.00/month, ended 2024-01-20 → lost, 12,000.00 SEK (SEK has no rate)
 *   C4 EUR 10.00/month, C5 GBP 20.00/month: running.
 * 2024-Q1: 3 lost. Revenue base at 2024-01-01: EUR 1,320.00, GBP 840.00, SEK 12,000.00.
 * In EUR at the seeded 1 GBP = 1.17 EUR: lost 1,200.00 + 702.00 = 1,902.00 of a base 1,320.00 + 982.80 = 2,302.80
 * → revenue churn 0.825951; SEK left out and named.
 */
const AS_OF = '2025-06-30';
const Q1 = { by: 'quarter' as const, from: '2024-01-01', to: '2024-03-31T23:59:59Z' };
const files = {
  customers: ['external_id,name,currency', 'C1,One,EUR', 'C2,Two,GBP', 'C3,Three,SEK', 'C4,Four,EUR', 'C5,Five,GBP'],
  contracts: [
    'external_id,customer_id,started_at,ends_at,monthly_value,currency',
    'K1,C1,2023-01-01,2024-03-15,100.00,EUR',
    'K2,C2,2023-01-01,2024-02-01,50.00,GBP',
    'K3,C3,2023-01-01,2024-01-20,1000.00,SEK',
    'K4,C4,2023-01-01,,10.00,EUR',
    'K5,C5,2023-01-01,,20.00,GBP',
  ],
};

describeEachEngine('loss report in the reporting currency', (engine) => {
  let database: TestDatabase;
  let folder: ReturnType<typeof csvFolder>;
  beforeAll(() => {
    folder = csvFolder();
  });
  afterAll(() => folder.remove());
  beforeEach(async () => {
    database = await engine.open();
    for (const entity of ['customers', 'contracts'] as const) await importFile(database, folder.write(`${entity}.csv`, files[entity]), { entity });
    await recomputeStates(database, { asOf: AS_OF });
  });
  afterEach(() => database.dispose());

  it('converts each currency at its rate, sums, states the rates and leaves a currency without a rate out, by name', async () => {
    const report = await lossReport(database, Q1);
    expect(report).toMatchObject({ reportingCurrency: 'EUR', currency: null, currencies: ['EUR', 'GBP', 'SEK'], unconverted: ['SEK'] });
    expect(report.rates.map((r) => [r.currency, r.rate])).toEqual([
      ['EUR', '1'],
      ['GBP', '1.17'],
    ]);
    const [q1] = report.rows;
    expect(q1).toMatchObject({ period: '2024-Q1', lostCustomers: 3 });
    expect(q1!.money.map((m) => [m.currency, m.lostValue, m.revenueBase])).toEqual([
      ['EUR', 120_000, 132_000],
      ['GBP', 60_000, 84_000],
      ['SEK', 1_200_000, 1_200_000],
    ]);
    expect(q1!.total).toEqual({ currency: 'EUR', lostValue: 190_200, sleepingValue: 0, forecastValue: 0, revenueBase: 230_280, revenueChurnRate: 0.825951 });

    expect(formatLossTable(report)).toBe(
      [
        'money in EUR (reporting currency), converted at the current rates: 1 GBP = 1.17 EUR',
        'not converted, left out of the totals (no rate): SEK — see --currency SEK or set a rate with winback currency set-rate',
        'period   lost  sleeping  active_at_start  churn_rate  total_lost_value_EUR  total_sleeping_value_EUR  total_forecast_EUR  total_revenue_churn',
        '-------  ----  --------  ---------------  ----------  --------------------  ------------------------  ------------------  -------------------',
        '2024-Q1     3         0                5      60.00%               1902.00                      0.00                0.00               82.60%',
      ].join('\n'),
    );
    const csv = formatLossCsv(report).split('\n');
    expect(csv[0]).toBe(
      'period,lost,sleeping,active_at_start,churn_rate,total_lost_value_EUR,total_sleeping_value_EUR,total_forecast_EUR,total_revenue_churn,' +
        'lost_value_EUR,sleeping_value_EUR,forecast_EUR,revenue_churn_EUR,rate_EUR_EUR,lost_value_GBP,sleeping_value_GBP,forecast_GBP,revenue_churn_GBP,rate_GBP_EUR,' +
        'lost_value_SEK,sleeping_value_SEK,forecast_SEK,revenue_churn_SEK,rate_SEK_EUR',
    );
    expect(csv[1]).toBe('2024-Q1,3,0,5,0.6,1902.00,0.00,0.00,0.825951,1200.00,0.00,0.00,0.909091,1,600.00,0.00,0.00,0.714286,1.17,12000.00,0.00,0.00,1,');
  });

  it('restricts the money to one currency with `currency`, in that currency', async () => {
    const gbp = await lossReport(database, { ...Q1, currency: 'gbp' });
    expect(gbp).toMatchObject({ currency: 'GBP', currencies: ['GBP'], unconverted: [] });
    expect(gbp.rows[0]!.money).toEqual([{ currency: 'GBP', lostValue: 60_000, sleepingValue: 0, forecastValue: 0, revenueBase: 84_000, revenueChurnRate: 0.714286 }]);
    expect(gbp.rows[0]!.total).toMatchObject({ currency: 'EUR', lostValue: 70_200, revenueBase: 98_280 });
    expect(formatLossTable(gbp).split('\n').slice(0, 2)).toEqual([
      'money of customers paying in GBP, in GBP (1 GBP = 1.17 EUR); customer counts and churn rates: every customer',
      'period   lost  sleeping  active_at_start  churn_rate  lost_value_GBP  sleeping_value_GBP  forecast_GBP  revenue_churn_GBP',
    ]);
    const sek = await lossReport(database, { ...Q1, currency: 'SEK' });
    expect(formatLossTable(sek).split('\n')[0]).toBe('money of customers paying in SEK, in SEK (no rate to EUR); customer counts and churn rates: every customer');
    expect(sek.rows[0]!.total.lostValue).toBe(0);
  });

  it('uses a changed rate or reporting currency from the next report on; the per-currency figures never change', async () => {
    const before = await lossReport(database, Q1);
    await setExchangeRate(database, { currency: 'GBP', rate: '1.2', updatedBy: 'test' });
    const after = await lossReport(database, Q1);
    expect(after.rows[0]!.money).toEqual(before.rows[0]!.money);
    expect(after.rows[0]!.total.lostValue).toBe(120_000 + 72_000);
    expect(after.rates.find((r) => r.currency === 'GBP')).toMatchObject({ rate: '1.2', updatedBy: 'test' });

    // In GBP: 1 EUR = 1 / 1.2 = 0.833333333333 GBP → 1,200.00 EUR = 999.9999999996 → 1,000.00 GBP.
    await setReportingCurrency(database, { currency: 'GBP', updatedBy: 'test' });
    const inGbp = await lossReport(database, Q1);
    expect(inGbp.reportingCurrency).toBe('GBP');
    expect(inGbp.rates.map((r) => [r.currency, r.rate])).toEqual([
      ['EUR', '0.833333333333'],
      ['GBP', '1'],
    ]);
    expect(inGbp.rows[0]!.total).toMatchObject({ currency: 'GBP', lostValue: 100_000 + 60_000 });
    expect(inGbp.rows[0]!.money).toEqual(before.rows[0]!.money);
  });

  it('serves the report over HTTP with the same schema, the currency option included', async () => {
    const app = await buildServer(database);
    try {
      const response = await app.inject({ method: 'GET', url: '/api/v1/reports/losses?by=quarter&from=2024-01-01&to=2024-03-31T23:59:59Z&currency=gbp' });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toEqual(JSON.parse(JSON.stringify(await lossReport(database, { ...Q1, currency: 'GBP', knownAt: body.knownAt }))));
      const bad = await app.inject({ method: 'GET', url: '/api/v1/reports/losses?currency=EURO' });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.message).toContain('currency: expected a three-letter ISO 4217 currency code');
      const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect(doc.paths['/api/v1/reports/losses'].get.parameters.map((p: { name: string }) => p.name)).toContain('currency');
    } finally {
      await app.close();
    }
  });
});
