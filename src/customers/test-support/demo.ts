import type { Database } from '../../db/engine.js';
import { loadDemoCompany } from '../../ingest/demo/load.js';
import { refreshCustomerBase } from '../../pipeline/refresh.js';

export const DEMO_AS_OF = new Date('2025-06-30T00:00:00Z');

/**
 * The demo company (deterministic for its seed) with everything derived from it: analysis scores, lifecycle
 * states with their history, reasons, segments and recovery scores — every column the customer list shows.
 */
export async function loadDemo(database: Database, customers = 400): Promise<void> {
  await loadDemoCompany(database, { customers, seed: 3, asOf: DEMO_AS_OF });
  await refreshCustomerBase(database, { asOf: DEMO_AS_OF });
}
