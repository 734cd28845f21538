/**
 * A small, fast RFC 4180 CSV reader: a state machine over decoded text chunks. Quoted fields may contain the
 * delimiter, doubled quotes and line breaks; records end at LF, CR LF or a lone CR. Empty lines are skipped, a
 * UTF-8 byte-order mark is dropped, and records may have different numbers of fields (the importer checks
 * them against the header). Each record comes with the file line it starts on. Records are handed out in
 * arrays, one per chunk of input, so that reading a large file costs no promise per record.
 *
 * Malformed input — a quoted field that never ends, a quote inside an unquoted field, text right after a
 * closing quote — raises a CsvError naming the line.
 */

export interface CsvRecord {
  record: string[];
  /** File line (1-based) the record starts on. */
  line: number;
}

export class CsvError extends Error {
  constructor(
    message: string,
    /** Line the problem is on (for an unterminated quote: the line the quoted field starts on). */
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/**
 * Incremental parser: `push` text as it is decoded, `end` when the input is exhausted. Both return the
 * records completed so far. An incomplete last record is kept (as text) until more input arrives.
 */
export class CsvParser {
  private readonly delimiter: number;
  private pending = '';
  /** Line the pending text starts on. */
  private line = 1;
  private started = false;

  constructor(delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new Error(`invalid CSV delimiter ${JSON.stringify(delimiter)}`);
    }
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(text: string): CsvRecord[] {
    if (!this.started && text !== '') {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return this.parse(this.pending === '' ? text : this.pending + text, false);
  }

  end(): CsvRecord[] {
    const text = this.pending;
    this.pending = '';
    return text === '' ? [] : this.parse(text, true);
  }

  /**
   * Parses the complete records of `text`; keeps the rest in `pending`. With `final`, the end of the text
   * ends the last record.
   */
  private parse(text: string, final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = text.length;
    const delimiter = this.delimiter;
    let line = this.line;
    let pos = 0; // start of the current record
    let recordLine = line;
    record: while (pos < n) {
      recordLine = line;
      // An empty line: skip it.
      let c = text.charCodeAt(pos);
      if (c === LF) {
        pos++;
        line++;
        continue;
      }
      if (c === CR) {
        if (pos + 1 >= n && !final) break; // CR LF may be split across chunks
        pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
        line++;
        continue;
      }
      const fields: string[] = [];
      let i = pos;
      for (;;) {
        // At the start of a field.
        if (i < n && text.charCodeAt(i) === QUOTE) {
          // Quoted field: runs to the next quote not followed by another quote.
          const fieldLine = line;
          let value = '';
          let from = i + 1;
          for (;;) {
            const q = text.indexOf('"', from);
            if (q < 0) {
              if (!final) break record; // wait for more input
              throw new CsvError(`Quote Not Closed: the quoted field starting on line ${fieldLine} never ends`, fieldLine);
            }
            line += countLineBreaks(text, from, q);
            if (q + 1 >= n && !final) break record; // is it "" or the end of the field? need the next chunk
            if (text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            value += text.slice(from, q);
            i = q + 1;
            break;
          }
          fields.push(value);
          if (i >= n) {
            // final: the end of the input ends the record
            out.push({ record: fields, line: recordLine });
            pos = i;
            continue record;
          }
          c = text.charCodeAt(i);
          if (c === delimiter) {
            i++;
            continue;
          }
          if (c === LF || c === CR) {
            if (c === CR && i + 1 >= n && !final) break record;
            i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
            line++;
            out.push({ record: fields, line: recordLine });
            pos = i;
            continue record;
          }
          throw new CsvError(`Invalid Closing Quote: got "${text[i]}" after the closing quote of field ${fields.length} on line ${line}; a quoted field must end at a delimiter or line end`, line);
        }
        // Unquoted field: runs to the next delimiter or line break.
        const from = i;
        while (i < n) {
          c = text.charCodeAt(i);
          if (c === delimiter || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new CsvError(
              `Invalid Opening Quote: a quote is found in the unquoted field ${fields.length + 1} on line ${line} (value ${JSON.stringify(text.slice(from, i + 1))}); quote the whole field and double the quotes inside`,
              line,
            );
          }
          i++;
        }
        if (i >= n) {
          if (!final) break record;
          fields.push(text.slice(from, i));
          out.push({ record: fields, line: recordLine });
          pos = i;
          continue record;
        }
        fields.push(from === i ? '' : text.slice(from, i));
        if (c === delimiter) {
          i++;
          continue;
        }
        // Line break ends the record.
        if (c === CR) {
          if (i + 1 >= n && !final) break record;
          i += text.charCodeAt(i + 1) === LF ? 2 : 1;
        } else i++;
        line++;
        out.push({ record: fields, line: recordLine });
        pos = i;
        continue record;
      }
    }
    // Keep what was not a complete record, with the line it starts on.
    this.pending = pos < n ? text.slice(pos) : '';
    this.line = pos < n ? recordLine : line;
    return out;
  }
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  for (let i = text.indexOf('\r', from); i >= 0 && i < to; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== LF) count++;
  return count;
}

/**
 * Reads CSV records from a byte or text stream, in batches. Decodes UTF-8 across chunk boundaries.
 * `onChunk` sees every raw chunk (e.g. to hash the file).
 */
export async function* readCsvBatches(
  source: AsyncIterable<Buffer | string>,
  delimiter = ',',
  onChunk?: (chunk: Buffer | string) => void,
): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser(delimiter);
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  for await (const chunk of source) {
    onChunk?.(chunk);
    const records = parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (records.length > 0) yield records;
  }
  const rest = decoder.decode();
  const records = rest === '' ? parser.end() : [...parser.push(rest), ...parser.end()];
  if (records.length > 0) yield records;
}
