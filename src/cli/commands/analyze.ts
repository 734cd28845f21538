import type { Command } from 'commander';
import { formatFitReport, formatValidationReport, runAnalysis } from '../../analyze/index.js';
import { globalOptions, printJson, withDatabase } from '../context.js';
import { progressLine } from '../progress.js';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('fit the purchase and spend models on the orders and score every customer (P(alive), expected purchases, CLV)')
    .option('--as-of <date>', 'end of the data to look at (default: now)')
    .option('--holdout <date>', 'validate: calibrate up to this date and compare predictions with what happened after it')
    .option('--unit <unit>', 'model time unit: day, week or month', 'week')
    .option('--model <model>', 'purchase model: bgnbd, paretonbd or auto', 'bgnbd')
    .option('--horizon-months <n>', 'CLV horizon in months', '24')
    .option('--annual-discount-rate <rate>', 'discount rate per year for CLV', '0.1')
    .option('--margin-ratio <ratio>', 'margin as a share of spend (default: observed margins, else 0.3)')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const progress = progressLine();
        const started = performance.now();
        const result = await runAnalysis(database, flags, (p) =>
          progress.update(`analyze ${p.phase}: ${p.message} (${((performance.now() - started) / 1000).toFixed(1)} s)`),
        ).finally(() => progress.done());
        if (globalOptions(command).json) return printJson(result);
        console.log(formatFitReport(result));
        if (result.validation.length > 0) console.log('\n' + formatValidationReport(result));
      });
    });
}
