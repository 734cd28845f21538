import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvError, CsvParser, readCsvBatches, type CsvRecord } from './csv.js';

const parseAll = (text: string, delimiter = ','): CsvRecord[] => {
  const parser = new CsvParser(delimiter);
  return [...parser.push(text), ...parser.end()];
};

/** Parses `text` fed in two pieces split at every position, and in single characters: all must agree. */
const parseSplit = (text: string, delimiter = ','): CsvRecord[] => {
  const whole = parseAll(text, delimiter);
  for (let at = 0; at <= text.length; at++) {
    const parser = new CsvParser(delimiter);
    expect([...parser.push(text.slice(0, at)), ...parser.push(text.slice(at)), ...parser.end()], `split at ${at}`).toEqual(whole);
  }
  const parser = new CsvParser(delimiter);
  const chars = [...text].flatMap((ch) => parser.push(ch));
  expect([...chars, ...parser.end()]).toEqual(whole);
  return whole;
};

const errorOf = (text: string): CsvError => {
  try {
    parseAll(text);
  } catch (error) {
    return error as CsvError;
  }
  throw new Error('expected a CsvError');
};

describe('CSV reader', () => {
  it('reads plain records with the line each starts on', () => {
    expect(parseSplit('a,b\n1,2\n3,4')).toEqual([
      { record: ['a', 'b'], line: 1 },
      { record: ['1', '2'], line: 2 },
      { record: ['3', '4'], line: 3 },
    ]);
  });

  it('handles CR LF, lone CR, a final line break and empty fields', () => {
    expect(parseSplit('a,b\r\n1,\r\n,2\r3,4\r\n')).toEqual([
      { record: ['a', 'b'], line: 1 },
      { record: ['1', ''], line: 2 },
      { record: ['', '2'], line: 3 },
      { record: ['3', '4'], line: 4 },
    ]);
    expect(parseSplit('a,b,\n')).toEqual([{ record: ['a', 'b', ''], line: 1 }]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks, counting lines', () => {
    expect(parseSplit('h1,h2\n"x, y","say ""hi"""\n"multi\nline\r\ntext",z\nlast,"\n"')).toEqual([
      { record: ['h1', 'h2'], line: 1 },
      { record: ['x, y', 'say "hi"'], line: 2 },
      { record: ['multi\nline\r\ntext', 'z'], line: 3 },
      { record: ['last', '\n'], line: 6 },
    ]);
    expect(parseSplit('"",""\n""')).toEqual([
      { record: ['', ''], line: 1 },
      { record: [''], line: 2 },
    ]);
  });

  it('skips empty lines but keeps counting them', () => {
    expect(parseSplit('\na\n\n\r\nb\n\n')).toEqual([
      { record: ['a'], line: 2 },
      { record: ['b'], line: 5 },
    ]);
  });

  it('drops a byte-order mark and takes another delimiter', () => {
    expect(parseSplit('\ufeffa;b\n"1;2";3', ';')).toEqual([
      { record: ['a', 'b'], line: 1 },
      { record: ['1;2', '3'], line: 2 },
    ]);
    expect(parseAll('a\tb,c', '\t')).toEqual([{ record: ['a', 'b,c'], line: 1 }]);
  });

  it('allows records of different lengths', () => {
    expect(parseAll('a,b,c\n1\n1,2,3,4')).toEqual([
      { record: ['a', 'b', 'c'], line: 1 },
      { record: ['1'], line: 2 },
      { record: ['1', '2', '3', '4'], line: 3 },
    ]);
  });

  it('reports malformed input with its line', () => {
    const unterminated = errorOf('code,name\na,"unterminated\nb,B\n');
    expect(unterminated).toBeInstanceOf(CsvError);
    expect(unterminated.line).toBe(2);
    expect(unterminated.message).toMatch(/Quote Not Closed/);

    const stray = errorOf('a,b\n1,2\nx,ab"c\n');
    expect(stray.line).toBe(3);
    expect(stray.message).toMatch(/Invalid Opening Quote/);

    const afterClosing = errorOf('a,b\n"multi\nline"x,2\n');
    expect(afterClosing.line).toBe(3);
    expect(afterClosing.message).toMatch(/Invalid Closing Quote/);
  });

  it('reads a byte stream in batches, decoding UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('\ufeffname,city\n"Müller, Jörg",Köln\nÅsa,Malmö\n', 'utf8');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const seen: number[] = [];
    const records: CsvRecord[] = [];
    for await (const batch of readCsvBatches(Readable.from(chunks), ',', (c) => seen.push(c.length))) records.push(...batch);
    expect(records).toEqual([
      { record: ['name', 'city'], line: 1 },
      { record: ['Müller, Jörg', 'Köln'], line: 2 },
      { record: ['Åsa', 'Malmö'], line: 3 },
    ]);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(bytes.length);
  });
});
