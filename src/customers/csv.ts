/**
 * The customer list as CSV (GET /api/v1/customers/export.csv, `winback customers list --format csv`): one line per
 * customer in the list's order, amounts in major units of the currency named beside them, times in ISO 8601 UTC.
 */
import { formatMinor } from '../currency/money.js';
import type { Database } from '../db/engine.js';
import { csvLine } from '../ingest/demo/csv.js';
import { customerBatches, type CustomerListItem } from './list.js';
import type { CustomerListQueryInput } from './schemas.js';

export const CUSTOMER_CSV_COLUMNS = [
  'id',
  'external_id',
  'name',
  'company',
  'email',
  'country',
  'team',
  'employee',
  'state',
  'state_since',
  'do_not_contact',
  'segment',
  'p_alive',
  'clv',
  'clv_currency',
  'clv_reporting',
  'expected_value',
  'expected_value_currency',
  'reason_code',
  'reason_label',
  'last_order_at',
] as const;

export function customerCsvHeader(reportingCurrency: string): string {
  // The converted CLV's column names its currency, so a file says what it holds on its own.
  return csvLine(CUSTOMER_CSV_COLUMNS.map((c) => (c === 'clv_reporting' ? `clv_${reportingCurrency}` : c)));
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function customerCsvLine(c: CustomerListItem, reportingCurrency: string): string {
  return csvLine([
    c.id,
    c.externalId,
    c.name,
    c.company,
    c.email,
    c.country,
    c.team,
    c.employee,
    c.state,
    iso(c.stateSince),
    c.doNotContact,
    c.segment,
    c.pAlive,
    c.clv === null ? null : formatMinor(c.clv, c.clvCurrency),
    c.clvCurrency,
    c.clvReporting === null ? null : formatMinor(c.clvReporting, reportingCurrency),
    c.expectedValue === null ? null : formatMinor(c.expectedValue, c.expectedValueCurrency),
    c.expectedValueCurrency,
    c.reasonCode,
    c.reasonLabel,
    iso(c.lastOrderAt),
  ]);
}

/**
 * The CSV text of every customer of the query, header first, produced batch by batch (memory stays bounded). The
 * query is checked before this returns.
 */
export async function customersCsv(database: Database, query: CustomerListQueryInput): Promise<AsyncGenerator<string>> {
  const { reportingCurrency, batches } = await customerBatches(database, query);
  async function* lines(): AsyncGenerator<string> {
    yield customerCsvHeader(reportingCurrency);
    for await (const batch of batches) {
      let text = '';
      for (const c of batch) text += customerCsvLine(c, reportingCurrency);
      yield text;
    }
  }
  return lines();
}
