import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { EntityDefinition, PgType } from './entities.js';

/**
 * The SQL of an import. Rows are staged in a temporary table inside the import's transaction, checked as a
 * set, and merged set-based (see upsertStaged). Staging uses INSERT … SELECT FROM unnest(arrays): one
 * statement per batch, the same on PGlite and PostgreSQL (PGlite's node-postgres bridge has no COPY FROM
 * STDIN), and well above 100,000 rows/s on PostgreSQL. Table and column names come from the entity
 * definitions in code, never from user input.
 */

type Trx = Transaction<DB>;

export const STAGING_TABLE = 'import_staging';

export async function createStaging(trx: Trx, entity: EntityDefinition): Promise<void> {
  const columns = Object.entries(entity.staging).map(([name, type]) => `${name} ${type}`);
  await sql.raw(`CREATE TEMP TABLE ${STAGING_TABLE} (line bigint NOT NULL, ${columns.join(', ')}) ON COMMIT DROP`).execute(trx);
}

const ARRAY_TYPE: Record<PgType, string> = {
  text: 'text[]',
  bigint: 'bigint[]',
  integer: 'integer[]',
  boolean: 'boolean[]',
  // Timestamps travel as epoch milliseconds (see insertStagingBatch).
  timestamptz: 'bigint[]',
  time: 'time[]',
  jsonb: 'jsonb[]',
};

/** Column-wise batch: `lines[i]` is the file line of row i, `columns[c][i]` its value of staging column c. */
export interface StagingBatch {
  lines: number[];
  /** Values as the rules produce them; timestamps as epoch milliseconds. */
  columns: Record<string, unknown[]>;
}

/**
 * The PostgreSQL array literal of a column's values ('{1,NULL,3}', '{"a","b \\"c\\""}'). node-postgres would
 * build the same text element by element through its generic value conversion, which cost about a tenth of
 * a large import's time; here a column without nulls (or, for text, without quotes and backslashes) is one
 * native join.
 */
export function arrayLiteral(values: readonly unknown[], type: PgType): string {
  if (values.length === 0) return '{}';
  if (type === 'bigint' || type === 'integer' || type === 'timestamptz') {
    if (!values.some((v) => v === null || v === undefined)) return `{${values.join(',')}}`;
  } else if (type === 'text' && values.every((v) => typeof v === 'string' && v.indexOf('"') < 0 && v.indexOf('\\') < 0)) {
    return `{"${values.join('","')}"}`;
  }
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = arrayElement(values[i], type);
  return `{${parts.join(',')}}`;
}

function arrayElement(v: unknown, type: PgType): string {
  if (v === null || v === undefined) return 'NULL';
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'timestamptz':
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'text':
    case 'time':
    case 'jsonb': {
      // jsonb values come as JSON text (or, like node-postgres takes them, as objects to serialise).
      const text = typeof v === 'string' ? v : type === 'jsonb' ? JSON.stringify(v) : String(v);
      return text.indexOf('"') < 0 && text.indexOf('\\') < 0 ? `"${text}"` : `"${text.replace(/["\\]/g, '\\$&')}"`;
    }
    default: {
      const unhandled: never = type;
      throw new Error(`no array literal for ${String(unhandled)}`);
    }
  }
}

/** The batch as rows of the staging table's shape: `SELECT u.line, … FROM unnest(arrays) AS u(…)`. */
function batchRows(entity: EntityDefinition, batch: StagingBatch) {
  const names = Object.keys(entity.staging);
  const arrays = [
    sql`${arrayLiteral(batch.lines, 'bigint')}::bigint[]`,
    ...names.map((name) => sql`${arrayLiteral(batch.columns[name]!, entity.staging[name]!)}::${sql.raw(ARRAY_TYPE[entity.staging[name]!])}`),
  ];
  // Epoch milliseconds to timestamptz by integer arithmetic: exact, and no text to parse per value.
  const selected = names.map((name, i) => `${entity.staging[name] === 'timestamptz' ? `timestamptz 'epoch' + u.c${i} * interval '1 millisecond'` : `u.c${i}`} AS ${name}`);
  const aliases = names.map((_, i) => `c${i}`);
  return sql`SELECT u.line, ${sql.raw(selected.join(', '))} FROM unnest(${sql.join(arrays)}) AS u(line, ${sql.raw(aliases.join(', '))})`;
}

export async function insertStagingBatch(trx: Trx, entity: EntityDefinition, batch: StagingBatch): Promise<void> {
  await sql`INSERT INTO ${sql.raw(STAGING_TABLE)} (line, ${sql.raw(Object.keys(entity.staging).join(', '))}) ${batchRows(entity, batch)}`.execute(trx);
}

