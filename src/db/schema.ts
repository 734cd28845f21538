import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CausesTables } from './schema-causes.js';
import type { WinbackTables } from './schema-winback.js';

/** Timestamps are read as Date and may be written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string | Record<string, unknown>>;

export interface TeamsTable {
  id: Generated<number>;
  code: string;
  name: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type EmployeeRole = 'agent' | 'executive' | 'manager' | 'analyst' | 'frontline';

export interface EmployeesTable {
  id: Generated<number>;
  code: string;
  name: string;
  email: string | null;
  team_id: number | null;
  role: ColumnType<EmployeeRole, EmployeeRole | undefined, EmployeeRole>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ReasonsTable {
  code: string;
  parent_code: string | null;
  label: string;
  description: string | null;
  created_at: CreatedAt;
}

export interface CustomersTable {
  id: Generated<number>;
  external_id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  country: string | null;
  timezone: string | null;
  acquired_at: Timestamp | null;
  acquisition_channel: string | null;
  team_id: number | null;
  employee_id: number | null;
  currency: string | null;
  attributes: Json;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ContractsTable {
  id: Generated<number>;
  customer_id: number;
  external_id: string;
  plan: string | null;
  started_at: Timestamp;
  ends_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  cancellation_reason: string | null;
  reason_code: string | null;
  monthly_value: number;
  currency: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OrdersTable {
  id: Generated<number>;
  customer_id: number;
  order_key: string;
  external_id: string | null;
  occurred_at: Timestamp;
  amount: number;
  margin: number | null;
  currency: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type InteractionType = 'service_call' | 'support_ticket' | 'complaint' | 'usage' | 'other';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface InteractionsTable {
  id: Generated<number>;
  customer_id: number;
  interaction_key: string;
  external_id: string | null;
  type: InteractionType;
  channel: string | null;
  occurred_at: Timestamp;
  severity: Severity | null;
  handled_by: number | null;
  summary: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ContactPreferencesTable {
  customer_id: number;
  allowed_channels: ColumnType<string[], string[] | undefined, string[]>;
  max_contacts: number | null;
  per_days: number | null;
  preferred_employee_id: number | null;
  contact_hours_start: string | null;
  contact_hours_end: string | null;
  do_not_contact: boolean;
  do_not_contact_at: Timestamp | null;
  do_not_contact_source: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ImportsTable {
  id: Generated<number>;
  entity: string;
  file_name: string;
  file_sha256: string;
  rows_read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  started_at: Timestamp;
  finished_at: CreatedAt;
}

export interface MigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
}

export interface DB extends WinbackTables, CausesTables {
  teams: TeamsTable;
  employees: EmployeesTable;
  reasons: ReasonsTable;
  customers: CustomersTable;
  contracts: ContractsTable;
  orders: OrdersTable;
  interactions: InteractionsTable;
  contact_preferences: ContactPreferencesTable;
  imports: ImportsTable;
  winback_migrations: MigrationsTable;
  analysis_runs: AnalysisRunsTable;
  model_runs: ModelRunsTable;
  customer_scores: CustomerScoresTable;
  current_customer_scores: CurrentCustomerScoresView;
  state_recomputes: StateRecomputesTable;
  customer_states: CustomerStatesTable;
  state_transitions: StateTransitionsTable;
  reason_rules: ReasonRulesTable;
  contract_reasons: ContractReasonsTable;
  customer_segments: CustomerSegmentsTable;
  recovery_priors: RecoveryPriorsTable;
  recovery_outcomes: RecoveryOutcomesTable;
  recovery_costs: RecoveryCostsTable;
  recovery_scores: RecoveryScoresTable;
  reporting_currency: ReportingCurrencyTable;
  exchange_rates: ExchangeRatesTable;
  state_counts: StateCountsTable;
}

/** Customers per lifecycle state, kept by triggers (migration 0012); read-only for the application. */
export interface StateCountsTable {
  state: string;
  customers: ColumnType<number, never, never>;
  do_not_contact: ColumnType<number, never, never>;
  latent_need: ColumnType<number, never, never>;
}

export type TimeUnitName = 'day' | 'week' | 'month';
export type PurchaseModelName = 'bgnbd' | 'paretonbd';
export type ModelName = PurchaseModelName | 'gammagamma';

export interface AnalysisRunsTable {
  id: Generated<number>;
  status: ColumnType<'complete' | 'failed', 'complete' | 'failed' | undefined, 'complete' | 'failed'>;
  is_current: ColumnType<boolean, boolean | undefined, boolean>;
  purchase_model: PurchaseModelName;
  time_unit: TimeUnitName;
  calibration_start: Timestamp | null;
  calibration_end: Timestamp;
  holdout_end: Timestamp | null;
  customers_scored: number;
  options: Json;
  summary: Json;
  created_at: CreatedAt;
}

export interface ModelRunsTable {
  id: Generated<number>;
  analysis_run_id: number;
  model: ModelName;
  status: 'fitted' | 'skipped' | 'failed';
  selected: ColumnType<boolean, boolean | undefined, boolean>;
  currency: string | null;
  parameters: Json | null;
  standard_errors: Json | null;
  log_likelihood: number | null;
  converged: boolean | null;
  iterations: number | null;
  message: string | null;
  time_unit: TimeUnitName;
  calibration_start: Timestamp | null;
  calibration_end: Timestamp;
  holdout_end: Timestamp | null;
  customers: number;
  distinct_rows: number | null;
  first_order_at: Timestamp | null;
  last_order_at: Timestamp | null;
  orders: number | null;
  details: Json;
  fit_ms: number | null;
  created_at: CreatedAt;
}

