/**
 * Reasons: the catalogue, the editable mapping rules, and mapping every contract's free-text reason.
 *
 * `mapContractReasons` is idempotent: the distinct texts are mapped in Node (their number grows with the
 * phrasings, not with the contracts) and one INSERT … ON CONFLICT writes only rows whose mapping changed,
 * keeping any verified code.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import { AnalyseError } from './errors.js';
import { compilePattern, compileRules, matchReason, type ReasonMatch, type ReasonRule } from './rules.js';
import { parseOptions, reasonRuleInputSchema, type ReasonRuleInput } from './schemas.js';
import { refreshStatistics, type SummaryTable } from '../db/statistics.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface ReasonEntry {
  code: string;
  parentCode: string | null;
  label: string;
  description: string | null;
}

export interface StoredReasonRule extends ReasonRule {
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function listReasons(database: Database): Promise<ReasonEntry[]> {
  const rows = await database.db.selectFrom('reasons').select(['code', 'parent_code', 'label', 'description']).orderBy('code').execute();
  return rows.map((r) => ({ code: r.code, parentCode: r.parent_code, label: r.label, description: r.description }));
}

async function loadRules(db: Db): Promise<StoredReasonRule[]> {
  const rows = await db.selectFrom('reason_rules').selectAll().orderBy('position').orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    position: r.position,
    patternType: r.pattern_type,
    pattern: r.pattern,
    reasonCode: r.reason_code,
    active: r.active,
    note: r.note,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** All rules in matching order (inactive ones included, marked). */
export async function listReasonRules(database: Database): Promise<StoredReasonRule[]> {
  return loadRules(database.db);
}

/** Adds a rule; with `position`, rules at or after it move one down. Validates the pattern and the code. */
export async function addReasonRule(database: Database, input: ReasonRuleInput): Promise<StoredReasonRule> {
  const rule = parseOptions(reasonRuleInputSchema, input, 'reason rule');
  compilePattern(rule.patternType, rule.pattern);
  return database.db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE reason_rules IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    const known = await trx.selectFrom('reasons').select('code').where('code', '=', rule.reasonCode).executeTakeFirst();
    if (!known) throw new AnalyseError('unknown_reason', `no reason code "${rule.reasonCode}" in the catalogue (see \`winback reasons\`)`);
    let position = rule.position;
    if (position === undefined) {
      const { max } = await trx.selectFrom('reason_rules').select((eb) => eb.fn.max('position').as('max')).executeTakeFirstOrThrow();
      position = (Number(max ?? 0) || 0) + 10;
    } else {
      await trx.updateTable('reason_rules').set((eb) => ({ position: eb('position', '+', 1), updated_at: sql`now()` })).where('position', '>=', position).execute();
    }
    const { id } = await trx
      .insertInto('reason_rules')
      .values({ position, pattern_type: rule.patternType, pattern: rule.pattern, reason_code: rule.reasonCode, active: rule.active, note: rule.note ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await loadRules(trx)).find((r) => r.id === Number(id))!;
  });
}

export async function removeReasonRule(database: Database, id: number): Promise<StoredReasonRule> {
  const rules = await loadRules(database.db);
  const rule = rules.find((r) => r.id === id);
  if (!rule) throw new AnalyseError('rule_not_found', `no reason rule with id ${id}`);
  await database.db.deleteFrom('reason_rules').where('id', '=', id).execute();
  return rule;
}

/** What the current rules make of a text (nothing is written). */
export async function testReasonText(database: Database, text: string): Promise<ReasonMatch> {
  return matchReason(compileRules(await loadRules(database.db)), text);
}

export interface MapReasonsResult {
  /** Contracts with a reason (cancelled, or carrying text or a code). */
  contracts: number;
  /** Rows inserted or changed by this run (0 when run twice). */
  changed: number;
  distinctTexts: number;
  bySource: { import: number; rule: number; none: number };
  byCode: { code: string; contracts: number }[];
}

/**
 * Maps the reason of every contract that has one: an imported `reason_code` is kept as given (source 'import');
 * otherwise the first matching rule's code (source 'rule'), else 'unknown' (source 'none'). Verified codes
 * are never touched. Idempotent.
 */
export async function mapContractReasons(database: Database): Promise<MapReasonsResult> {
  const result = await database.db.transaction().execute(async (trx) => mapContractReasonsIn(trx));
  if (result.changed > 0) await refreshStatistics(database.db, REASON_MAPPING_WRITES);
  return result;
}

/**
 * The tables a reason mapping that changed something rewrote, to refresh after it: the contract reasons, and their
 * customers' losses, which the triggers of migration 0012 rewrote and the loss reports read index-only once vacuumed
 * (the causes page of a freshly analysed 1M demo: 1.4 s, and 0.7 s after a VACUUM).
 */
export const REASON_MAPPING_WRITES: readonly ('contract_reasons' | SummaryTable)[] = ['contract_reasons', 'loss_facts', 'loss_days'];

