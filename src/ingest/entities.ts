import { z } from 'zod';
import type { SummaryTable } from '../db/statistics.js';
import { type EntityName, type ImportOptions, valueOptions } from './options.js';
import { FieldProblem, fieldTypes, mapField, toMinorUnits, type Amount, type FieldType } from './values.js';

/**
 * What each importable entity looks like in a file, and where it goes in the database.
 *
 * A row passes through: CSV record → `rules` (validation and exact conversion, per row: each field's type, then
 * the entity's row checks in `finish`) → staging table
 * (column types in `staging`) → set-based checks (`references`, `uniqueInFile`) → one upsert into `table`
 * whose SELECT list is `columns`. A column is updated only when the file provides its fields, so a file
 * with a subset of columns never erases what it does not mention.
 */
export type PgType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'time' | 'jsonb';

export interface FieldSpec {
  name: string;
  required?: boolean;
  help: string;
}

export interface TargetColumn {
  column: string;
  /** SQL over the staging row `s` and the joins in `from`. */
  expr: string;
  /** Fields of the file this column comes from; when none of them is in the file, existing values are kept. */
  fields: string[];
  /**
   * A cheaper expression giving the same value when every staged row has a non-null `column` (e.g. a key
   * derived from the external id: then no window over the whole file is needed).
   */
  whenAllHave?: { column: string; expr: string };
  /** The expression in a first load into an empty table, when `expr` reads the target's current row (`existing`). */
  firstLoad?: string;
}

export interface Reference {
  /** Staging column holding the referenced key. */
  column: string;
  /** The field (as named in the file) the problem is reported on. */
  field: string;
  table: string;
  key: string;
  what: string;
  hint: string;
  /**
   * The reference is resolved by an inner join in `from`: a row naming an unknown key yields no row (what a
   * direct load counts on to notice it without looking each key up).
   */
  innerJoined?: boolean;
}

export interface EntityDefinition {
  name: EntityName;
  table: string;
  fields: FieldSpec[];
  /** Columns of the file not named in `fields` are kept as free attributes (jsonb) rather than ignored. */
  extraColumnsAsAttributes?: boolean;
  /** The per-row rules as plain functions (what the importer runs for every row). */
  rules(options: ImportOptions): EntityRules;
  /** The same rules as a zod schema (for API bodies and documentation), built from `rules`. */
  schema(options: ImportOptions): z.ZodType<Record<string, unknown>>;
  staging: Record<string, PgType>;
  references: Reference[];
  /** Staging columns that identify a row; two rows of one file with the same values are an error. */
  uniqueInFile: { columns: string[]; field: string; label: string };
  /** The staging rows `s` with their references resolved. */
  from: string;
  /**
   * Joined to `from` when merging: the target's current row, for columns that combine old and new values. A first
   * load leaves it out (the table was empty) — joined there, every batch would look up the rows of the batches
   * before it with the table's unique index dropped (a hash of the whole table per batch: quadratic).
   */
  existing?: string;
  conflict: string[];
  columns: TargetColumn[];
  /** Tables the target's triggers write for every row (their statistics are refreshed with the target's). */
  copiedInto?: SummaryTable[];
}

/** A problem of a row, on one of its fields. */
export interface RowIssue {
  field: string;
  message: string;
}

export interface EntityRules {
  /** Field types, in the order problems are reported. */
  fields: Record<string, FieldType<unknown>>;
  /**
   * Row-level checks and the conversion to staging columns; runs only when every field is valid (as a zod
   * transform on the object would). Problems are pushed onto `issues`; the row is valid when none were.
   */
  finish(row: Record<string, unknown>, issues: RowIssue[]): Record<string, unknown>;
}

/** The zod schema of an entity's rules: the field types' schemas in an object, then the row finisher. */
export function schemaOf(rules: EntityRules): z.ZodType<Record<string, unknown>> {
  const shape = Object.fromEntries(Object.entries(rules.fields).map(([name, type]) => [name, type.schema]));
  return z.object(shape).transform((row, ctx) => {
    const issues: RowIssue[] = [];
    const out = rules.finish(row as Record<string, unknown>, issues);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
    return out;
  }) as unknown as z.ZodType<Record<string, unknown>>;
}

