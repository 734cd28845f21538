import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Database } from '../../db/engine.js';
import { importFile, type ImportProgress, type ImportSummary } from '../importer.js';
import { generateDemoCompany, type DemoFiles } from './generate.js';

/** Options of `winback demo` and POST /api/v1/demo — one schema for both. */
export const demoOptionsSchema = z.object({
  customers: z.coerce.number().int().min(1).max(10_000_000).default(2_000),
  seed: z.coerce.number().int().default(1),
  /** End of the demo history; default: the start of today (UTC), so the demo looks current. */
  asOf: z.coerce.date().optional(),
});
export type DemoOptionsInput = z.input<typeof demoOptionsSchema>;

export type DemoProgress =
  | { type: 'generating'; customersDone: number; customers: number }
  | { type: 'importing'; entity: keyof DemoFiles; progress: ImportProgress };

// Parents before children: importing orders needs their customers.
const IMPORT_ORDER: (keyof DemoFiles)[] = ['teams', 'employees', 'customers', 'contracts', 'orders', 'interactions', 'preferences'];

/**
 * Loads the demo company through the same import path a user's files take (so the demo also exercises it).
 * Deterministic for a given seed, size and as-of date; loading it again changes nothing.
 */
export async function loadDemoCompany(
  database: Database,
  input: DemoOptionsInput,
  onProgress?: (progress: DemoProgress) => void,
): Promise<{ asOf: Date; seed: number; customers: number; imports: ImportSummary[] }> {
  const options = demoOptionsSchema.parse(input);
  const asOf = options.asOf ?? startOfTodayUtc();
  const outDir = mkdtempSync(join(tmpdir(), 'winback-demo-'));
  try {
    const { files } = await generateDemoCompany({ customers: options.customers, seed: options.seed, asOf, outDir }, (customersDone) =>
      onProgress?.({ type: 'generating', customersDone, customers: options.customers }),
    );
    const imports: ImportSummary[] = [];
    for (const entity of IMPORT_ORDER) {
      imports.push(
        await importFile(database, files[entity], { entity }, { onProgress: (progress) => onProgress?.({ type: 'importing', entity, progress }) }),
      );
    }
    return { asOf, seed: options.seed, customers: options.customers, imports };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function startOfTodayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