/**
 * Staging columns that must have a value in every row for a direct load: the keys of rows without them are
 * numbered over the whole file (see TargetColumn.whenAllHave), which batch by batch cannot be done.
 */
export function directLoadColumns(entity: EntityDefinition): string[] {
  return [...new Set(entity.columns.flatMap((c) => (c.whenAllHave ? [c.whenAllHave.column] : [])))];
}

/**
 * Prepares an initial load straight into the (empty, locked) table: drops its secondary structures (see
 * dropSecondaryStructures) and returns the statements that rebuild them, unique constraints first.
 */
export async function prepareDirectLoad(trx: Trx, entity: EntityDefinition, options: Pick<MergeOptions, 'indexBuildMemory'>): Promise<string[]> {
  if (options.indexBuildMemory) await raiseMaintenanceMemory(trx, options.indexBuildMemory);
  return dropSecondaryStructures(trx, entity.table);
}

/**
 * A function that inserts one batch straight into the entity's table (a direct load, see prepareDirectLoad):
 * the initial load's INSERT of mergeStatements, with the batch in the staging table's place under its name.
 * It returns how many rows went in — fewer than the batch when an inner-joined reference is unknown — and
 * whether a row names an unknown key of another reference. The batches must have every directLoadColumns
 * value.
 */
export function directBatchInserter(trx: Trx, entity: EntityDefinition): (batch: StagingBatch) => Promise<{ inserted: number; unknownReference: boolean }> {
  const { load } = mergeStatements(entity, new Set(), new Set(directLoadColumns(entity)));
  const lookedUp = entity.references.filter((r) => !r.innerJoined);
  const unknown = lookedUp.length === 0
    ? 'false'
    : lookedUp
        .map((r) => `EXISTS (SELECT 1 FROM ${STAGING_TABLE} s WHERE s.${r.column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${r.table} r WHERE r.${r.key} = s.${r.column}))`)
        .join(' OR ');
  return async (batch) => {
    const { rows } = await sql<{ inserted: string | number; unknown: boolean }>`
      WITH ${sql.raw(STAGING_TABLE)} AS (${batchRows(entity, batch)}), inserted AS (${sql.raw(load)} RETURNING 1)
      SELECT (SELECT count(*) FROM inserted) AS inserted, ${sql.raw(unknown)} AS unknown`.execute(trx);
    return { inserted: Number(rows[0]!.inserted), unknownReference: rows[0]!.unknown };
  };
}

export interface SetProblem {
  line: number;
  field: string;
  message: string;
  value: string;
}

/** Rows of the file that repeat an earlier row's identity (which one upsert could not apply twice). */
export async function findDuplicatesInFile(trx: Trx, entity: EntityDefinition, limit: number): Promise<SetProblem[]> {
  const cols = entity.uniqueInFile.columns;
  const notNull = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  // A hash aggregate answers "any duplicates?" several times faster than the window that names their lines.
  const { rows: any } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM ${sql.raw(STAGING_TABLE)} WHERE ${sql.raw(notNull)} GROUP BY ${sql.raw(cols.join(', '))} HAVING count(*) > 1) AS found`.execute(trx);
  if (!any[0]!.found) return [];
  const { rows } = await sql<{ line: number; first_line: number; key: string }>`
    SELECT line, first_line, key FROM (
      SELECT line, ${sql.raw(`concat_ws(' / ', ${cols.join(', ')})`)} AS key,
             min(line) OVER (PARTITION BY ${sql.raw(cols.join(', '))}) AS first_line
      FROM ${sql.raw(STAGING_TABLE)} WHERE ${sql.raw(notNull)}
    ) d
    WHERE line <> first_line ORDER BY line LIMIT ${limit}`.execute(trx);
  return rows.map((r) => ({
    line: Number(r.line),
    field: entity.uniqueInFile.field,
    message: `the same ${entity.uniqueInFile.label} appears earlier on line ${r.first_line}`,
    value: r.key,
  }));
}

/** Rows that name a customer, team, employee or reason the database does not know. */
export async function findMissingReferences(trx: Trx, entity: EntityDefinition, limit: number): Promise<SetProblem[]> {
  const problems: SetProblem[] = [];
  for (const ref of entity.references) {
    const { rows } = await sql<{ line: number; value: string }>`
      SELECT s.line, s.${sql.raw(ref.column)} AS value
      FROM ${sql.raw(STAGING_TABLE)} s
      WHERE s.${sql.raw(ref.column)} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${sql.raw(ref.table)} r WHERE r.${sql.raw(ref.key)} = s.${sql.raw(ref.column)})
      ORDER BY s.line LIMIT ${limit}`.execute(trx);
    for (const row of rows) {
      problems.push({ line: Number(row.line), field: ref.field, message: `unknown ${ref.what} (${ref.hint})`, value: row.value });
    }
  }
  return problems.sort((a, b) => a.line - b.line).slice(0, limit);
}

export async function deleteStagedLines(trx: Trx, lines: number[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`DELETE FROM ${sql.raw(STAGING_TABLE)} WHERE line = ANY(${lines}::bigint[])`.execute(trx);
}

export function countStaged(trx: Trx): Promise<number> {
  return countRows(trx, STAGING_TABLE);
}

async function countRows(trx: Trx, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::bigint AS n FROM ${sql.raw(table)}`.execute(trx);
  return Number(rows[0]!.n);
}

