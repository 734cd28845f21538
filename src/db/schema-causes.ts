import type { ColumnType, Generated } from 'kysely';

/** Kysely types of migration 0009 (step 3: root-cause items with their status history and links). */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;

export type RootCauseStatus = 'open' | 'in_progress' | 'fixed' | 'wont_fix';

export interface RootCauseItemsTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  owner_id: number | null;
  status: WithDefault<RootCauseStatus>;
  status_changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  resolved_at: Timestamp | null;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RootCauseItemHistoryTable {
  id: Generated<number>;
  item_id: number;
  from_status: RootCauseStatus | null;
  to_status: RootCauseStatus;
  changed_at: ColumnType<Date, Date | string | undefined, never>;
  changed_by: number | null;
  note: string | null;
}

export interface RootCauseItemReasonsTable {
  item_id: number;
  reason_code: string;
  linked_at: CreatedAt;
}

export interface RootCauseItemCustomersTable {
  item_id: number;
  customer_id: number;
  linked_at: CreatedAt;
}

export interface CausesTables {
  root_cause_items: RootCauseItemsTable;
  root_cause_item_history: RootCauseItemHistoryTable;
  root_cause_item_reasons: RootCauseItemReasonsTable;
  root_cause_item_customers: RootCauseItemCustomersTable;
}
