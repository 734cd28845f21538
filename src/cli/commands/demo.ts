import type { Command } from 'commander';
import type { Database } from '../../db/engine.js';
import { loadDemoCompany, type DemoOptionsInput } from '../../ingest/demo/load.js';
import { globalOptions, printJson, withDatabase } from '../context.js';
import { bar, describeRead, formatInt, progressLine } from '../progress.js';
import { formatImportSummary } from './import.js';

/** Loads the demo company with progress on a terminal; shared by `winback demo` and `winback start`. */
export async function loadDemoWithProgress(database: Database, options: DemoOptionsInput, quiet = false) {
  const progress = progressLine();
  try {
    const result = await loadDemoCompany(database, options, (p) => {
      switch (p.type) {
        case 'generating':
          progress.update(`generating demo company ${bar(p.customersDone / p.customers)} ${formatInt(p.customersDone)} customers`);
          break;
        case 'importing':
          progress.update(describeRead(`importing ${p.entity}`, p.progress.rowsRead, p.progress.bytesRead, p.progress.totalBytes, p.progress.elapsedMs));
          break;
      }
    });
    progress.done();
    if (!quiet) for (const summary of result.imports) console.log(formatImportSummary(summary));
    return result;
  } finally {
    progress.done();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('load the demo company (deterministic synthetic data) through the import path')
    .option('--customers <n>', 'number of customers', '2000')
    .option('--seed <n>', 'random seed', '1')
    .option('--as-of <date>', 'end of the demo history (default: today)')
    .action(async (flags: { customers: string; seed: string; asOf?: string }, command: Command) => {
      await withDatabase(command, async (database) => {
        const result = await loadDemoWithProgress(database, flags, globalOptions(command).json);
        if (globalOptions(command).json) printJson(result);
        else console.log(`demo company loaded: ${formatInt(result.customers)} customers, seed ${result.seed}, history up to ${result.asOf.toISOString().slice(0, 10)}`);
      });
    });
}