/** Imports at least this large into an empty table defer its secondary indexes and foreign keys (see below). */
export const BULK_LOAD_MIN_ROWS = 5_000;

/**
 * Locks the entity's table against other writers until the import commits (readers go on), so that nobody
 * inserts a key between the checks and the merge, and tells whether the table is empty — an initial load.
 */
export async function lockForMerge(trx: Trx, entity: EntityDefinition): Promise<{ empty: boolean }> {
  await sql.raw(`LOCK TABLE ${entity.table} IN SHARE ROW EXCLUSIVE MODE`).execute(trx);
  const { rows } = await sql<{ empty: boolean }>`SELECT NOT EXISTS (SELECT 1 FROM ${sql.raw(entity.table)}) AS empty`.execute(trx);
  return { empty: rows[0]!.empty };
}

/** Whether an error is PostgreSQL's unique_violation (a duplicate key, also when a unique index is built). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * Merges the staged rows into the entity's table (locked by lockForMerge). Columns whose fields the file does
 * not carry are inserted with their defaults but left alone on existing rows; a row whose values are all
 * unchanged is not written at all, so importing the same file twice changes nothing.
 *
 * The merge is an UPDATE of the changed rows followed by a plain INSERT of the new ones, sorted by the
 * conflict key: INSERT … ON CONFLICT does a speculative insertion per row (about four times the work on
 * PostgreSQL 15).
 *
 * An initial load (`bulk`: the table was empty and the file is large) follows PostgreSQL's advice for
 * populating a database: the rows go straight from the staging table into the table, whose secondary
 * indexes, unique constraints and foreign keys are dropped first and rebuilt afterwards — by sorting and one
 * set-based check each — from their own definitions read from the catalogue, all inside the import's
 * transaction, so a failure or a kill restores them with everything else. Rebuilding a unique constraint
 * fails with unique_violation when the file repeats a key.
 */
export async function upsertStaged(
  trx: Trx,
  entity: EntityDefinition,
  fieldsInFile: ReadonlySet<string>,
  options: MergeOptions,
): Promise<{ inserted: number; updated: number }> {
  const { bulk } = options;
  // Columns with a cheaper form when a staging column is never null (a key from the external id needs no
  // window over the whole file): use it when the staged rows allow.
  const allHave = new Set<string>();
  for (const column of directLoadColumns(entity)) {
    const { rows } = await sql<{ missing: boolean }>`
      SELECT EXISTS (SELECT 1 FROM ${sql.raw(STAGING_TABLE)} WHERE ${sql.raw(column)} IS NULL) AS missing`.execute(trx);
    if (!rows[0]!.missing) allHave.add(column);
  }
  const merge = mergeStatements(entity, fieldsInFile, allHave);
  if (bulk) {
    const deferred = await prepareDirectLoad(trx, entity, options);
    const inserted = Number((await sql.raw(merge.load).execute(trx)).numAffectedRows ?? 0);
    for (const statement of deferred) await sql.raw(statement).execute(trx);
    return { inserted, updated: 0 };
  }
  await sql.raw(merge.incoming).execute(trx);
  const updated = merge.update ? Number((await sql.raw(merge.update).execute(trx)).numAffectedRows ?? 0) : 0;
  const inserted = Number((await sql.raw(merge.insert).execute(trx)).numAffectedRows ?? 0);
  return { inserted, updated };
}

export interface MergeOptions {
  /** An initial load (see upsertStaged). */
  bulk: boolean;
  /**
   * Memory for sorting while the indexes of an initial load are rebuilt (e.g. '256MB'), when the session has
   * less: PostgreSQL's default 64 MB makes a million-row index build sort on disk. Raised for the import's
   * transaction only.
   */
  indexBuildMemory?: string;
}