export interface CustomerScoresTable {
  analysis_run_id: number;
  customer_id: number;
  model_run_id: number;
  spend_model_run_id: number | null;
  frequency: number;
  recency_days: number;
  age_days: number;
  p_alive: number;
  expected_transactions_90d: number;
  expected_transactions_365d: number;
  expected_spend: number;
  margin_ratio: number;
  clv: number;
  currency: string;
  computed_at: CreatedAt;
}

/** The view `current_customer_scores`: customer_scores of the current analysis plus its calibration end. */
export interface CurrentCustomerScoresView extends CustomerScoresTable {
  as_of: ColumnType<Date, never, never>;
}

export type Customer = Selectable<CustomersTable>;
export type NewCustomer = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;

// ---- Lifecycle states (migration 0004) ----

export type LifecycleState = 'active' | 'at_risk' | 'sleeping' | 'lost' | 'won_back';

export interface StateRecomputesTable {
  id: Generated<number>;
  as_of: Timestamp;
  analysis_run_id: number | null;
  options: Json;
  customers: ColumnType<number, number | undefined, number>;
  transitions: ColumnType<number, number | undefined, number>;
  started_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface CustomerStatesTable {
  customer_id: number;
  state: LifecycleState;
  entered_at: Timestamp;
  evidence: Json;
  latent_need: ColumnType<boolean, boolean | undefined, boolean>;
  latent_need_evidence: Json | null;
  recompute_id: number | null;
  updated_at: UpdatedAt;
}

export interface StateTransitionsTable {
  id: Generated<number>;
  customer_id: number;
  from_state: LifecycleState | null;
  to_state: LifecycleState;
  effective_at: Timestamp;
  recorded_at: CreatedAt;
  reason: Json;
  analysis_run_id: number | null;
  recompute_id: number | null;
  currency: string | null;
  value_lost: number | null;
  value_basis: 'contract_annualised' | 'trailing_12m' | null;
  forecast_value: number | null;
  reason_code: string | null;
  plan: string | null;
  team_id: number | null;
  acquisition_channel: string | null;
  country: string | null;
}

// ---- Reasons, segments, recovery scores (migration 0005) ----

export type SegmentName = 'true_friends' | 'butterflies' | 'barnacles' | 'strangers';

export interface ReasonRulesTable {
  id: Generated<number>;
  position: number;
  pattern_type: 'keyword' | 'regex';
  pattern: string;
  reason_code: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  note: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ContractReasonsTable {
  contract_id: number;
  customer_id: number;
  original_text: string | null;
  source: 'import' | 'rule' | 'none';
  mapped_code: string;
  rule_id: number | null;
  rule_pattern: string | null;
  mapped_at: CreatedAt;
  verified_code: string | null;
  verified_at: Timestamp | null;
  verified_by: number | null;
}

export interface CustomerSegmentsTable {
  customer_id: number;
  as_of: Timestamp;
  tenure_days: number;
  profit: number;
  currency: string | null;
  tenure_threshold_days: number;
  profit_threshold: number;
  threshold_source: 'median' | 'explicit';
  long_relationship: boolean;
  high_profit: boolean;
  segment: SegmentName;
  recency_days: number;
  frequency: number;
  monetary: number;
  r_score: number;
  f_score: number;
  m_score: number;
  computed_at: CreatedAt;
}

export interface RecoveryPriorsTable {
  id: Generated<number>;
  segment: SegmentName | null;
  reason_code: string | null;
  alpha: number;
  beta: number;
  rationale: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RecoveryOutcomesTable {
  id: Generated<number>;
  customer_id: number;
  occurred_at: Timestamp;
  segment: SegmentName | null;
  reason_code: string;
  measure: string | null;
  won_back: boolean;
  note: string | null;
  created_at: CreatedAt;
}

export interface RecoveryCostsTable {
  measure: string;
  currency: string;
  amount: number;
  description: string | null;
  updated_at: UpdatedAt;
}

export interface RecoveryScoresTable {
  customer_id: number;
  as_of: Timestamp;
  state: 'sleeping' | 'lost';
  state_since: Timestamp;
  segment: SegmentName | null;
  reason_code: string | null;
  team_id: number | null;
  currency: string | null;
  measure: string;
  p_recovery: number;
  value_if_recovered: number;
  cost: number;
  expected_value: number;
  explanation: Json;
  computed_at: CreatedAt;
  /** The same amounts in the reporting currency at `exchange_rate` (NULL: no rate for `currency`; migration 0006). */
  reporting_currency: string;
  exchange_rate: number | null;
  value_if_recovered_reporting: number | null;
  cost_reporting: number | null;
  expected_value_reporting: number | null;
}

// ---- Reporting currency and exchange rates (migration 0006) ----

export interface ReportingCurrencyTable {
  singleton: ColumnType<boolean, boolean | undefined, boolean>;
  currency: string;
  updated_by: string;
  updated_at: UpdatedAt;
}

/** `rate` is numeric: read it as text (`rate::text`) where exactness matters; the driver parses numeric to a number. */
export interface ExchangeRatesTable {
  currency: string;
  rate: ColumnType<number, string, string>;
  updated_by: string;
  updated_at: UpdatedAt;
}
