import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { EntityDefinition, PgType } from './entities.js';

/**
 * The SQL of an import. Rows are staged in a temporary table inside the import's transaction, checked as a
 * set, and merged with one INSERT … ON CONFLICT. Staging uses INSERT … SELECT FROM unnest(arrays): one
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

export async function countStaged(trx: Trx): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::bigint AS n FROM ${sql.raw(STAGING_TABLE)}`.execute(trx);
  return Number(rows[0]!.n);
}

/**
 * Merges the staged rows into the entity's table. Columns whose fields the file does not carry are inserted
 * with their defaults but left alone on existing rows; a row whose values are all unchanged is not written
 * at all, so importing the same file twice changes nothing.
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
  const { rows } = await sql<{ inserted: number; updated: number }>`${sql.raw(upsertQuery(entity, fieldsInFile, allHave))}`.execute(trx);
  return { inserted: Number(rows[0]!.inserted), updated: Number(rows[0]!.updated) };
}

/** The SQL of upsertStaged; `allHave` names the staging columns known to have no nulls. */
export function upsertQuery(entity: EntityDefinition, fieldsInFile: ReadonlySet<string>, allHave: ReadonlySet<string> = new Set()): string {
  const exprOf = (c: EntityDefinition['columns'][number]) => (c.whenAllHave && allHave.has(c.whenAllHave.column) ? c.whenAllHave.expr : c.expr);
  const insertColumns = entity.columns.map((c) => c.column);
  const updatable = entity.columns.filter(
    (c) => !entity.conflict.includes(c.column) && c.fields.some((f) => fieldsInFile.has(f)),
  );
  const target = entity.table;
  const onConflict =
    updatable.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updatable.map((c) => `${c.column} = EXCLUDED.${c.column}`).join(', ')}, updated_at = now()
         WHERE (${updatable.map((c) => `${target}.${c.column}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `EXCLUDED.${c.column}`).join(', ')})`;
  const query = `
    WITH merged AS (
      INSERT INTO ${target} (${insertColumns.join(', ')})
      SELECT ${entity.columns.map((c) => `${exprOf(c)} AS ${c.column}`).join(',\n             ')}
      FROM ${entity.from}
      ON CONFLICT (${entity.conflict.join(', ')}) ${onConflict}
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM merged`;
  return query;
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
