/**
 * People type codes and external ids, the API takes internal ids: the CLI resolves an employee's code, a
 * customer's external id and an offer's code here (a plain number is taken as the id itself).
 */
import type { Database } from '../db/engine.js';
import { WinbackError } from './errors.js';

const isId = (ref: string) => /^\d+$/.test(ref);

export async function employeeIdOf(database: Database, ref: string): Promise<number> {
  const row = await database.db.selectFrom('employees').select('id').where(isId(ref) ? 'id' : 'code', '=', isId(ref) ? Number(ref) : ref).executeTakeFirst();
  if (!row) throw new WinbackError('employee_not_found', `no employee with ${isId(ref) ? 'id' : 'code'} ${ref}`);
  return Number(row.id);
}

export async function customerIdOf(database: Database, ref: string): Promise<number> {
  // External ids may be numbers too: the external id wins over the internal id.
  const byExternal = await database.db.selectFrom('customers').select('id').where('external_id', '=', ref).executeTakeFirst();
  if (byExternal) return Number(byExternal.id);
  const byId = isId(ref) ? await database.db.selectFrom('customers').select('id').where('id', '=', Number(ref)).executeTakeFirst() : undefined;
  if (!byId) throw new WinbackError('customer_not_found', `no customer with external id ${ref}`);
  return Number(byId.id);
}

export async function offerIdOf(database: Database, ref: string): Promise<number> {
  const row = await database.db.selectFrom('offers').select('id').where(isId(ref) ? 'id' : 'code', '=', isId(ref) ? Number(ref) : ref).executeTakeFirst();
  if (!row) throw new WinbackError('offer_not_found', `no offer with ${isId(ref) ? 'id' : 'code'} ${ref}`);
  return Number(row.id);
}
