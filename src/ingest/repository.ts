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
  timestamptz: 'timestamptz[]',
  time: 'time[]',
  jsonb: 'jsonb[]',
};

/** Column-wise batch: `lines[i]` is the file line of row i, `columns[c][i]` its value of staging column c. */
export interface StagingBatch {
  lines: number[];
  columns: Record<string, unknown[]>;
}

export async function insertStagingBatch(trx: Trx, entity: EntityDefinition, batch: StagingBatch): Promise<void> {
  const names = Object.keys(entity.staging);
  const arrays = [
    sql`${batch.lines}::bigint[]`,
    ...names.map((name) => sql`${batch.columns[name]}::${sql.raw(ARRAY_TYPE[entity.staging[name]!])}`),
  ];
  await sql`INSERT INTO ${sql.raw(STAGING_TABLE)} (line, ${sql.raw(names.join(', '))}) SELECT * FROM unnest(${sql.join(arrays)})`.execute(trx);
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
 * Merges the staged rows into the entity's table. Columns whose fields the file does not carry are inserted
 * with their defaults but left alone on existing rows; a row whose values are all unchanged is not written
 * at all, so importing the same file twice changes nothing.
 *
 * The merge is an UPDATE of the changed rows followed by a plain INSERT of the new ones, sorted by the
 * conflict key: INSERT … ON CONFLICT does a speculative insertion per row (about four times the work on
 * PostgreSQL 15). The table is locked against other writers (readers go on) so nobody can insert a key
 * between the two statements. An initial load (an empty table and a large file) follows PostgreSQL's advice
 * for populating a database: the table's secondary indexes and foreign keys are dropped and rebuilt after
 * the insert, by sorting and one set-based check, from their own definitions read from the catalogue — all
 * inside the import's transaction, so a failure or a kill restores them with everything else.
 */
export async function upsertStaged(trx: Trx, entity: EntityDefinition, fieldsInFile: ReadonlySet<string>): Promise<{ inserted: number; updated: number }> {
  // Columns with a cheaper form when a staging column is never null (a key from the external id needs no
  // window over the whole file): use it when the staged rows allow.
  const shortcuts = [...new Set(entity.columns.flatMap((c) => (c.whenAllHave ? [c.whenAllHave.column] : [])))];
  const allHave = new Set<string>();
  for (const column of shortcuts) {
    const { rows } = await sql<{ missing: boolean }>`
      SELECT EXISTS (SELECT 1 FROM ${sql.raw(STAGING_TABLE)} WHERE ${sql.raw(column)} IS NULL) AS missing`.execute(trx);
    if (!rows[0]!.missing) allHave.add(column);
  }
  const merge = mergeStatements(entity, fieldsInFile, allHave);
  await sql.raw(merge.lock).execute(trx);
  await sql.raw(merge.incoming).execute(trx);
  const updated = merge.update ? Number((await sql.raw(merge.update).execute(trx)).numAffectedRows ?? 0) : 0;
  const { rows: emptiness } = await sql<{ empty: boolean }>`SELECT NOT EXISTS (SELECT 1 FROM ${sql.raw(entity.table)}) AS empty`.execute(trx);
  const bulk = emptiness[0]!.empty && (await countRows(trx, INCOMING_TABLE)) >= BULK_LOAD_MIN_ROWS;
  const deferred = bulk ? await dropSecondaryStructures(trx, entity.table) : [];
  const inserted = Number((await sql.raw(merge.insert).execute(trx)).numAffectedRows ?? 0);
  for (const statement of deferred) await sql.raw(statement).execute(trx);
  return { inserted, updated };
}

const INCOMING_TABLE = 'import_incoming';

/** The SQL of upsertStaged; `allHave` names the staging columns known to have no nulls. */
export function mergeStatements(
  entity: EntityDefinition,
  fieldsInFile: ReadonlySet<string>,
  allHave: ReadonlySet<string> = new Set(),
): { lock: string; incoming: string; update: string | null; insert: string } {
  const exprOf = (c: EntityDefinition['columns'][number]) => (c.whenAllHave && allHave.has(c.whenAllHave.column) ? c.whenAllHave.expr : c.expr);
  const columns = entity.columns.map((c) => c.column);
  const updatable = entity.columns.filter((c) => !entity.conflict.includes(c.column) && c.fields.some((f) => fieldsInFile.has(f))).map((c) => c.column);
  const target = entity.table;
  const sameKey = entity.conflict.map((k) => `t.${k} = i.${k}`).join(' AND ');
  return {
    lock: `LOCK TABLE ${target} IN SHARE ROW EXCLUSIVE MODE`,
    incoming: `CREATE TEMP TABLE ${INCOMING_TABLE} ON COMMIT DROP AS
      SELECT ${entity.columns.map((c) => `${exprOf(c)} AS ${c.column}`).join(',\n             ')}
      FROM ${entity.from}`,
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
  };
}

/**
 * Drops `table`'s indexes that back no constraint and its foreign keys, returning the statements that
 * recreate them exactly as they were (definitions from pg_get_indexdef / pg_get_constraintdef).
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
  const { rows: foreignKeys } = await sql<{ name: string; definition: string }>`
    SELECT quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint WHERE conrelid = ${table}::regclass AND contype = 'f' ORDER BY conname`.execute(trx);
  for (const fk of foreignKeys) await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${fk.name}`).execute(trx);
  for (const index of indexes) await sql.raw(`DROP INDEX ${index.name}`).execute(trx);
  return [
    ...indexes.map((index) => index.definition),
    ...foreignKeys.map((fk) => `ALTER TABLE ${table} ADD CONSTRAINT ${fk.name} ${fk.definition}`),
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
