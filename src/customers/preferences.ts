/**
 * Editing a customer's contact preferences (PUT /api/v1/customers/:id/preferences, `winback customers prefs`).
 * The row is the one src/contact's gate reads on every contact, so a change — above all do-not-contact — applies
 * to the next contact the moment it commits. The change takes the customer's contact lock (the gate's), so a
 * contact being checked while it is saved is decided entirely before or entirely after it.
 */
import { sql, type Updateable } from 'kysely';
import { lockCustomerContacts, setDoNotContact } from '../contact/repository.js';
import type { Database } from '../db/engine.js';
import type { ContactPreferencesTable } from '../db/schema.js';
import { CustomersError } from './errors.js';
import { readPreferences, requireCustomer, type ContactPreferencesView } from './profile.js';
import { customerIdSchema, parseInput, preferencesInputSchema, type PreferencesInput } from './schemas.js';

/** Where a do-not-contact wish came from when the change does not say: a person using winback. */
export const DEFAULT_DNC_SOURCE = 'manual';

export async function updatePreferences(database: Database, idInput: number | string, input: PreferencesInput): Promise<ContactPreferencesView> {
  const { id } = parseInput(customerIdSchema, { id: idInput }, 'customer id');
  const p = parseInput(preferencesInputSchema, input, 'contact preferences');
  return database.db.transaction().execute(async (trx) => {
    await requireCustomer(trx, id);
    let preferredEmployeeId: number | null | undefined;
    if (p.preferredEmployee !== undefined) {
      if (p.preferredEmployee === null) preferredEmployeeId = null;
      else {
        const e = await trx.selectFrom('employees').select('id').where('code', '=', p.preferredEmployee).executeTakeFirst();
        if (!e) throw new CustomersError('unknown_employee', `no employee with code "${p.preferredEmployee}"`);
        preferredEmployeeId = Number(e.id);
      }
    }
    await lockCustomerContacts(trx, id);
    // A customer without preferences of their own gets the table's defaults (every channel) for what is not given.
    await trx.insertInto('contact_preferences').values({ customer_id: id, do_not_contact: false }).onConflict((oc) => oc.column('customer_id').doNothing()).execute();
    const set: Updateable<ContactPreferencesTable> = {};
    if (p.allowedChannels !== undefined) set.allowed_channels = [...new Set(p.allowedChannels)];
    if (p.maxContacts !== undefined) {
      set.max_contacts = p.maxContacts;
      set.per_days = p.perDays ?? null;
    }
    if (p.contactHoursStart !== undefined) {
      set.contact_hours_start = p.contactHoursStart;
      set.contact_hours_end = p.contactHoursEnd ?? null;
    }
    if (preferredEmployeeId !== undefined) set.preferred_employee_id = preferredEmployeeId;
    if (p.doNotContact === false) {
      set.do_not_contact = false;
      set.do_not_contact_at = null;
      set.do_not_contact_source = null;
    }
    if (Object.keys(set).length > 0) {
      await trx
        .updateTable('contact_preferences')
        .set({ ...set, updated_at: sql`now()` })
        .where('customer_id', '=', id)
        .execute();
    }
    // The contact domain's own writer: a customer who already asked keeps the date and source of record.
    if (p.doNotContact === true) await setDoNotContact(trx, id, p.doNotContactAt ?? new Date(), p.doNotContactSource ?? DEFAULT_DNC_SOURCE);
    return readPreferences(trx, id);
  });
}
