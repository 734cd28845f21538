import type { Command } from 'commander';
import { formatFitReport, formatValidationReport, runAnalysis } from '../../analyze/index.js';
import { formatRecompute } from '../../identify/index.js';
import { refreshCustomerBase, type RefreshResult } from '../../pipeline/refresh.js';
import { globalOptions, printJson, withDatabase } from '../context.js';
import { progressLine } from '../progress.js';
import { formatRecoveryScore } from './analyse.js';

function formatRefresh(r: RefreshResult): string {
  return [
    r.analysis ? formatFitReport(r.analysis) : `models not fitted: ${r.analysisSkipped?.message} (states use the inter-purchase rules)`,
    '',
    formatRecompute(r.states),
    '',
    `reasons: ${r.reasons.contracts} contracts with a reason, ${r.reasons.changed} newly mapped; segments of ${r.segments.customers} customers`,
    formatRecoveryScore(r.recovery),
    '',
    'next: `winback report losses --by quarter`, `winback recovery list`',
  ].join('\n');
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'fit the purchase and spend models, score every customer (P(alive), CLV), then update lifecycle states, reasons, segments and the recovery list; with --holdout only validate the models',
    )
    .option('--as-of <date>', 'end of the data to look at (default: now)')
    .option('--holdout <date>', 'validate only: calibrate up to this date and compare predictions with what happened after it')
    .option('--unit <unit>', 'model time unit: day, week or month', 'week')
    .option('--model <model>', 'purchase model: bgnbd, paretonbd or auto', 'bgnbd')
    .option('--horizon-months <n>', 'CLV horizon in months', '24')
    .option('--annual-discount-rate <rate>', 'discount rate per year for CLV', '0.1')
    .option('--margin-ratio <ratio>', 'margin as a share of spend (default: observed margins, else 0.3)')
    .option('--min-spend-customers <n>', 'fewest repeat customers of a currency to fit its spend model', '30')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const progress = progressLine();
        const json = globalOptions(command).json;
        try {
          if (flags.holdout) {
            const result = await runAnalysis(database, flags, (p) => progress.update(`analyze ${p.phase}: ${p.message}`));
            progress.done();
            return json ? printJson(result) : console.log(`${formatFitReport(result)}\n\n${formatValidationReport(result)}`);
          }
          const { holdout: _none, ...options } = flags;
          const result = await refreshCustomerBase(database, options, (step) => progress.update(`analyze: ${step}…`));
          progress.done();
          return json ? printJson(result) : console.log(formatRefresh(result));
        } finally {
          progress.done();
        }
      });
    });
}
