/** SQL of the currency settings: the reporting-currency row and the exchange rates (rates always read as text). */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface ExchangeRate {
  currency: string;
  /** Exact decimal text: major units of the reporting currency per major unit of `currency`. */
  rate: string;
  updatedBy: string;
  updatedAt: Date;
}

export interface RatesSnapshot {
  reportingCurrency: string;
  updatedBy: string;
  updatedAt: Date;
  /** Every currency with a rate, by code; the reporting currency has none (its rate is 1). */
  rates: ExchangeRate[];
}

/**
 * The reporting currency and all rates in one statement, so one snapshot: a concurrent change of the reporting
 * currency (which rewrites every rate) is seen entirely or not at all. `forUpdate` locks the reporting row,
 * which serialises every change of the settings.
 */
export async function readRates(db: Kysely<DB>, options: { forUpdate?: boolean } = {}): Promise<RatesSnapshot> {
  const { rows } = await sql<{ reporting: string; r_by: string; r_at: Date; currency: string | null; rate: string | null; updated_by: string | null; updated_at: Date | null }>`
    SELECT r.currency AS reporting, r.updated_by AS r_by, r.updated_at AS r_at, e.currency, e.rate::text AS rate, e.updated_by, e.updated_at
    FROM (SELECT * FROM reporting_currency ${options.forUpdate ? sql`FOR UPDATE` : sql``}) r
    LEFT JOIN exchange_rates e ON true
    ORDER BY e.currency`.execute(db);
  const first = rows[0];
  if (!first) throw new Error('reporting_currency has no row: migration 0006 seeds it');
  return {
    reportingCurrency: first.reporting,
    updatedBy: first.r_by,
    updatedAt: first.r_at,
    rates: rows
      .filter((r) => r.currency !== null)
      .map((r) => ({ currency: r.currency!, rate: r.rate!, updatedBy: r.updated_by!, updatedAt: r.updated_at! })),
  };
}

export async function upsertRate(db: Kysely<DB>, currency: string, rate: string, updatedBy: string): Promise<ExchangeRate> {
  const row = await db
    .insertInto('exchange_rates')
    .values({ currency, rate, updated_by: updatedBy })
    .onConflict((oc) => oc.column('currency').doUpdateSet({ rate, updated_by: updatedBy, updated_at: sql`now()` }))
    .returning(['currency', sql<string>`rate::text`.as('rate'), 'updated_by', 'updated_at'])
    .executeTakeFirstOrThrow();
  return { currency: row.currency, rate: row.rate, updatedBy: row.updated_by, updatedAt: row.updated_at };
}

/** Replaces every rate and the reporting currency (a change of reporting currency re-expresses all rates). */
export async function replaceRates(db: Kysely<DB>, reportingCurrency: string, rates: { currency: string; rate: string }[], updatedBy: string): Promise<void> {
  await db.deleteFrom('exchange_rates').execute();
  if (rates.length > 0) await db.insertInto('exchange_rates').values(rates.map((r) => ({ currency: r.currency, rate: r.rate, updated_by: updatedBy }))).execute();
  await db.updateTable('reporting_currency').set({ currency: reportingCurrency, updated_by: updatedBy, updated_at: sql`now()` }).execute();
}
