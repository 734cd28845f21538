import type { ColumnType, Generated } from 'kysely';

/** Kysely types of migration 0007 (step 4: offers, rescue cycles, the call queue, guided calls, contact log). */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string | Record<string, unknown>>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;

export type OfferKind = 'material' | 'immaterial';
export type OfferType =
  | 'discount_percent'
  | 'account_credit'
  | 'free_months'
  | 'switching_bonus'
  | 'apology'
  | 'personal_advisor'
  | 'priority_service'
  | 'product_fix';

export interface OffersTable {
  id: Generated<number>;
  code: string;
  name: string;
  kind: OfferKind;
  type: OfferType;
  terms: Json;
  eligible_segments: string[] | null;
  eligible_reasons: string[] | null;
  uplift: WithDefault<number>;
  active: WithDefault<boolean>;
  description: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type CycleStatus = 'draft' | 'active' | 'closed';

export interface RescueCyclesTable {
  id: Generated<number>;
  name: string;
  period_start: Timestamp;
  period_end: Timestamp;
  status: WithDefault<CycleStatus>;
  target_rule: Json;
  holdout_share: WithDefault<number>;
  holdout_seed: number | null;
  executive_targets: WithDefault<number>;
  currency: string;
  offer_budget: number;
  budget_committed: WithDefault<number>;
  claim_minutes: WithDefault<number>;
  max_attempts: WithDefault<number>;
  retry_hours: WithDefault<number>;
  created_by: number | null;
  started_at: Timestamp | null;
  closed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type CycleMemberRole = 'agent' | 'executive' | 'manager';

export interface RescueCycleMembersTable {
  cycle_id: number;
  employee_id: number;
  role: CycleMemberRole;
}

export type TargetStatus = 'holdout' | 'open' | 'claimed' | 'callback' | 'done' | 'unreachable' | 'blocked';

export interface CycleTargetsTable {
  cycle_id: number;
  customer_id: number;
  rank: number;
  state_at_start: string;
  segment: string | null;
  reason_code: string | null;
  currency: string | null;
  p_recovery: number;
  value_if_recovered: number;
  expected_value: number;
  holdout: boolean;
  assigned_to: number | null;
  status: TargetStatus;
  due_at: Timestamp;
  attempts: WithDefault<number>;
  claimed_by: number | null;
  claimed_at: Timestamp | null;
  claim_expires_at: Timestamp | null;
  outcome: string | null;
  completed_at: Timestamp | null;
  updated_at: UpdatedAt;
}

export type CallOutcome = 'won_back' | 'considering' | 'declined' | 'unreachable' | 'asked_not_to_be_contacted';
export type OfferResponse = 'accepted' | 'declined' | 'considering';

export interface RecoveryCallsTable {
  id: Generated<number>;
  customer_id: number;
  cycle_id: number | null;
  employee_id: number;
  channel: string;
  occurred_at: Timestamp;
  apology_made: boolean;
  customer_explanation: string | null;
  diagnosed_reason: string | null;
  reason_confirmed: boolean | null;
  support_extended: string | null;
  offer_id: number | null;
  offer_response: OfferResponse | null;
  offer_cost: number | null;
  offer_currency: string | null;
  outcome: CallOutcome;
  next_step: string | null;
  callback_at: Timestamp | null;
  notes: string | null;
  created_at: CreatedAt;
}

export interface ContactLogTable {
  id: Generated<number>;
  customer_id: number;
  occurred_at: Timestamp;
  channel: string;
  action: 'schedule' | 'contact';
  employee_id: number | null;
  cycle_id: number | null;
  allowed: boolean;
  reached: boolean | null;
  rule: string | null;
  detail: string | null;
  call_id: number | null;
  created_at: CreatedAt;
}

export interface WinbackTables {
  offers: OffersTable;
  rescue_cycles: RescueCyclesTable;
  rescue_cycle_members: RescueCycleMembersTable;
  cycle_targets: CycleTargetsTable;
  recovery_calls: RecoveryCallsTable;
  contact_log: ContactLogTable;
}