type Values<F> = { [K in keyof F]: F[K] extends FieldType<infer T> ? T : never };

/** Rules from typed field types and a finisher that sees the row with those types. */
function rulesOf<F extends Record<string, FieldType<unknown>>>(
  fields: F,
  finish: (row: Values<F>, issues: RowIssue[]) => Record<string, unknown>,
): EntityRules {
  return { fields, finish: finish as unknown as EntityRules['finish'] };
}

/**
 * Runs an entity's rules on one row of raw input (field → text or value): every field type, then — when all
 * fields are valid — the row finisher. Returns the staging row, or undefined with the problems in `issues`
 * (in the order the zod schema reports them). The returned row is only valid until the next call.
 */
export function compileRules(rules: EntityRules): (input: Record<string, unknown>, issues: RowIssue[]) => Record<string, unknown> | undefined {
  const names = Object.keys(rules.fields);
  const parsers = names.map((name) => rules.fields[name]!.parse);
  const finish = rules.finish;
  // One row object, refilled per call (every field is set before finish reads it): the importer runs this
  // millions of times, and what it returns is staged before the next call.
  const row: Record<string, unknown> = {};
  return (input, issues) => {
    let failed = false;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = parsers[i]!(input[name]);
      if (value instanceof FieldProblem) {
        issues.push({ field: name, message: value.message });
        failed = true;
      } else row[name] = value;
    }
    if (failed) return undefined;
    const before = issues.length;
    const out = finish(row, issues);
    return issues.length > before ? undefined : out;
  };
}

const identity = (row: Record<string, unknown>) => row;

/** Free attributes (customers): an object of strings, built by the importer from the extra columns. */
const attributesType: FieldType<unknown> = {
  parse: (raw) => raw,
  schema: z.record(z.string(), z.string()).optional(),
};

const customerRef: Reference = {
  column: 'customer',
  field: 'customer_id',
  table: 'customers',
  key: 'external_id',
  what: 'customer',
  hint: 'import the customer first',
  innerJoined: true,
};
const employeeRef = (column: string, field: string): Reference => ({
  column,
  field,
  table: 'employees',
  key: 'code',
  what: 'employee',
  hint: 'import employees first',
});
const teamRef = (column: string, field: string): Reference => ({ column, field, table: 'teams', key: 'code', what: 'team', hint: 'import teams first' });

/** Turns a decimal field into minor units of the row's (or the import's) currency, reporting on the field. */
function moneyIn(
  row: Record<string, unknown>,
  fields: string[],
  defaultCurrency: string | undefined,
  issues: RowIssue[],
): { currency: string | null; amounts: Record<string, number | null> } {
  const currency = (row.currency as string | null) ?? defaultCurrency ?? null;
  const amounts: Record<string, number | null> = {};
  for (const field of fields) {
    const decimal = row[field] as Amount | null;
    if (decimal === null) {
      amounts[field] = null;
      continue;
    }
    if (currency === null) {
      issues.push({ field: 'currency', message: 'is required for amounts: add a currency column or pass --currency' });
      return { currency, amounts };
    }
    const minor = toMinorUnits(decimal, currency);
    if (typeof minor === 'string') issues.push({ field, message: minor });
    amounts[field] = typeof minor === 'number' ? minor : null;
  }
  return { currency, amounts };
}