/** `mapContractReasons` inside a caller's transaction. */
export async function mapContractReasonsIn(trx: Transaction<DB>): Promise<MapReasonsResult> {
  const rules = compileRules(await loadRules(trx));
  const { rows: texts } = await sql<{ text: string }>`
    SELECT DISTINCT coalesce(cancellation_reason, '') AS text FROM contracts
    WHERE reason_code IS NULL AND (cancelled_at IS NOT NULL OR cancellation_reason IS NOT NULL)`.execute(trx);
  const mapping = texts.map(({ text }) => {
    const m = matchReason(rules, text);
    return { text, code: m.code, rule_id: m.rule?.id ?? null, pattern: m.rule?.pattern ?? null };
  });
  const result = await sql<{ changed: number }>`
    WITH m AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(mapping)}::jsonb) AS m(text text, code text, rule_id bigint, pattern text)
    ), wanted AS (
      SELECT c.id AS contract_id, c.customer_id, c.cancellation_reason AS original_text,
             CASE WHEN c.reason_code IS NOT NULL THEN 'import' WHEN m.rule_id IS NOT NULL THEN 'rule' ELSE 'none' END AS source,
             coalesce(c.reason_code, m.code, 'unknown') AS mapped_code,
             CASE WHEN c.reason_code IS NULL THEN m.rule_id END AS rule_id,
             CASE WHEN c.reason_code IS NULL THEN m.pattern END AS rule_pattern
      FROM contracts c
      LEFT JOIN m ON c.reason_code IS NULL AND m.text = coalesce(c.cancellation_reason, '')
      WHERE c.reason_code IS NOT NULL OR c.cancelled_at IS NOT NULL OR c.cancellation_reason IS NOT NULL
    ), written AS (
      INSERT INTO contract_reasons AS r (contract_id, customer_id, original_text, source, mapped_code, rule_id, rule_pattern)
      SELECT contract_id, customer_id, original_text, source, mapped_code, rule_id, rule_pattern FROM wanted
      ON CONFLICT (contract_id) DO UPDATE SET
        customer_id = excluded.customer_id, original_text = excluded.original_text, source = excluded.source,
        mapped_code = excluded.mapped_code, rule_id = excluded.rule_id, rule_pattern = excluded.rule_pattern, mapped_at = now()
      WHERE (r.customer_id, r.original_text, r.source, r.mapped_code, r.rule_id, r.rule_pattern)
        IS DISTINCT FROM (excluded.customer_id, excluded.original_text, excluded.source, excluded.mapped_code, excluded.rule_id, excluded.rule_pattern)
      RETURNING 1
    )
    SELECT count(*)::int AS changed FROM written`.execute(trx);
  // Contracts that lost their reason (edited to none) drop their unverified mapping.
  await sql`
    DELETE FROM contract_reasons r USING contracts c
    WHERE c.id = r.contract_id AND r.verified_code IS NULL
      AND c.reason_code IS NULL AND c.cancelled_at IS NULL AND c.cancellation_reason IS NULL`.execute(trx);
  const bySourceRows = await trx.selectFrom('contract_reasons').select(['source', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source').execute();
  const bySource = { import: 0, rule: 0, none: 0 };
  for (const r of bySourceRows) bySource[r.source] = Number(r.n);
  const byCode = await trx
    .selectFrom('contract_reasons')
    .select([sql<string>`coalesce(verified_code, mapped_code)`.as('code'), (eb) => eb.fn.countAll<number>().as('contracts')])
    .groupBy(sql`coalesce(verified_code, mapped_code)`)
    .orderBy('contracts', 'desc')
    .orderBy('code')
    .execute();
  return {
    contracts: bySource.import + bySource.rule + bySource.none,
    changed: Number(result.rows[0]?.changed ?? 0),
    distinctTexts: texts.length,
    bySource,
    byCode: byCode.map((r) => ({ code: r.code, contracts: Number(r.contracts) })),
  };
}

/**
 * A recovery call's verified reason: stored beside the mapped code (which stays), with when and by whom.
 * The contract is mapped first if it has no reason row yet.
 */
export async function verifyContractReason(
  database: Database,
  input: { contractId: number; reasonCode: string; verifiedAt?: Date; verifiedBy?: number | null },
): Promise<{ contractId: number; mappedCode: string; verifiedCode: string }> {
  return database.db.transaction().execute((trx) => verifyContractReasonIn(trx, input));
}

/** verifyContractReason inside the caller's transaction (a recovery call records it with the call). */
export async function verifyContractReasonIn(
  trx: Transaction<DB>,
  input: { contractId: number; reasonCode: string; verifiedAt?: Date; verifiedBy?: number | null },
): Promise<{ contractId: number; mappedCode: string; verifiedCode: string }> {
  const code = input.reasonCode.trim().toLowerCase();
  const known = await trx.selectFrom('reasons').select('code').where('code', '=', code).executeTakeFirst();
  if (!known) throw new AnalyseError('unknown_reason', `no reason code "${code}" in the catalogue`);
  const contract = await trx.selectFrom('contracts').select(['id', 'customer_id', 'cancellation_reason', 'reason_code']).where('id', '=', input.contractId).executeTakeFirst();
  if (!contract) throw new AnalyseError('contract_not_found', `no contract with id ${input.contractId}`);
  let row = await trx.selectFrom('contract_reasons').select(['mapped_code']).where('contract_id', '=', input.contractId).executeTakeFirst();
  if (!row) {
    const m = contract.reason_code
      ? { code: contract.reason_code, rule: null }
      : matchReason(compileRules(await loadRules(trx)), contract.cancellation_reason);
    await trx
      .insertInto('contract_reasons')
      .values({
        contract_id: contract.id,
        customer_id: contract.customer_id,
        original_text: contract.cancellation_reason,
        source: contract.reason_code ? 'import' : m.rule ? 'rule' : 'none',
        mapped_code: m.code,
        rule_id: m.rule?.id ?? null,
        rule_pattern: m.rule?.pattern ?? null,
      })
      .execute();
    row = { mapped_code: m.code };
  }
  await trx
    .updateTable('contract_reasons')
    .set({ verified_code: code, verified_at: input.verifiedAt ?? new Date(), verified_by: input.verifiedBy ?? null })
    .where('contract_id', '=', input.contractId)
    .execute();
  return { contractId: input.contractId, mappedCode: row.mapped_code, verifiedCode: code };
}
