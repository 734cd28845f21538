/**
 * Root-cause items: the problems behind departures, who owns their fix, where it stands (open → in_progress →
 * fixed | wont_fix, every change kept in the history), and which reasons and lost customers they explain.
 * Linking a reason or a customer that does not exist is a coded error and links nothing.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/engine.js';
import type { DB } from '../db/schema.js';
import { CausesError } from './errors.js';
import {
  customersByExternalId,
  deleteItemRow,
  employeesByCode,
  insertItem,
  itemCustomers,
  itemHistory,
  linkItem,
  lockItem,
  selectItems,
  unlinkItem,
  updateItemRow,
  type ItemCustomerRow,
  type ItemHistoryRow,
  type ItemRow,
} from './repository.js';
import {
  itemCreateSchema,
  itemIdSchema,
  itemLinksSchema,
  itemListQuerySchema,
  itemUpdateSchema,
  parseInput,
  UNRESOLVED_STATUSES,
  type ItemCreateInput,
  type ItemLinksInput,
  type ItemListQueryInput,
  type ItemUpdateInput,
} from './schemas.js';

export type RootCauseItem = ItemRow;

export interface RootCauseItemDetail extends RootCauseItem {
  customers: ItemCustomerRow[];
  history: ItemHistoryRow[];
}

/** An item as the Pareto shows it beside a reason. */
export interface ItemRef {
  id: number;
  title: string;
  status: RootCauseItem['status'];
  owner: string | null;
  /** The code the item is linked to (the reason itself, a parent or a child of it). */
  linkedTo: string;
}

const itemId = (id: number | string) => parseInput(itemIdSchema, { id }, 'item id').id;

async function detail(trx: Transaction<DB> | Database['db'], id: number): Promise<RootCauseItemDetail> {
  const [item] = await selectItems(trx, { ids: [id] });
  if (!item) throw new CausesError('item_not_found', `no root-cause item with id ${id}`);
  const [customers, history] = await Promise.all([itemCustomers(trx, id), itemHistory(trx, id)]);
  return { ...item, customers, history };
}

async function employeeId(trx: Transaction<DB>, code: string | null | undefined, role: string): Promise<number | null | undefined> {
  if (code === undefined || code === null) return code;
  const [row] = await employeesByCode(trx, [code]);
  if (!row) throw new CausesError('unknown_employee', `no employee with code "${code}" (${role})`);
  return row.id;
}

async function reasonCodes(trx: Transaction<DB>, codes: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(codes)];
  if (wanted.length === 0) return [];
  const known = new Set((await trx.selectFrom('reasons').select('code').where('code', 'in', wanted).execute()).map((r) => r.code));
  const unknown = wanted.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    throw new CausesError('unknown_reason', `no reason ${unknown.map((c) => `"${c}"`).join(', ')} in the catalogue (see \`winback reasons\`)`, { unknown });
  }
  return wanted;
}

async function customerIds(trx: Transaction<DB>, externalIds: readonly string[]): Promise<number[]> {
  const wanted = [...new Set(externalIds)];
  const found = await customersByExternalId(trx, wanted);
  const known = new Set(found.map((c) => c.externalId));
  const unknown = wanted.filter((c) => !known.has(c));
  if (unknown.length > 0) throw new CausesError('unknown_customer', `no customer with id ${unknown.map((c) => `"${c}"`).join(', ')}`, { unknown });
  return found.map((c) => c.id);
}

export async function listItems(database: Database, input: ItemListQueryInput = {}): Promise<RootCauseItem[]> {
  const q = parseInput(itemListQuerySchema, input, 'item list query');
  const db = database.db;
  let ownerId: number | undefined;
  if (q.owner !== undefined) {
    const [row] = await employeesByCode(db, [q.owner]);
    if (!row) throw new CausesError('unknown_employee', `no employee with code "${q.owner}"`);
    ownerId = row.id;
  }
  let customerId: number | undefined;
  if (q.customer !== undefined) {
    const [row] = await customersByExternalId(db, [q.customer]);
    if (!row) throw new CausesError('unknown_customer', `no customer with id "${q.customer}"`);
    customerId = row.id;
  }
  let codes: string[] | undefined;
  if (q.reason !== undefined) {
    const reason = q.reason;
    const catalogue = (await db.selectFrom('reasons').select('code').execute()).map((r) => r.code);
    if (!catalogue.includes(reason)) throw new CausesError('unknown_reason', `no reason code "${reason}" in the catalogue`);
    codes = catalogue.filter((c) => related(c, reason));
  }
  return selectItems(db, {
    ...(q.status && q.status.length > 0 ? { statuses: q.status } : {}),
    ...(ownerId !== undefined ? { ownerId } : {}),
    ...(customerId !== undefined ? { customerId } : {}),
    ...(codes ? { reasonCodes: codes } : {}),
  });
}

