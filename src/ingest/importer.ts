import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { createReadStream, createWriteStream, statSync, type ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { once } from 'node:events';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import { refreshStatistics } from '../db/statistics.js';
import { CsvError, readCsvBatches, type CsvRecord } from './csv.js';
import { compileRules, entities, type EntityDefinition, type RowIssue } from './entities.js';
import { ImportError, type ImportProblem, formatProblem } from './errors.js';
import { importOptionsSchema, type ImportOptions, type ImportOptionsInput } from './options.js';
import {
  countStaged,
  createStaging,
  deleteStagedLines,
  findDuplicatesInFile,
  findMissingReferences,
  insertStagingBatch,
  directLoadColumns,
  directBatchInserter,
  isUniqueViolation,
  lockForMerge,
  prepareDirectLoad,
  recordImport,
  upsertStaged,
  BULK_LOAD_MIN_ROWS,
  type SetProblem,
  type StagingBatch,
} from './repository.js';

export interface ImportProgress {
  phase: 'reading' | 'checking' | 'writing' | 'done';
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
  elapsedMs: number;
}

export interface ImportSummary {
  importId: number;
  entity: string;
  file: string;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Where the rejected rows were written (with --skip-invalid). */
  rejectsFile?: string;
  /** Columns of the file kept as free attributes, or ignored. */
  attributeColumns: string[];
  ignoredColumns: string[];
  durationMs: number;
  rowsPerSecond: number;
}

export interface ImportHooks {
  onProgress?: (progress: ImportProgress) => void;
  /** Name used in messages instead of the path (e.g. an uploaded file's original name). */
  displayName?: string;
  /** Aborting stops the import and rolls it back (Ctrl-C in the CLI, a closed connection in the API). */
  signal?: AbortSignal;
}

/**
 * Rows sent per statement, and bytes read from the file at a time. The values of the batch being filled (and
 * the records of the chunk being read) are what survives V8's young-generation collections, and copying the
 * survivors was half of a large import's CPU time with 10,000-row batches and 256 KiB chunks (1M orders read
 * and checked: 7.2 s of CPU; 3–4 s with these sizes). Fewer, larger statements cost PostgreSQL less per row
 * (planning, the summary triggers): 5,000 rows was the better of 2,000 and 5,000 end to end.
 */
const BATCH_ROWS = 5_000;
const READ_CHUNK = 64 * 1024;
/**
 * Sort memory for rebuilding indexes after an initial load on a PostgreSQL server (a quarter less time than
 * with the default 64 MB for a million orders). PGlite keeps its default: its WebAssembly memory, once grown,
 * is never given back.
 */
const INDEX_BUILD_MEMORY = '256MB';
/** Rows written by an import from which the table's planner statistics are refreshed right after it. */
const STATISTICS_AFTER_ROWS = 1_000;
const PROGRESS_EVERY_MS = 200;

/** The records of a CSV file, in batches, each with the file line it starts on. */
function readCsv(source: AsyncIterable<Buffer | string>, delimiter: string, onChunk?: (chunk: Buffer | string) => void): AsyncGenerator<CsvRecord[]> {
  return readCsvBatches(source, delimiter, onChunk);
}

const normalizeHeader = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

interface ColumnPlan {
  /** field → index of its column in each record */
  fieldIndex: Map<string, number>;
  /** header of each field's column, for messages */
  fieldHeader: Map<string, string>;
  attributeColumns: { header: string; index: number }[];
  ignoredColumns: string[];
}

function planColumns(entity: EntityDefinition, header: string[], options: ImportOptions, fileName: string): ColumnPlan {
  const byNormalized = new Map(header.map((h, i) => [normalizeHeader(h), i]));
  const byExact = new Map(header.map((h, i) => [h.trim(), i]));
  const known = new Set(entity.fields.map((f) => f.name));
  const problems: ImportProblem[] = [];

  for (const field of Object.keys(options.map)) {
    if (!known.has(field)) {
      problems.push({ file: fileName, line: 1, column: field, message: `--map names no field of ${entity.name}; fields are ${[...known].join(', ')}` });
    }
  }
  const fieldIndex = new Map<string, number>();
  const fieldHeader = new Map<string, string>();
  for (const field of entity.fields) {
    const mapped = options.map[field.name];
    const index = mapped !== undefined ? (byExact.get(mapped) ?? byNormalized.get(normalizeHeader(mapped))) : byNormalized.get(field.name);
    if (index === undefined) {
      if (mapped !== undefined) {
        problems.push({ file: fileName, line: 1, column: field.name, message: `--map points to column "${mapped}", which the file does not have` });
      } else if (field.required) {
        problems.push({
          file: fileName,
          line: 1,
          column: field.name,
          message: `required column is missing (columns found: ${header.join(', ')}); rename it or pass --map ${field.name}=<your column>`,
        });
      }
      continue;
    }
    fieldIndex.set(field.name, index);
    fieldHeader.set(field.name, header[index]!.trim());
  }
  if (problems.length > 0) throw new ImportError('missing_columns', problemsMessage(problems), problems);

  const used = new Set(fieldIndex.values());
  const extra = header.map((h, index) => ({ header: h.trim(), index })).filter((c) => !used.has(c.index) && c.header !== '');
  return entity.extraColumnsAsAttributes
    ? { fieldIndex, fieldHeader, attributeColumns: extra, ignoredColumns: [] }
    : { fieldIndex, fieldHeader, attributeColumns: [], ignoredColumns: extra.map((c) => c.header) };
}

function problemsMessage(problems: ImportProblem[], total = problems.length): string {
  const more = total > problems.length ? `\n… and more (${total} or more problems; listing the first ${problems.length})` : '';
  return `${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in the file; nothing was imported:\n${problems.map(formatProblem).join('\n')}${more}`;
}

/** Converts a staging value to what the staging batch holds: timestamps as epoch milliseconds, the rest as they are. */
function stagingConverter(type: string): ((value: unknown) => unknown) | undefined {
  return type === 'timestamptz' ? (value) => (value instanceof Date ? value.getTime() : value) : undefined;
}

/**
 * Imports one CSV file of an entity, all or nothing: either every row is valid and the file is merged into the
 * database in one transaction, or nothing is written and the error lists the problems as file:line: column.
 * With `skipInvalid`, valid rows are imported and the rejected ones written, with their reasons, to a file.
 * Rows are upserted on their ids, so importing the same file again changes nothing.
 */
export async function importFile(database: Database, path: string, input: ImportOptionsInput, hooks: ImportHooks = {}): Promise<ImportSummary> {
  const parsedOptions = importOptionsSchema.safeParse(input);
  if (!parsedOptions.success) {
    const message = parsedOptions.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new ImportError('invalid_options', message);
  }
  const options = parsedOptions.data;
  const entity = entities[options.entity];
  const fileName = hooks.displayName ?? basename(path);
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch {
    throw new ImportError('file_not_found', `${path}: no such file`);
  }

  const startedAt = new Date();
  const started = performance.now();
  const checkRow = compileRules(entity.rules(options));
  const indexBuildMemory = database.engine === 'postgresql' ? { indexBuildMemory: INDEX_BUILD_MEMORY } : {};

  // The file being read (a direct load that has to give way reads it a second time).
  let source: ReadStream | undefined;
  let rowsRead = 0;
  let lastProgress = 0;
  const report = (phase: ImportProgress['phase'], force = false) => {
    const now = performance.now();
    if (!hooks.onProgress || (!force && now - lastProgress < PROGRESS_EVERY_MS)) return;
    lastProgress = now;
    hooks.onProgress({ phase, rowsRead, bytesRead: source?.bytesRead ?? 0, totalBytes, elapsedMs: now - started });
  };

  const rejects = new Map<number, string[]>();
  const reject = (line: number, reason: string) => {
    const reasons = rejects.get(line);
    if (reasons) reasons.push(reason);
    else rejects.set(line, [reason]);
  };

  /**
   * Reads, checks and converts every row of the file, handing the valid ones to `send` in batches; throws the
   * row problems (all or nothing) unless they are to be skipped. Returns the column plan and the file's hash.
   */
  const readRows = async (send: (batch: StagingBatch) => Promise<void>): Promise<{ plan: ColumnPlan; sha256: string }> => {
    rowsRead = 0;
    const hash = createHash('sha256');
    // Read by iterating the stream: the file is read only as fast as rows are checked and staged (memory stays
    // flat whatever the file's size), and each chunk is hashed as it passes.
    source = createReadStream(path, { highWaterMark: READ_CHUNK });
    const stagingColumns = Object.keys(entity.staging);
    const converters = stagingColumns.map((c) => stagingConverter(entity.staging[c]!));
    const newBatch = (): StagingBatch => ({ lines: [], columns: Object.fromEntries(stagingColumns.map((c) => [c, []])) });
    let batch = newBatch();
    // One batch is sent while the next is read and checked; at most two are held at once.
    let inFlight: Promise<void> | undefined;
    const settle = async () => {
      const pending = inFlight;
      inFlight = undefined;
      if (pending) await pending;
    };
    const flush = async () => {
      await settle();
      if (batch.lines.length === 0) return;
      const sending = batch;
      batch = newBatch();
      inFlight = send(sending);
      inFlight.catch(() => {}); // awaited (and so reported) by the next settle()
    };
    const stage = (line: number, row: Record<string, unknown>) => {
      batch.lines.push(line);
      for (let i = 0; i < stagingColumns.length; i++) {
        const value = row[stagingColumns[i]!];
        const convert = converters[i];
        batch.columns[stagingColumns[i]!]!.push(convert ? convert(value) : value);
      }
    };

    let plan: ColumnPlan | undefined;
    let validateRecord: RecordValidator | undefined;
    const rowProblems: ImportProblem[] = [];
    let problemCount = 0;
    let lastLine = 0;
    try {
      reading: for await (const records of readCsv(source, options.delimiter, (chunk) => hash.update(chunk))) {
        for (let r = 0; r < records.length; r++) {
          const { record, line } = records[r]!;
          lastLine = line;
          if (!plan) {
            plan = planColumns(entity, record, options, fileName);
            validateRecord = recordValidator(plan, checkRow, fileName, stage);
            continue;
          }
          rowsRead++;
          const problemsHere = validateRecord!(record, line);
          if (problemsHere.length > 0) {
            problemCount += problemsHere.length;
            if (options.skipInvalid) {
              for (const p of problemsHere) reject(line, `${p.column}: ${p.message}${p.value !== undefined ? ` (${p.value})` : ''}`);
            } else {
              rowProblems.push(...problemsHere);
              // Nothing will be written now; read on only to list up to maxErrors problems at once.
              if (rowProblems.length >= options.maxErrors) break reading;
            }
          }
          if (rowProblems.length === 0 && batch.lines.length >= BATCH_ROWS) await flush();
        }
        if (hooks.signal?.aborted) throw new ImportError('aborted', `${fileName}: import interrupted at line ${lastLine}; nothing was imported`);
        report('reading');
      }
    } catch (error) {
      await settle().catch(() => {});
      if (error instanceof ImportError) throw error;
      if (error instanceof CsvError) {
        throw new ImportError('malformed_csv', `${fileName}:${error.line}: the file is not valid CSV: ${error.message}`);
      }
      throw error;
    } finally {
      source.destroy();
    }
    if (!plan) throw new ImportError('empty_file', `${fileName}: the file is empty; expected a header row naming the columns`);
    if (rowProblems.length > 0) {
      const shown = rowProblems.slice(0, options.maxErrors);
      throw new ImportError('invalid_rows', problemsMessage(shown, Math.max(problemCount, shown.length)), shown);
    }
    await flush();
    await settle();
    return { plan, sha256: hash.digest('hex') };
  };

  /**
   * An initial load (empty table, rows not to be skipped): each batch goes straight into the table, whose
   * secondary structures are rebuilt at the end — PostgreSQL does the writing while the next rows are read
   * and checked. Gives way (DirectLoadDeclined, or the rebuilt unique constraint's unique_violation) as soon
   * as a row needs what only the staged path does: a key numbered over the whole file, a look at an unknown
   * reference or a repeated id to name their lines.
   */
  const loadDirect = async (trx: Transaction<DB>) => {
    const deferred = await prepareDirectLoad(trx, entity, indexBuildMemory);
    const needed = directLoadColumns(entity);
    const insertBatch = directBatchInserter(trx, entity);
    let inserted = 0;
    const { plan, sha256 } = await readRows(async (batch) => {
      if (needed.some((column) => batch.columns[column]!.some((value) => value === null))) throw new DirectLoadDeclined();
      const result = await insertBatch(batch);
      if (result.inserted < batch.lines.length || result.unknownReference) throw new DirectLoadDeclined();
      inserted += result.inserted;
    });
    report('checking', true);
    report('writing', true);
    for (const statement of deferred) await sql.raw(statement).execute(trx);
    return { plan, sha256, inserted, updated: 0, unchanged: 0 };
  };

  /** Stages the whole file, checks it as a set (repeated ids, unknown references), then merges it. */
  const loadStaged = async (trx: Transaction<DB>, empty: boolean) => {
    await createStaging(trx, entity);
    const { plan, sha256 } = await readRows((batch) => insertStagingBatch(trx, entity, batch));

    report('checking', true);
    const limit = options.skipInvalid ? Number.MAX_SAFE_INTEGER : options.maxErrors;
    const fieldOf = (field: string) => plan.fieldHeader.get(field) ?? field;
    const refuse = (problems: SetProblem[]) => {
      const shown = problems.slice(0, options.maxErrors).map((p) => ({ file: fileName, line: p.line, column: fieldOf(p.field), message: p.message, value: p.value }));
      return new ImportError('invalid_rows', problemsMessage(shown, problems.length), shown);
    };
    const setProblems: SetProblem[] = [...(await findDuplicatesInFile(trx, entity, limit)), ...(await findMissingReferences(trx, entity, limit))].sort(
      (a, b) => a.line - b.line,
    );
    if (setProblems.length > 0) {
      if (!options.skipInvalid) throw refuse(setProblems);
      for (const p of setProblems) reject(p.line, `${fieldOf(p.field)}: ${p.message} (${p.value})`);
      await deleteStagedLines(trx, [...new Set(setProblems.map((p) => p.line))]);
    }

    report('writing', true);
    const staged = await countStaged(trx);
    const fieldsInFile = new Set(plan.fieldIndex.keys());
    if (plan.attributeColumns.length > 0) fieldsInFile.add('attributes');
    const bulk = empty && staged >= BULK_LOAD_MIN_ROWS;
    const { inserted, updated } = await upsertStaged(trx, entity, fieldsInFile, { bulk, ...indexBuildMemory });
    return { plan, sha256, inserted, updated, unchanged: staged - inserted - updated };
  };

  try {
    const result = await database.db.transaction().execute(async (trx) => {
      const { empty } = await lockForMerge(trx, entity);
      let loaded: Awaited<ReturnType<typeof loadStaged>> | undefined;
      if (empty && !options.skipInvalid) {
        await sql`SAVEPOINT import_direct`.execute(trx);
        loaded = await loadDirect(trx).catch(async (error: unknown) => {
          if (!(error instanceof DirectLoadDeclined) && !isUniqueViolation(error)) throw error;
          await sql`ROLLBACK TO SAVEPOINT import_direct`.execute(trx);
          return undefined;
        });
      }
      loaded ??= await loadStaged(trx, empty);
      const counts = { rowsRead, inserted: loaded.inserted, updated: loaded.updated, unchanged: loaded.unchanged, rejected: rejects.size };
      const importId = await recordImport(trx, { entity: entity.name, fileName, sha256: loaded.sha256, startedAt, ...counts });
      return { importId, plan: loaded.plan, ...counts };
    });

    // A large import changes the table's size and distributions: give the planner fresh numbers at once.
    if (result.inserted + result.updated >= STATISTICS_AFTER_ROWS) await refreshStatistics(database.db, [entity.table as keyof DB & string, ...(entity.copiedInto ?? [])]);

    let rejectsFile: string | undefined;
    if (options.skipInvalid && rejects.size > 0) {
      rejectsFile = options.rejectsFile ?? `${path}.rejects.csv`;
      await writeRejects(path, rejectsFile, rejects, options.delimiter);
    }
    const durationMs = performance.now() - started;
    report('done', true);
    return {
      importId: result.importId,
      entity: entity.name,
      file: fileName,
      rowsRead: result.rowsRead,
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      rejected: result.rejected,
      ...(rejectsFile ? { rejectsFile } : {}),
      attributeColumns: result.plan.attributeColumns.map((c) => c.header),
      ignoredColumns: result.plan.ignoredColumns,
      durationMs,
      rowsPerSecond: result.rowsRead / (durationMs / 1000),
    };
  } finally {
    source?.destroy();
  }
}

/** A direct load met rows it cannot take batch by batch; the import starts over on the staged path. */
class DirectLoadDeclined extends Error {}

type RecordValidator = (record: string[], line: number) => ImportProblem[];

const NO_PROBLEMS: ImportProblem[] = [];

/**
 * A function that validates one record and, when valid, stages its values, returning its problems. The
 * input object and the issue list are reused from record to record: a file of millions of rows should not
 * cost millions of short-lived objects.
 */
function recordValidator(
  plan: ColumnPlan,
  checkRow: (input: Record<string, unknown>, issues: RowIssue[]) => Record<string, unknown> | undefined,
  fileName: string,
  stage: (line: number, row: Record<string, unknown>) => void,
): RecordValidator {
  const columnCount = plan.fieldIndex.size + plan.attributeColumns.length + plan.ignoredColumns.length;
  const fields = [...plan.fieldIndex.keys()];
  const indexes = [...plan.fieldIndex.values()];
  const input: Record<string, unknown> = {};
  const issues: RowIssue[] = [];
  return (record, line) => {
    if (record.length > columnCount && record.slice(columnCount).some((v) => v.trim() !== '')) {
      return [{ file: fileName, line, column: '(row)', message: `has ${record.length} fields but the header names ${columnCount} columns` }];
    }
    for (let i = 0; i < fields.length; i++) input[fields[i]!] = record[indexes[i]!];
    if (plan.attributeColumns.length > 0) {
      const attributes: Record<string, string> = {};
      for (const { header, index } of plan.attributeColumns) {
        const value = record[index]?.trim();
        if (value) attributes[header] = value;
      }
      input.attributes = attributes;
    }
    issues.length = 0;
    const row = checkRow(input, issues);
    if (row !== undefined) {
      stage(line, row);
      return NO_PROBLEMS;
    }
    return issues.map((issue) => {
      const field = issue.field;
      const value = plan.fieldIndex.has(field) ? record[plan.fieldIndex.get(field)!] : undefined;
      return { file: fileName, line, column: plan.fieldHeader.get(field) ?? field, message: issue.message, ...(value ? { value } : {}) };
    });
  };
}

/** Writes the rejected rows as they were in the file, with their line and reasons, in a second pass. */
async function writeRejects(path: string, rejectsPath: string, rejects: Map<number, string[]>, delimiter: string): Promise<void> {
  const out = createWriteStream(rejectsPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const quote = (v: string) => (/[",\n\r]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v);
  let header = true;
  const source = createReadStream(path, { highWaterMark: READ_CHUNK });
  try {
    for await (const records of readCsv(source, delimiter)) {
      for (const { record, line } of records) {
        if (header) {
          await write(['line', 'problems', ...record].map(quote).join(delimiter) + '\n');
          header = false;
          continue;
        }
        const reasons = rejects.get(line);
        if (reasons) await write([String(line), reasons.join('; '), ...record].map(quote).join(delimiter) + '\n');
      }
    }
  } finally {
    source.destroy();
  }
  out.end();
  await once(out, 'finish');
}