async function raiseMaintenanceMemory(trx: Trx, size: string): Promise<void> {
  await sql`SELECT set_config('maintenance_work_mem', ${size}, true)
            WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(${size})`.execute(trx);
}

const INCOMING_TABLE = 'import_incoming';

/** The SQL of upsertStaged; `allHave` names the staging columns known to have no nulls. */
export function mergeStatements(
  entity: EntityDefinition,
  fieldsInFile: ReadonlySet<string>,
  allHave: ReadonlySet<string> = new Set(),
): { incoming: string; update: string | null; insert: string; load: string } {
  const exprOf = (c: EntityDefinition['columns'][number]) => (c.whenAllHave && allHave.has(c.whenAllHave.column) ? c.whenAllHave.expr : c.expr);
  const columns = entity.columns.map((c) => c.column);
  const updatable = entity.columns.filter((c) => !entity.conflict.includes(c.column) && c.fields.some((f) => fieldsInFile.has(f))).map((c) => c.column);
  const target = entity.table;
  const sameKey = entity.conflict.map((k) => `t.${k} = i.${k}`).join(' AND ');
  const selectList = entity.columns.map((c) => `${exprOf(c)} AS ${c.column}`).join(',\n             ');
  const loadList = entity.columns.map((c) => `${c.firstLoad ?? exprOf(c)} AS ${c.column}`).join(',\n             ');
  return {
    incoming: `CREATE TEMP TABLE ${INCOMING_TABLE} ON COMMIT DROP AS
      SELECT ${selectList}
      FROM ${entity.from} ${entity.existing ?? ''}`,
    update:
      updatable.length === 0
        ? null
        : `UPDATE ${target} t SET ${updatable.map((c) => `${c} = i.${c}`).join(', ')}, updated_at = now()
      FROM ${INCOMING_TABLE} i
      WHERE ${sameKey}
        AND (${updatable.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `i.${c}`).join(', ')})`,
    insert: `INSERT INTO ${target} (${columns.join(', ')})
      SELECT ${columns.map((c) => `i.${c}`).join(', ')} FROM ${INCOMING_TABLE} i
      WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${sameKey})
      ORDER BY ${entity.conflict.map((k) => `i.${k}`).join(', ')}`,
    // An initial load: every staged row is new (a repeated key fails the unique constraint's rebuild).
    load: `INSERT INTO ${target} (${columns.join(', ')})
      SELECT ${loadList}
      FROM ${entity.from}`,
  };
}

/**
 * Drops `table`'s indexes that back no constraint, its unique constraints that no foreign key relies on, and
 * its foreign keys, returning the statements that recreate them exactly as they were (definitions from
 * pg_get_indexdef / pg_get_constraintdef): unique constraints first, so a repeated key is found before the
 * other indexes are built.
 */
async function dropSecondaryStructures(trx: Trx, table: string): Promise<string[]> {
  const { rows: indexes } = await sql<{ name: string; definition: string }>`
    SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname) AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE i.indrelid = ${table}::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY ic.relname`.execute(trx);
  const { rows: constraints } = await sql<{ name: string; definition: string; type: 'u' | 'f' }>`
    SELECT quote_ident(c.conname) AS name, pg_get_constraintdef(c.oid) AS definition, c.contype AS type
    FROM pg_constraint c
    WHERE c.conrelid = ${table}::regclass
      AND (c.contype = 'f'
           OR (c.contype = 'u' AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
    ORDER BY c.contype, c.conname`.execute(trx);
  // Foreign keys ('f') before unique constraints ('u'): a unique constraint cannot go while a foreign key needs it.
  for (const constraint of constraints) await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint.name}`).execute(trx);
  for (const index of indexes) await sql.raw(`DROP INDEX ${index.name}`).execute(trx);
  const add = (c: { name: string; definition: string }) => `ALTER TABLE ${table} ADD CONSTRAINT ${c.name} ${c.definition}`;
  return [
    ...constraints.filter((c) => c.type === 'u').map(add),
    ...indexes.map((index) => index.definition),
    ...constraints.filter((c) => c.type === 'f').map(add),
  ];
}

export interface ImportRecord {
  entity: string;
  fileName: string;
  sha256: string;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  startedAt: Date;
}

export async function recordImport(trx: Trx, r: ImportRecord): Promise<number> {
  const row = await trx
    .insertInto('imports')
    .values({
      entity: r.entity,
      file_name: r.fileName,
      file_sha256: r.sha256,
      rows_read: r.rowsRead,
      inserted: r.inserted,
      updated: r.updated,
      unchanged: r.unchanged,
      rejected: r.rejected,
      started_at: r.startedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
