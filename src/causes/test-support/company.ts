import { mapContractReasons, verifyContractReason } from '../../analyse/index.js';
import type { Database } from '../../db/engine.js';
import { recomputeStates } from '../../identify/index.js';
import { importFile } from '../../ingest/importer.js';
import { csvFolder } from '../../ingest/test-support/files.js';

/*
 * A hand-computed company for step 3, states as of 2025-06-30; the reports cover [2024-07-01, 2025-07-01).
 *
 *   C1 north/E1 EUR  100.00/month, ends 2025-01-31, "We waited days for a call back" → service.slow_response     1,200.00
 *   C2 north/E1 EUR  200.00/month, ends 2025-03-31, "Way too expensive for us"     → mapped price.too_expensive 2,400.00,
 *                    verified service.unresolved_complaint (a recovery call: verifiedContract)
 *   C3 south/E2 EUR   50.00/month, ends 2024-10-15, "We waited weeks for an answer" → service.slow_response       600.00
 *   C4 south/E2 EUR  160.00/month, ends 2025-05-31, "Got a cheaper offer"           → price.competitor_cheaper  1,920.00
 *   C5 north/E1 EUR   25.00/month, ends 2024-08-31, "We are moving abroad"          → relocation                  300.00
 *   C6 north    GBP   80.00/month, ends 2025-02-28, "too expensive"                 → price.too_expensive   GBP 960.00
 *   C7 south    EUR   40.00/month, ends 2024-03-31, "slow response"                 → before the period
 *   C8 north/E1 EUR  orders 100 + 200 + 300 (2024-05-01, 06-01, 07-01): asleep 2024-10-01 (allowed gap 92 days),
 *                    600.00; no contract: a recovery call confirmed product.missing_feature
 *   C9 north/E1 EUR  contract running → active, not a loss
 *
 * EUR Pareto (full codes): service.unresolved_complaint 2,400 | price.competitor_cheaper 1,920 |
 *   service.slow_response 1,800 (2 customers) | product.missing_feature 600 (asleep) | relocation 300; total 7,020.
 * Level 1: service 4,200 (3) | price 1,920 | product 600 | relocation 300.
 */
export const AS_OF = '2025-06-30T00:00:00Z';
export const PERIOD = { from: '2024-07-01', to: '2025-07-01' } as const;

export const companyFiles = {
  teams: ['code,name', 'north,North', 'south,South', 'retention,Retention'],
  employees: ['code,name,team,role', 'E1,Anna Berg,north,frontline', 'E2,Ben Cole,south,frontline', 'A1,Cara Diaz,retention,agent'],
  customers: [
    'external_id,name,acquired_at,team,employee,currency',
    'C1,Alpha GmbH,2023-01-01,north,E1,EUR',
    'C2,Beta AG,2023-01-01,north,E1,EUR',
    'C3,Gamma KG,2023-01-01,south,E2,EUR',
    'C4,Delta SE,2023-01-01,south,E2,EUR',
    'C5,Epsilon UG,2023-01-01,north,E1,EUR',
    'C6,Zeta Ltd,2023-01-01,north,,GBP',
    'C7,Eta OHG,2023-01-01,south,,EUR',
    'C8,Theta eK,2024-05-01,north,E1,EUR',
    'C9,Iota GmbH,2023-01-01,north,E1,EUR',
  ],
  contracts: [
    'external_id,customer_id,plan,started_at,ends_at,cancelled_at,cancellation_reason,monthly_value,currency',
    'K1,C1,basic,2023-01-01,2025-01-31,2024-12-01,We waited days for a call back,100.00,EUR',
    'K2,C2,premium,2023-01-01,2025-03-31,2025-02-01,Way too expensive for us,200.00,EUR',
    'K3,C3,basic,2023-01-01,2024-10-15,2024-09-01,We waited weeks for an answer,50.00,EUR',
    'K4,C4,premium,2023-01-01,2025-05-31,2025-04-15,Got a cheaper offer,160.00,EUR',
    'K5,C5,basic,2023-01-01,2024-08-31,2024-07-01,We are moving abroad,25.00,EUR',
    'K6,C6,basic,2023-01-01,2025-02-28,2025-01-10,too expensive,80.00,GBP',
    'K7,C7,basic,2023-01-01,2024-03-31,2024-02-01,slow response,40.00,EUR',
    'K9,C9,basic,2023-01-01,,,,60.00,EUR',
  ],
  orders: [
    'external_id,customer_id,occurred_at,amount,currency',
    'O1,C8,2024-05-01,100.00,EUR',
    'O2,C8,2024-06-01,200.00,EUR',
    'O3,C8,2024-07-01,300.00,EUR',
  ],
};

export type CompanyIds = Record<string, number>;

/** Imports the company, computes the states, maps the reasons; returns customer and employee ids by code. */
export async function loadCompany(database: Database): Promise<{ customers: CompanyIds; employees: CompanyIds; contracts: CompanyIds }> {
  const folder = csvFolder();
  try {
    for (const entity of ['teams', 'employees', 'customers', 'contracts', 'orders'] as const) {
      await importFile(database, folder.write(`${entity}.csv`, companyFiles[entity]), { entity });
    }
  } finally {
    folder.remove();
  }
  await recomputeStates(database, { asOf: AS_OF });
  await mapContractReasons(database);
  const byKey = (rows: { id: number; key: string }[]) => Object.fromEntries(rows.map((r) => [r.key, Number(r.id)]));
  const db = database.db;
  return {
    customers: byKey(await db.selectFrom('customers').select(['id', 'external_id as key']).execute()),
    employees: byKey(await db.selectFrom('employees').select(['id', 'code as key']).execute()),
    contracts: byKey(await db.selectFrom('contracts').select(['id', 'external_id as key']).execute()),
  };
}

/**
 * The recovery calls of the story: C2's call diagnosed an unresolved complaint, the customer confirmed it and the
 * contract's reason was verified (as the guided call does); C1's call diagnosed a quality problem the customer did
 * not confirm (the mapped reason stays); C8's call confirmed a missing feature (an order customer: no contract).
 */
export async function recordCalls(database: Database, ids: Awaited<ReturnType<typeof loadCompany>>): Promise<void> {
  const call = (customer: string, at: string, explanation: string, diagnosed: string, confirmed: boolean, outcome: 'declined' | 'considering') => ({
    customer_id: ids.customers[customer]!,
    employee_id: ids.employees.A1!,
    channel: 'phone',
    occurred_at: at,
    apology_made: true,
    customer_explanation: explanation,
    diagnosed_reason: diagnosed,
    reason_confirmed: confirmed,
    outcome,
  });
  await database.db
    .insertInto('recovery_calls')
    .values([
      call('C2', '2025-04-10T09:00:00Z', 'Our complaint about the broken router was never resolved', 'service.unresolved_complaint', true, 'considering'),
      call('C1', '2025-02-12T09:00:00Z', 'The app kept crashing, and nobody called back', 'product.quality', false, 'declined'),
      call('C8', '2024-10-20T09:00:00Z', 'We need an export to our accounting software', 'product.missing_feature', true, 'considering'),
    ])
    .execute();
  await verifyContractReason(database, {
    contractId: ids.contracts.K2!,
    reasonCode: 'service.unresolved_complaint',
    verifiedAt: new Date('2025-04-10T09:00:00Z'),
    verifiedBy: ids.employees.A1!,
  });
}
