/**
 * The one CSV writer used for every demo file: RFC 4180 quoting, `\n` line ends, UTF-8, and a
 * bounded in-memory buffer that is handed to the file stream in batches. Callers append rows
 * synchronously (cheap) and `await flushIfFull()` at safe points, which waits for the stream's
 * `drain` when the OS is behind — so memory stays bounded however many rows are written.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/** A field value; `null`/`undefined`/`''` all print as an empty field (= null on import). */
export type CsvValue = string | number | boolean | null | undefined;

const NEEDS_QUOTING = /[",\r\n]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return NEEDS_QUOTING.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  let line = csvField(values[0]);
  for (let i = 1; i < values.length; i++) line += ',' + csvField(values[i]);
  return line + '\n';
}

/**
 * Batch size handed to the stream at once: large enough to amortise calls into the stream, and
 * small enough that buffered rows die young (bigger batches were promoted to the old generation
 * and doubled the time spent in garbage collection).
 */
const FLUSH_AT_CHARS = 32 * 1024;
const STREAM_HIGH_WATER_MARK = 1024 * 1024;

export class CsvWriter {
  private readonly stream: WriteStream;
  /** Rows not yet handed to the stream; V8 concatenates into a rope, flattened once per flush. */
  private pending = '';
  private rowCount = 0;

  constructor(
    readonly path: string,
    private readonly columnCount: number,
  ) {
    // The stream may hold a few batches while the disk catches up; beyond that we wait for `drain`.
    this.stream = createWriteStream(path, { encoding: 'utf8', highWaterMark: STREAM_HIGH_WATER_MARK });
  }

  static async open(path: string, header: readonly string[]): Promise<CsvWriter> {
    const writer = new CsvWriter(path, header.length);
    writer.pending = csvLine(header);
    await once(writer.stream, 'open');
    return writer;
  }

  /** Rows written so far, header excluded. */
  get rows(): number {
    return this.rowCount;
  }

  write(values: readonly CsvValue[]): void {
    if (values.length !== this.columnCount) {
      // A short row would silently shift columns in the importer; fail loudly while developing.
      throw new Error(`${this.path}: row has ${values.length} fields, header has ${this.columnCount}`);
    }
    this.pending += csvLine(values);
    this.rowCount++;
  }

  async flushIfFull(): Promise<void> {
    if (this.pending.length >= FLUSH_AT_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending;
    this.pending = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Abandon the file after an error; whatever was written stays as a partial file. */
  destroy(): void {
    this.pending = '';
    this.stream.destroy();
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}