const ROLES = ['agent', 'executive', 'manager', 'analyst', 'frontline'] as const;
const CHANNELS = ['phone', 'email', 'sms', 'letter', 'visit'] as const;
const INTERACTION_TYPES = ['service_call', 'support_ticket', 'complaint', 'usage', 'other'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export const entities: Record<EntityName, EntityDefinition> = {
  teams: {
    name: 'teams',
    table: 'teams',
    fields: [
      { name: 'code', required: true, help: 'short unique code of the team' },
      { name: 'name', help: 'display name (defaults to the code)' },
    ],
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return { fields: { code: t.requiredText, name: t.optionalText }, finish: identity };
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: { code: 'text', name: 'text' },
    references: [],
    uniqueInFile: { columns: ['code'], field: 'code', label: 'team code' },
    from: 'import_staging s',
    conflict: ['code'],
    columns: [
      { column: 'code', expr: 's.code', fields: ['code'] },
      { column: 'name', expr: 'coalesce(s.name, s.code)', fields: ['name'] },
    ],
  },

  employees: {
    name: 'employees',
    table: 'employees',
    fields: [
      { name: 'code', required: true, help: 'unique employee code' },
      { name: 'name', help: 'full name (defaults to the code)' },
      { name: 'email', help: 'e-mail address' },
      { name: 'team', help: 'code of the team' },
      { name: 'role', help: `one of ${ROLES.join(', ')} (default frontline)` },
    ],
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return { fields: { code: t.requiredText, name: t.optionalText, email: t.optionalText, team: t.optionalText, role: t.oneOf(ROLES) }, finish: identity };
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: { code: 'text', name: 'text', email: 'text', team: 'text', role: 'text' },
    references: [teamRef('team', 'team')],
    uniqueInFile: { columns: ['code'], field: 'code', label: 'employee code' },
    from: 'import_staging s LEFT JOIN teams t ON t.code = s.team',
    conflict: ['code'],
    columns: [
      { column: 'code', expr: 's.code', fields: ['code'] },
      { column: 'name', expr: 'coalesce(s.name, s.code)', fields: ['name'] },
      { column: 'email', expr: 's.email', fields: ['email'] },
      { column: 'team_id', expr: 't.id', fields: ['team'] },
      { column: 'role', expr: "coalesce(s.role, 'frontline')", fields: ['role'] },
    ],
  },

  customers: {
    name: 'customers',
    table: 'customers',
    copiedInto: ['customer_list_keys'],
    fields: [
      { name: 'external_id', required: true, help: 'your unique customer id' },
      { name: 'name', help: 'person or company name' },
      { name: 'email', help: 'e-mail address' },
      { name: 'phone', help: 'phone number' },
      { name: 'company', help: 'company the customer belongs to' },
      { name: 'country', help: 'ISO 3166 two-letter code' },
      { name: 'timezone', help: 'IANA time zone, e.g. Europe/Berlin (for contact hours)' },
      { name: 'acquired_at', help: 'date the customer was won' },
      { name: 'acquisition_channel', help: 'how the customer was won (web, partner, …)' },
      { name: 'team', help: 'code of the team that serves the customer' },
      { name: 'employee', help: 'code of the employee who serves the customer' },
      { name: 'currency', help: 'ISO 4217 currency the customer is billed in' },
    ],
    extraColumnsAsAttributes: true,
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return rulesOf({
        external_id: t.requiredText,
        name: t.optionalText,
        email: t.optionalText,
        phone: t.optionalText,
        company: t.optionalText,
        country: t.country,
        timezone: t.timezone,
        acquired_at: t.timestamp,
        acquisition_channel: t.optionalText,
        team: t.optionalText,
        employee: t.optionalText,
        currency: t.currency,
        attributes: attributesType,
      }, (row) => ({ ...row, currency: row.currency ?? options.currency ?? null, attributes: JSON.stringify(row.attributes ?? {}) }));
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: {
      external_id: 'text', name: 'text', email: 'text', phone: 'text', company: 'text', country: 'text', timezone: 'text',
      acquired_at: 'timestamptz', acquisition_channel: 'text', team: 'text', employee: 'text', currency: 'text', attributes: 'jsonb',
    },
    references: [teamRef('team', 'team'), employeeRef('employee', 'employee')],
    uniqueInFile: { columns: ['external_id'], field: 'external_id', label: 'customer id' },
    from: 'import_staging s LEFT JOIN teams t ON t.code = s.team LEFT JOIN employees e ON e.code = s.employee',
    existing: 'LEFT JOIN customers existing ON existing.external_id = s.external_id',
    conflict: ['external_id'],
    columns: [
      { column: 'external_id', expr: 's.external_id', fields: ['external_id'] },
      { column: 'name', expr: 's.name', fields: ['name'] },
      { column: 'email', expr: 's.email', fields: ['email'] },
      { column: 'phone', expr: 's.phone', fields: ['phone'] },
      { column: 'company', expr: 's.company', fields: ['company'] },
      { column: 'country', expr: 's.country', fields: ['country'] },
      { column: 'timezone', expr: 's.timezone', fields: ['timezone'] },
      { column: 'acquired_at', expr: 's.acquired_at', fields: ['acquired_at'] },
      { column: 'acquisition_channel', expr: 's.acquisition_channel', fields: ['acquisition_channel'] },
      { column: 'team_id', expr: 't.id', fields: ['team'] },
      { column: 'employee_id', expr: 'e.id', fields: ['employee'] },
      { column: 'currency', expr: 's.currency', fields: ['currency'] },
      // Free attributes merge: a file that brings some attributes does not erase the others.
      { column: 'attributes', expr: "coalesce(existing.attributes, '{}'::jsonb) || s.attributes", fields: ['attributes'], firstLoad: 's.attributes' },
    ],
  },

  contracts: {
    name: 'contracts',
    table: 'contracts',
    fields: [
      { name: 'external_id', required: true, help: 'your unique contract id' },
      { name: 'customer_id', required: true, help: "the customer's external id" },
      { name: 'plan', help: 'plan or product name' },
      { name: 'started_at', required: true, help: 'start date' },
      { name: 'ends_at', help: 'end of the term (empty: open-ended)' },
      { name: 'cancelled_at', help: 'date the customer cancelled' },
      { name: 'cancellation_reason', help: "the reason in the customer's words" },
      { name: 'reason_code', help: 'code from the reason catalogue' },
      { name: 'monthly_value', required: true, help: 'recurring value per month, e.g. 49.90' },
      { name: 'currency', help: 'ISO 4217 code (or --currency)' },
    ],
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return rulesOf(
        {
          external_id: t.requiredText,
          customer_id: t.requiredText,
          plan: t.optionalText,
          started_at: t.timestamp,
          ends_at: t.timestamp,
          cancelled_at: t.timestamp,
          cancellation_reason: t.optionalText,
          reason_code: mapField(t.optionalText, (v) => v?.toLowerCase() ?? null),
          monthly_value: t.decimal,
          currency: t.currency,
        },
        (row, issues) => {
          if (row.started_at === null) issues.push({ field: 'started_at', message: 'is required' });
          if (row.monthly_value === null) issues.push({ field: 'monthly_value', message: 'is required' });
          else if (row.monthly_value.units < 0n) issues.push({ field: 'monthly_value', message: 'must not be negative' });
          if (row.started_at && row.ends_at && row.ends_at < row.started_at) {
            issues.push({ field: 'ends_at', message: 'is before started_at' });
          }
          const { currency, amounts } = moneyIn(row, ['monthly_value'], options.currency, issues);
          return {
            external_id: row.external_id,
            customer: row.customer_id,
            plan: row.plan,
            started_at: row.started_at,
            ends_at: row.ends_at,
            cancelled_at: row.cancelled_at,
            cancellation_reason: row.cancellation_reason,
            reason_code: row.reason_code,
            monthly_value: amounts.monthly_value,
            currency,
          };
        },
      );
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: {
      external_id: 'text', customer: 'text', plan: 'text', started_at: 'timestamptz', ends_at: 'timestamptz', cancelled_at: 'timestamptz',
      cancellation_reason: 'text', reason_code: 'text', monthly_value: 'bigint', currency: 'text',
    },
    references: [
      customerRef,
      { column: 'reason_code', field: 'reason_code', table: 'reasons', key: 'code', what: 'reason code', hint: 'see `winback reasons` for the catalogue' },
    ],
    uniqueInFile: { columns: ['external_id'], field: 'external_id', label: 'contract id' },
    from: 'import_staging s JOIN customers c ON c.external_id = s.customer',
    conflict: ['external_id'],
    columns: [
      { column: 'external_id', expr: 's.external_id', fields: ['external_id'] },
      { column: 'customer_id', expr: 'c.id', fields: ['customer_id'] },
      { column: 'plan', expr: 's.plan', fields: ['plan'] },
      { column: 'started_at', expr: 's.started_at', fields: ['started_at'] },
      { column: 'ends_at', expr: 's.ends_at', fields: ['ends_at'] },
      { column: 'cancelled_at', expr: 's.cancelled_at', fields: ['cancelled_at'] },
      { column: 'cancellation_reason', expr: 's.cancellation_reason', fields: ['cancellation_reason'] },
      { column: 'reason_code', expr: 's.reason_code', fields: ['reason_code'] },
      { column: 'monthly_value', expr: 's.monthly_value', fields: ['monthly_value'] },
      { column: 'currency', expr: 's.currency', fields: ['currency', 'monthly_value'] },
    ],
  },

  orders: {
    name: 'orders',
    table: 'orders',
    copiedInto: ['customer_list_keys'],
    fields: [
      { name: 'external_id', help: 'your order id (without one, identical rows are told apart by their order in the file)' },
      { name: 'customer_id', required: true, help: "the customer's external id" },
      { name: 'occurred_at', required: true, help: 'date or date-time of the order' },
      { name: 'amount', required: true, help: 'order value, e.g. 37.40 (negative for refunds)' },
      { name: 'margin', help: 'contribution margin of the order' },
      { name: 'currency', help: 'ISO 4217 code (or --currency)' },
    ],
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return rulesOf(
        {
          external_id: t.optionalText,
          customer_id: t.requiredText,
          occurred_at: t.timestamp,
          amount: t.decimal,
          margin: t.decimal,
          currency: t.currency,
        },
        (row, issues) => {
          if (row.occurred_at === null) issues.push({ field: 'occurred_at', message: 'is required' });
          if (row.amount === null) issues.push({ field: 'amount', message: 'is required' });
          const { currency, amounts } = moneyIn(row, ['amount', 'margin'], options.currency, issues);
          return {
            external_id: row.external_id,
            customer: row.customer_id,
            occurred_at: row.occurred_at,
            amount: amounts.amount,
            margin: amounts.margin,
            currency,
          };
        },
      );
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: { external_id: 'text', customer: 'text', occurred_at: 'timestamptz', amount: 'bigint', margin: 'bigint', currency: 'text' },
    references: [customerRef],
    uniqueInFile: { columns: ['customer', 'external_id'], field: 'external_id', label: 'order id' },
    from: 'import_staging s JOIN customers c ON c.external_id = s.customer',
    conflict: ['customer_id', 'order_key'],
    columns: [
      { column: 'customer_id', expr: 'c.id', fields: ['customer_id'] },
      // A row without an id is identified by its content and its occurrence among identical rows of the file,
      // so the same file imported twice yields the same keys.
      {
        column: 'order_key',
        expr: `coalesce('id:' || s.external_id, 'auto:' || (extract(epoch FROM s.occurred_at) * 1000)::bigint || ':' || s.amount || ':' ||
               row_number() OVER (PARTITION BY s.customer, s.occurred_at, s.amount, s.external_id IS NULL ORDER BY s.line))`,
        whenAllHave: { column: 'external_id', expr: "'id:' || s.external_id" },
        fields: ['external_id', 'occurred_at', 'amount'],
      },
      { column: 'external_id', expr: 's.external_id', fields: ['external_id'] },
      { column: 'occurred_at', expr: 's.occurred_at', fields: ['occurred_at'] },
      { column: 'amount', expr: 's.amount', fields: ['amount'] },
      { column: 'margin', expr: 's.margin', fields: ['margin'] },
      { column: 'currency', expr: 's.currency', fields: ['currency', 'amount'] },
    ],
  },

  interactions: {
    name: 'interactions',
    table: 'interactions',
    fields: [
      { name: 'external_id', help: 'your ticket or call id' },
      { name: 'customer_id', required: true, help: "the customer's external id" },
      { name: 'type', required: true, help: `one of ${INTERACTION_TYPES.join(', ')}` },
      { name: 'channel', help: 'phone, email, chat, visit, …' },
      { name: 'occurred_at', required: true, help: 'date or date-time' },
      { name: 'severity', help: `one of ${SEVERITIES.join(', ')}` },
      { name: 'handled_by', help: 'code of the employee who handled it' },
      { name: 'summary', help: 'what it was about' },
    ],
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return rulesOf(
        {
          external_id: t.optionalText,
          customer_id: t.requiredText,
          type: t.oneOf(INTERACTION_TYPES),
          channel: mapField(t.optionalText, (v) => v?.toLowerCase() ?? null),
          occurred_at: t.timestamp,
          severity: t.oneOf(SEVERITIES),
          handled_by: t.optionalText,
          summary: t.optionalText,
        },
        (row, issues) => {
          if (row.type === null) issues.push({ field: 'type', message: 'is required' });
          if (row.occurred_at === null) issues.push({ field: 'occurred_at', message: 'is required' });
          const { customer_id, ...rest } = row;
          return { ...rest, customer: customer_id };
        },
      );
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: {
      external_id: 'text', customer: 'text', type: 'text', channel: 'text', occurred_at: 'timestamptz', severity: 'text', handled_by: 'text', summary: 'text',
    },
    references: [customerRef, employeeRef('handled_by', 'handled_by')],
    uniqueInFile: { columns: ['customer', 'external_id'], field: 'external_id', label: 'interaction id' },
    from: 'import_staging s JOIN customers c ON c.external_id = s.customer LEFT JOIN employees e ON e.code = s.handled_by',
    conflict: ['customer_id', 'interaction_key'],
    columns: [
      { column: 'customer_id', expr: 'c.id', fields: ['customer_id'] },
      {
        column: 'interaction_key',
        expr: `coalesce('id:' || s.external_id, 'auto:' || s.type || ':' || (extract(epoch FROM s.occurred_at) * 1000)::bigint || ':' ||
               row_number() OVER (PARTITION BY s.customer, s.type, s.occurred_at, s.external_id IS NULL ORDER BY s.line))`,
        whenAllHave: { column: 'external_id', expr: "'id:' || s.external_id" },
        fields: ['external_id', 'type', 'occurred_at'],
      },
      { column: 'external_id', expr: 's.external_id', fields: ['external_id'] },
      { column: 'type', expr: 's.type', fields: ['type'] },
      { column: 'channel', expr: 's.channel', fields: ['channel'] },
      { column: 'occurred_at', expr: 's.occurred_at', fields: ['occurred_at'] },
      { column: 'severity', expr: 's.severity', fields: ['severity'] },
      { column: 'handled_by', expr: 'e.id', fields: ['handled_by'] },
      { column: 'summary', expr: 's.summary', fields: ['summary'] },
    ],
  },

  preferences: {
    name: 'preferences',
    table: 'contact_preferences',
    fields: [
      { name: 'customer_id', required: true, help: "the customer's external id" },
      { name: 'allowed_channels', help: `channels the customer accepts, e.g. phone;email (from ${CHANNELS.join(', ')})` },
      { name: 'max_contacts', help: 'at most this many contacts …' },
      { name: 'per_days', help: '… within this many days' },
      { name: 'preferred_employee', help: 'code of the employee the customer wants to deal with' },
      { name: 'contact_hours_start', help: "earliest time of day to call, in the customer's time zone (e.g. 09:00)" },
      { name: 'contact_hours_end', help: 'latest time of day to call (e.g. 18:00)' },
      { name: 'do_not_contact', help: 'true if the customer must not be contacted at all' },
      { name: 'do_not_contact_at', help: 'when do-not-contact was requested (default: the import time)' },
      { name: 'do_not_contact_source', help: 'who or what set it: customer_request, legal, …' },
    ],
    rules(options) {
      const t = fieldTypes(valueOptions(options));
      return rulesOf(
        {
          customer_id: t.requiredText,
          allowed_channels: t.listOf(CHANNELS),
          max_contacts: t.integer(0, 1000),
          per_days: t.integer(1, 3650),
          preferred_employee: t.optionalText,
          contact_hours_start: t.timeOfDay,
          contact_hours_end: t.timeOfDay,
          do_not_contact: t.boolean,
          do_not_contact_at: t.timestamp,
          do_not_contact_source: t.optionalText,
        },
        (row, issues) => {
          if ((row.max_contacts === null) !== (row.per_days === null)) {
            issues.push({ field: row.max_contacts === null ? 'max_contacts' : 'per_days', message: 'max_contacts and per_days go together' });
          }
          if ((row.contact_hours_start === null) !== (row.contact_hours_end === null)) {
            issues.push({ field: row.contact_hours_start === null ? 'contact_hours_start' : 'contact_hours_end', message: 'contact hours need both a start and an end' });
          }
          const { customer_id, allowed_channels, do_not_contact, do_not_contact_at, do_not_contact_source, ...rest } = row;
          return {
            ...rest,
            customer: customer_id,
            allowed_channels: allowed_channels?.join(';') ?? null,
            do_not_contact: do_not_contact ?? false,
            do_not_contact_at: do_not_contact ? do_not_contact_at : null,
            do_not_contact_source: do_not_contact ? do_not_contact_source : null,
          };
        },
      );
    },
    schema(options) {
      return schemaOf(this.rules(options));
    },
    staging: {
      customer: 'text', allowed_channels: 'text', max_contacts: 'integer', per_days: 'integer', preferred_employee: 'text',
      contact_hours_start: 'time', contact_hours_end: 'time', do_not_contact: 'boolean', do_not_contact_at: 'timestamptz', do_not_contact_source: 'text',
    },
    references: [customerRef, employeeRef('preferred_employee', 'preferred_employee')],
    uniqueInFile: { columns: ['customer'], field: 'customer_id', label: 'customer id' },
    from: `import_staging s JOIN customers c ON c.external_id = s.customer LEFT JOIN employees e ON e.code = s.preferred_employee
           LEFT JOIN contact_preferences p ON p.customer_id = c.id`,
    conflict: ['customer_id'],
    columns: [
      { column: 'customer_id', expr: 'c.id', fields: ['customer_id'] },
      {
        column: 'allowed_channels',
        expr: "coalesce(string_to_array(s.allowed_channels, ';'), ARRAY['phone', 'email', 'sms', 'letter', 'visit'])",
        fields: ['allowed_channels'],
      },
      { column: 'max_contacts', expr: 's.max_contacts', fields: ['max_contacts'] },
      { column: 'per_days', expr: 's.per_days', fields: ['per_days'] },
      { column: 'preferred_employee_id', expr: 'e.id', fields: ['preferred_employee'] },
      { column: 'contact_hours_start', expr: 's.contact_hours_start', fields: ['contact_hours_start'] },
      { column: 'contact_hours_end', expr: 's.contact_hours_end', fields: ['contact_hours_end'] },
      { column: 'do_not_contact', expr: 's.do_not_contact', fields: ['do_not_contact'] },
      // Without a date in the file, do-not-contact dates from when winback first learned it: a later file that
      // repeats the flag keeps the original date (and so re-importing changes nothing).
      {
        column: 'do_not_contact_at',
        expr: 'CASE WHEN s.do_not_contact THEN coalesce(s.do_not_contact_at, CASE WHEN p.do_not_contact THEN p.do_not_contact_at END, now()) END',
        fields: ['do_not_contact'],
      },
      {
        column: 'do_not_contact_source',
        expr: "CASE WHEN s.do_not_contact THEN coalesce(s.do_not_contact_source, CASE WHEN p.do_not_contact THEN p.do_not_contact_source END, 'import') END",
        fields: ['do_not_contact'],
      },
    ],
  },
};
