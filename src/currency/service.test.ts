import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { buildServer } from '../server/app.js';
import { conversionFactor, convertMinor, decimalToString, parseRate } from './money.js';
import { currencySettings, loadConversion, setExchangeRate, setReportingCurrency } from './service.js';

describeEachEngine('currency settings', (engine) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.dispose());

  it('starts in EUR with rates for the demo company’s currencies', async () => {
    const s = await currencySettings(database);
    expect(s.reportingCurrency).toBe('EUR');
    expect(s.rates.map((r) => [r.currency, r.rate])).toEqual([
      ['CHF', '1.07'],
      ['GBP', '1.17'],
      ['PLN', '0.235'],
      ['USD', '0.88'],
    ]);
    const c = await loadConversion(database.db);
    expect([c.convert(1234, 'GBP'), c.convert(1234, 'EUR'), c.convert(1234, 'SEK'), c.convert(0, null)]).toEqual([1444, 1234, null, null]);
  });

  it('sets a rate exactly, with who and when, and refuses the reporting currency and nonsense', async () => {
    const change = await setExchangeRate(database, { currency: 'sek', rate: '0.0870', updatedBy: 'ana' });
    expect(change).toMatchObject({ reportingCurrency: 'EUR', previous: null, rate: { currency: 'SEK', rate: '0.087', updatedBy: 'ana', updatedAt: expect.any(Date) } });
    const again = await setExchangeRate(database, { currency: 'SEK', rate: 0.09 });
    expect(again).toMatchObject({ previous: '0.087', rate: { rate: '0.09', updatedBy: 'unknown' } });
    await expect(setExchangeRate(database, { currency: 'EUR', rate: '1' })).rejects.toMatchObject({ code: 'reporting_currency_rate', kind: 'invalid_input' });
    await expect(setExchangeRate(database, { currency: 'EURO', rate: '1' })).rejects.toMatchObject({ code: 'invalid_options', message: expect.stringContaining('three-letter ISO 4217') });
    await expect(setExchangeRate(database, { currency: 'GBP', rate: '-1' })).rejects.toMatchObject({ message: expect.stringContaining('rate: must be greater than 0') });
    expect((await currencySettings(database)).rates.find((r) => r.currency === 'GBP')!.rate).toBe('1.17');
  });

  it('re-expresses every rate through the cross rate when the reporting currency changes, and needs a rate for it', async () => {
    await expect(setReportingCurrency(database, { currency: 'SEK' })).rejects.toMatchObject({ code: 'no_rate', message: expect.stringContaining('winback currency set-rate SEK') });
    const change = await setReportingCurrency(database, { currency: 'chf', updatedBy: 'ana' });
    expect(change).toMatchObject({ previous: 'EUR', reportingCurrency: 'CHF' });
    // 1 GBP = 1.17 EUR = 1.17 / 1.07 CHF; 1 EUR = 1 / 1.07 CHF; twelve significant digits.
    expect(change.rates.map((r) => [r.currency, r.rate, r.updatedBy])).toEqual([
      ['EUR', '0.934579439252', 'ana'],
      ['GBP', '1.09345794393', 'ana'],
      ['PLN', '0.219626168224', 'ana'],
      ['USD', '0.822429906542', 'ana'],
    ]);
    const s = await currencySettings(database);
    expect([s.reportingCurrency, s.updatedBy]).toEqual(['CHF', 'ana']);
    expect(s.rates).toEqual(change.rates);
    // 100.00 EUR → 93.46 CHF.
    expect((await loadConversion(database.db)).convert(10_000, 'EUR')).toBe(9346);
    // Unchanged when it is already the reporting currency.
    expect((await setReportingCurrency(database, { currency: 'CHF' })).rates).toEqual(s.rates);
  });

  it('rounds in SQL exactly as in Node, so converted rows and converted sums agree', async () => {
    const amounts = [0, 1, 5, 49, 50, 51, -50, -51, 12345, -12345, 999_999_999_999, 123_456_789_012_345];
    const cases: [string, string, string][] = [
      ['1.01', 'GBP', 'EUR'],
      ['1.17', 'GBP', 'EUR'],
      ['0.0058', 'JPY', 'EUR'],
      ['172.5', 'EUR', 'JPY'],
      ['0.934579439252', 'EUR', 'CHF'],
      ['2.8', 'KWD', 'EUR'],
    ];
    for (const [rate, from, to] of cases) {
      const r = parseRate(rate);
      if (typeof r === 'string') throw new Error(r);
      const factor = conversionFactor(r, from, to);
      const { rows } = await sql<{ v: string }>`
        SELECT round(a * ${decimalToString(factor)}::numeric)::text AS v FROM unnest(${amounts}::bigint[]) WITH ORDINALITY AS x(a, i) ORDER BY i`.execute(database.db);
      expect(rows.map((x) => Number(x.v)), `${rate} ${from} → ${to}`).toEqual(amounts.map((a) => convertMinor(a, factor)));
    }
  });

  it('serves the settings over HTTP with the same schemas', async () => {
    const app = await buildServer(database);
    try {
      const get = await app.inject({ method: 'GET', url: '/api/v1/currency' });
      expect(get.statusCode).toBe(200);
      expect(get.json()).toMatchObject({ reportingCurrency: 'EUR', rates: expect.arrayContaining([expect.objectContaining({ currency: 'GBP', rate: '1.17' })]), takesEffect: expect.stringContaining('next') });
      const rate = await app.inject({ method: 'PUT', url: '/api/v1/currency/rates/sek', payload: { rate: '0.087' } });
      expect(rate.statusCode, rate.body).toBe(200);
      expect(rate.json()).toMatchObject({ rate: { currency: 'SEK', rate: '0.087', updatedBy: 'api' }, previous: null });
      const badRate = await app.inject({ method: 'PUT', url: '/api/v1/currency/rates/SEK', payload: { rate: 'lots' } });
      expect(badRate.statusCode).toBe(422);
      expect(badRate.json().error.message).toContain('rate: not a decimal amount');
      const badCode = await app.inject({ method: 'PUT', url: '/api/v1/currency/rates/SEKK', payload: { rate: '1' } });
      expect(badCode.statusCode).toBe(422);
      const reporting = await app.inject({ method: 'PUT', url: '/api/v1/currency/reporting', payload: { currency: 'SEK', updatedBy: 'ben' } });
      expect(reporting.statusCode, reporting.body).toBe(200);
      expect(reporting.json()).toMatchObject({ previous: 'EUR', reportingCurrency: 'SEK', rates: expect.arrayContaining([expect.objectContaining({ currency: 'EUR', rate: '11.4942528736', updatedBy: 'ben' })]) });
      const noRate = await app.inject({ method: 'PUT', url: '/api/v1/currency/reporting', payload: { currency: 'NOK' } });
      expect(noRate.statusCode).toBe(422);
      expect(noRate.json().error).toMatchObject({ domain: 'currency', code: 'no_rate' });
      const ownRate = await app.inject({ method: 'PUT', url: '/api/v1/currency/rates/SEK', payload: { rate: '2' } });
      expect(ownRate.json().error).toMatchObject({ code: 'reporting_currency_rate' });
      const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect(doc.paths['/api/v1/currency/rates/{code}'].put.parameters).toEqual([expect.objectContaining({ name: 'code', in: 'path' })]);
      expect(doc.paths['/api/v1/currency/reporting'].put.requestBody.content['application/json'].schema.properties).toHaveProperty('currency');
    } finally {
      await app.close();
    }
  });
});
