import { describe, expect, it } from 'vitest';
import { conversionFactor, convertMinor, decimalToString, divideDecimals, formatMinor, parseRate } from './money.js';
import { conversionFrom } from './service.js';

const rate = (text: string) => {
  const r = parseRate(text);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('conversion arithmetic', () => {
  it('reads rates exactly and refuses what is not a positive decimal', () => {
    expect(decimalToString(rate('1.1700'))).toBe('1.17');
    expect(decimalToString(rate('0.000056600'))).toBe('0.0000566');
    expect(decimalToString(rate('4'))).toBe('4');
    expect(parseRate('0')).toBe('must be greater than 0');
    expect(parseRate('-1.2')).toBe('must be greater than 0');
    expect(parseRate('1,17')).toMatch(/^not a decimal amount/);
    expect(parseRate('1e-7')).toMatch(/^not a decimal amount/);
    expect(parseRate('0.' + '0'.repeat(18) + '1')).toBe('has more than 18 decimal places');
    expect(parseRate('1000000000000')).toBe('must be below 1,000,000,000,000');
  });

  it('converts minor units with the exponents of both currencies, rounding half away from zero', () => {
    const gbp = conversionFactor(rate('1.17'), 'GBP', 'EUR');
    expect(convertMinor(1234, gbp)).toBe(1444); // 1443.78
    expect(convertMinor(50, conversionFactor(rate('1.01'), 'GBP', 'EUR'))).toBe(51); // 50.5 → 51
    expect(convertMinor(-50, conversionFactor(rate('1.01'), 'GBP', 'EUR'))).toBe(-51); // −50.5 → −51
    expect(convertMinor(-49, conversionFactor(rate('1.01'), 'GBP', 'EUR'))).toBe(-49); // −49.49
    // JPY has no minor unit, KWD three: 1000 yen at 0.0058 EUR = 5.80 EUR; 1.000 KWD at 2.8 EUR = 2.80 EUR.
    expect(decimalToString(conversionFactor(rate('0.0058'), 'JPY', 'EUR'))).toBe('0.58');
    expect(convertMinor(1000, conversionFactor(rate('0.0058'), 'JPY', 'EUR'))).toBe(580);
    expect(convertMinor(1000, conversionFactor(rate('2.8'), 'KWD', 'EUR'))).toBe(280);
    expect(convertMinor(12345, conversionFactor(rate('172.5'), 'EUR', 'JPY'))).toBe(21295); // 123.45 EUR = 21,295.125 yen
    // Exact where binary floats are not: 0.1 + 0.2 style rates.
    expect(convertMinor(3, conversionFactor(rate('0.5'), 'EUR', 'EUR'))).toBe(2); // 1.5 → 2
    expect(convertMinor(1_000_000_000_000_005, conversionFactor(rate('1'), 'EUR', 'EUR'))).toBe(1_000_000_000_000_005);
    expect(convertMinor(Number.MAX_SAFE_INTEGER, conversionFactor(rate('2'), 'EUR', 'EUR'))).toBeNull();
  });

  it('computes cross rates to twelve significant digits, far beyond any quoted rate', () => {
    expect(decimalToString(divideDecimals(rate('1.17'), rate('1.07')))).toBe('1.09345794393');
    expect(decimalToString(divideDecimals(rate('1'), rate('1.07')))).toBe('0.934579439252');
    expect(decimalToString(divideDecimals(rate('1'), rate('0.0000566')))).toBe('17667.844523') // 17667.8445229681… → 12 digits 17667.8445230;
    expect(decimalToString(divideDecimals(rate('9.99999999999'), rate('1')))).toBe('9.99999999999');
    expect(decimalToString(divideDecimals(rate('2'), rate('3')))).toBe('0.666666666667');
    expect(decimalToString(divideDecimals(rate('10'), rate('0.1')))).toBe('100');
    // EUR → CHF → EUR: GBP 1.17 → 1.09345794393 CHF → back through 1 EUR = 0.934579439252 CHF: off in the twelfth
    // digit only, far below any quoted rate's precision.
    const inChf = divideDecimals(rate('1.17'), rate('1.07'));
    expect(decimalToString(divideDecimals(inChf, divideDecimals(rate('1'), rate('1.07'))))).toBe('1.17000000001');
  });

  it('writes minor units with the currency’s decimals', () => {
    expect([formatMinor(123456, 'EUR'), formatMinor(-5, 'EUR'), formatMinor(0, 'GBP'), formatMinor(1000, 'JPY'), formatMinor(1234, 'KWD'), formatMinor(120, null)]).toEqual([
      '1234.56',
      '-0.05',
      '0.00',
      '1000',
      '1.234',
      '1.20',
    ]);
    expect(formatMinor(1440.269239510574, 'EUR')).toBe('14.40'); // a model's expected spend
  });
});

describe('conversion between two currencies', () => {
  const at = new Date('2025-01-01T00:00:00Z');
  const conversion = conversionFrom({
    reportingCurrency: 'EUR',
    updatedBy: 'test',
    updatedAt: at,
    rates: [
      { currency: 'GBP', rate: '1.17', updatedBy: 'test', updatedAt: at },
      { currency: 'JPY', rate: '0.0058', updatedBy: 'test', updatedAt: at },
    ],
  });

  it('goes through the reporting currency with both exponents, and needs both rates', () => {
    expect(conversion.convertBetween(1000, 'GBP', 'GBP')).toBe(1000);
    expect(conversion.convertBetween(1000, 'GBP', 'EUR')).toBe(1170);
    expect(conversion.convertBetween(1170, 'EUR', 'GBP')).toBe(1000);
    // 10.00 GBP = 11.70 EUR = 2017.24… yen → 2017 yen (no minor unit).
    expect(conversion.convertBetween(1000, 'GBP', 'JPY')).toBe(2017);
    expect(conversion.convertBetween(1000, 'GBP', 'CHF')).toBeNull();
    expect(conversion.convertBetween(1000, 'CHF', 'EUR')).toBeNull();
  });
});
