import { describe, expect, it } from 'vitest';
import { compileRules, entities, type RowIssue } from './entities.js';
import { ENTITY_NAMES, importOptionsSchema, type ImportOptionsInput } from './options.js';
import { arrayLiteral } from './repository.js';
import { DATE_FORMATS, parseAmount, parseDecimal, parseTimestamp, timestampParser, toMinorUnits, type ValueOptions } from './values.js';

/** Runs a row through the zod schema and through the plain rules the importer uses: both must agree. */
function both(options: ImportOptionsInput, input: Record<string, unknown>) {
  const parsedOptions = importOptionsSchema.parse(options);
  const entity = entities[parsedOptions.entity];
  const zod = entity.schema(parsedOptions).safeParse(input);
  const issues: RowIssue[] = [];
  const plain = compileRules(entity.rules(parsedOptions))(input, issues);
  const zodIssues = zod.success ? [] : zod.error.issues.map((i) => ({ field: String(i.path[0]), message: i.message }));
  return { zod: zod.success ? zod.data : undefined, plain, zodIssues, issues };
}

const ROWS: Record<string, Record<string, unknown>[]> = {
  orders: [
    { external_id: ' O1 ', customer_id: 'C1', occurred_at: '2024-03-05T14:30:00Z', amount: '12.50', margin: '', currency: 'eur' },
    { customer_id: 'C1', occurred_at: '2024-03-05', amount: '-3', currency: 'JPY' },
    { customer_id: 'C1', occurred_at: '2024-02-30', amount: '12.3x', currency: 'EUR' },
    { customer_id: '', occurred_at: 'yesterday', amount: '', currency: 'EURO' },
    { customer_id: 'C1', occurred_at: '2024-03-05 10:00', amount: '1.234', margin: '1.5', currency: 'EUR' },
    { customer_id: 'C1', occurred_at: '2024-03-05T10:00:00.5+02:00', amount: '1' },
  ],
  contracts: [
    { external_id: 'K1', customer_id: 'C1', started_at: '2024-01-01', ends_at: '2023-01-01', monthly_value: '-1', currency: 'EUR', reason_code: 'PRICE' },
    { external_id: 'K2', customer_id: 'C1', started_at: '', monthly_value: '', currency: 'EUR' },
    { external_id: 'K3', customer_id: 'C1', started_at: '2024-01-01', monthly_value: '49.90', currency: 'EUR', reason_code: ' Price ' },
  ],
  customers: [
    { external_id: 'C1', country: 'de', timezone: 'Europe/Berlin', acquired_at: '2022-01-15', attributes: { industry: 'retail' } },
    { external_id: 'C2', country: 'DEU', timezone: 'Mars/Olympus', acquired_at: '15.01.2022' },
  ],
  interactions: [
    { customer_id: 'C1', type: 'Service Call', occurred_at: '2024-01-01T00:00:00Z', channel: 'PHONE', severity: 'HIGH' },
    { customer_id: 'C1', type: '', occurred_at: '', severity: 'urgent' },
  ],
  preferences: [
    { customer_id: 'C1', allowed_channels: 'phone; EMAIL|sms', max_contacts: '3', per_days: '30', contact_hours_start: '9:00', contact_hours_end: '17:30', do_not_contact: 'ja' },
    { customer_id: 'C1', allowed_channels: 'fax', max_contacts: '3', contact_hours_start: '25:00', do_not_contact: 'maybe' },
    { customer_id: 'C1', max_contacts: '3', contact_hours_end: '18:00', do_not_contact: 'yes', do_not_contact_at: '2024-02-01' },
  ],
  teams: [{ code: 'T1', name: '' }, { code: ' ' }],
  employees: [{ code: 'E1', role: 'Manager' }, { code: 'E2', role: 'boss' }],
};

describe('row rules: the importer’s plain functions and the zod schema built from them', () => {
  for (const entity of ENTITY_NAMES) {
    it(`agree on ${entity}`, () => {
      for (const input of ROWS[entity] ?? []) {
        for (const options of [{ entity }, { entity, currency: 'usd', timezone: 'Europe/Berlin' }, { entity, dateFormat: 'DD.MM.YYYY' as const }]) {
          const { zod, plain, zodIssues, issues } = both(options, input);
          expect(issues, JSON.stringify(input)).toEqual(zodIssues);
          expect(plain).toEqual(zod);
        }
      }
    });
  }

  it('the zod schema still checks the input types of API bodies', () => {
    const options = importOptionsSchema.parse({ entity: 'orders' });
    const schema = entities.orders.schema(options);
    const wrongType = schema.safeParse({ customer_id: 5, occurred_at: new Date('2024-01-01T00:00:00Z'), amount: 12.5, currency: 'EUR' });
    expect(wrongType.success ? [] : wrongType.error.issues.map((i) => [i.path, i.message])).toEqual([[['customer_id'], 'is required']]);
    const body = schema.safeParse({ customer_id: 'C1', occurred_at: new Date('2024-01-01T00:00:00Z'), amount: 12.5, currency: 'EUR' });
    expect(body.success && body.data).toMatchObject({ customer: 'C1', amount: 1250, occurred_at: new Date('2024-01-01T00:00:00Z') });
  });
});