export async function getItem(database: Database, id: number | string): Promise<RootCauseItemDetail> {
  return detail(database.db, itemId(id));
}

export async function createItem(database: Database, input: ItemCreateInput): Promise<RootCauseItemDetail> {
  const v = parseInput(itemCreateSchema, input, 'root-cause item');
  return database.db.transaction().execute(async (trx) => {
    const ownerId = (await employeeId(trx, v.owner, 'owner')) ?? null;
    const createdBy = (await employeeId(trx, v.by, 'recorded by')) ?? null;
    const codes = await reasonCodes(trx, v.reasons);
    const customers = await customerIds(trx, v.customers);
    const id = await insertItem(trx, { title: v.title, description: v.description ?? null, ownerId, status: v.status, createdBy, note: v.note ?? null });
    await linkItem(trx, id, codes, customers);
    return detail(trx, id);
  });
}

/** Changes title, description, owner or status; a status change is appended to the history (with `by`, `note`). */
export async function updateItem(database: Database, id: number | string, input: ItemUpdateInput): Promise<RootCauseItemDetail> {
  const itemIdValue = itemId(id);
  const v = parseInput(itemUpdateSchema, input, 'root-cause item change');
  return database.db.transaction().execute(async (trx) => {
    const current = await lockItem(trx, itemIdValue);
    if (!current) throw new CausesError('item_not_found', `no root-cause item with id ${itemIdValue}`);
    const ownerId = await employeeId(trx, v.owner, 'owner');
    const by = (await employeeId(trx, v.by, 'changed by')) ?? null;
    await updateItemRow(trx, itemIdValue, current.status, {
      ...(v.title !== undefined ? { title: v.title } : {}),
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(ownerId !== undefined ? { ownerId } : {}),
      ...(v.status !== undefined ? { status: v.status } : {}),
      by,
      note: v.note ?? null,
    });
    return detail(trx, itemIdValue);
  });
}

export interface LinkResult {
  item: RootCauseItemDetail;
  /** Links added (or, with `remove`, removed) by this call. */
  changed: { reasons: number; customers: number };
}

/** Links reasons (codes) and customers (external ids) to an item, or unlinks them with `remove`. */
export async function linkItemTo(database: Database, id: number | string, input: ItemLinksInput): Promise<LinkResult> {
  const itemIdValue = itemId(id);
  const v = parseInput(itemLinksSchema, input, 'item links');
  return database.db.transaction().execute(async (trx) => {
    if (!(await lockItem(trx, itemIdValue))) throw new CausesError('item_not_found', `no root-cause item with id ${itemIdValue}`);
    const codes = await reasonCodes(trx, v.reasons);
    const customers = await customerIds(trx, v.customers);
    const changed = v.remove ? await unlinkItem(trx, itemIdValue, codes, customers) : await linkItem(trx, itemIdValue, codes, customers);
    return { item: await detail(trx, itemIdValue), changed };
  });
}

/** Deletes an item with its links and history (for items recorded by mistake; otherwise close it as wont_fix). */
export async function deleteItem(database: Database, id: number | string): Promise<RootCauseItemDetail> {
  const itemIdValue = itemId(id);
  return database.db.transaction().execute(async (trx) => {
    if (!(await lockItem(trx, itemIdValue))) throw new CausesError('item_not_found', `no root-cause item with id ${itemIdValue}`);
    const item = await detail(trx, itemIdValue);
    await deleteItemRow(trx, itemIdValue);
    return item;
  });
}

/** True when one code is the other, or an ancestor or descendant of it. */
export function related(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** The unresolved items (open, in progress), each with the codes it is linked to. */
export async function unresolvedItems(database: Database): Promise<RootCauseItem[]> {
  return selectItems(database.db, { statuses: UNRESOLVED_STATUSES });
}

/** The items that concern a reason: linked to it, to one of its ancestors or descendants. */
export function itemsForReason(items: readonly RootCauseItem[], code: string): ItemRef[] {
  const refs: ItemRef[] = [];
  for (const item of items) {
    const link = item.reasons.find((r) => r === code) ?? item.reasons.find((r) => related(r, code));
    if (link) refs.push({ id: item.id, title: item.title, status: item.status, owner: item.owner?.code ?? null, linkedTo: link });
  }
  return refs.sort((x, y) => x.id - y.id);
}