describe('fast timestamps', () => {
  const samples = [
    '2024-03-05', '2024-03-05T14:30:00Z', '2024-03-05T14:30Z', '2024-03-05 14:30:00.123Z', '2024-03-05T14:30:00,5Z', '2024-03-05T14:30:00.123456789Z',
    '2024-03-05T14:30:00.1234567890Z', '2024-02-29T00:00:00Z', '2023-02-29', '0000-02-29', '0004-02-29', '1900-02-29', '2000-02-29', '2024-04-31',
    '2024-03-05T24:00:00Z', '2024-03-05T23:60Z', '2024-03-05T14:30:00+02:00', '2024-03-05T14:30:00-0530', '2024-03-05T14:30:00+02', '2024-3-5',
    '2024-03-05T14:30:00', '2024-03-31T02:30:00', '2024-10-27T02:30:00', '2024-03-05T14', '2024-03-05T14:30:00ZZ', '２０２４-03-05', 'yesterday', '',
    '2024-03-05T14:30:0', '2024-03-05T14:30:00.', '2024-13-01', '2024-00-10', '2024-01-00',
  ];
  for (const timezone of ['UTC', 'Europe/Berlin', 'America/St_Johns']) {
    for (const dateFormat of ['iso', ...DATE_FORMATS.filter((f) => f !== 'iso').slice(0, 2)] as const) {
      it(`match parseTimestamp in ${timezone}, ${dateFormat}`, () => {
        const options: ValueOptions = { dateFormat, timezone, decimal: 'point' };
        const fast = timestampParser(options);
        for (const text of [...samples, '05.03.2024', '05.03.2024 14:30', '2024-03-05 14:30']) {
          expect(fast(text), text).toBe(parseTimestamp(text, options));
          expect(fast(text), `${text} (cached)`).toBe(parseTimestamp(text, options));
        }
      });
    }
  }
});

describe('fast amounts', () => {
  const samples = [
    '0', '-0', '+0.00', '12', '12.5', '12.50', '-3', '+7.25', '0.001', '007.10', '123456789012345', '1234567890123.45', '1234567890123456',
    '12345678901234.567', '9007199254740991', '90071992547409.91', '90071992547409.92', '1.', '.5', '1..2', '1.2.3', '12,50', '1 000', '', '-', '+',
    '1e5', '0x10', '١٢', '12.3x', '--1', '+-1',
  ];
  for (const separator of ['point', 'comma'] as const) {
    it(`match parseDecimal and its minor units with a decimal ${separator}`, () => {
      for (const text of samples) {
        const exact = parseDecimal(text, separator);
        const fast = parseAmount(text, separator);
        if (typeof exact === 'string') {
          expect(fast, text).toBe(exact);
          continue;
        }
        expect(typeof fast, text).toBe('object');
        for (const currency of ['EUR', 'JPY', 'KWD']) {
          expect(toMinorUnits(fast as Exclude<typeof fast, string>, currency), `${text} ${currency}`).toBe(toMinorUnits(exact, currency));
        }
      }
    });
  }
});

describe('staging array literals', () => {
  it('quote text only as PostgreSQL needs, and write nulls, numbers and booleans plainly', () => {
    expect(arrayLiteral([], 'text')).toBe('{}');
    expect(arrayLiteral(['a', 'b c', ''], 'text')).toBe('{"a","b c",""}');
    expect(arrayLiteral(['say "hi"', 'C:\\dir', null, 'NULL'], 'text')).toBe('{"say \\"hi\\"","C:\\\\dir",NULL,"NULL"}');
    expect(arrayLiteral([1, -2, 1577836800123], 'bigint')).toBe('{1,-2,1577836800123}');
    expect(arrayLiteral([1, null, undefined], 'integer')).toBe('{1,NULL,NULL}');
    expect(arrayLiteral([true, false, null], 'boolean')).toBe('{t,f,NULL}');
    expect(arrayLiteral(['{"a":"x\\"y"}', { b: 1 }], 'jsonb')).toBe('{"{\\"a\\":\\"x\\\\\\"y\\"}","{\\"b\\":1}"}');
  });
});
