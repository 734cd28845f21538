import type { Command } from 'commander';
import { formatRecompute, recomputeStates } from '../../identify/index.js';
import { globalOptions, printJson, withDatabase } from '../context.js';
import { progressLine } from '../progress.js';

export function registerIdentify(program: Command): void {
  program
    .command('identify')
    .description('recompute every customer\'s lifecycle state (active, at_risk, sleeping, lost, won_back); writes transitions only where a state changed')
    .option('--as-of <date>', 'the instant the states describe (default: now)')
    .option('--sleeping-p-alive <p>', 'sleeping below this P(alive)', '0.3')
    .option('--sleeping-gap-factor <k>', 'unscored customers: sleeping after k × their median gap between purchases', '3')
    .option('--sleeping-min-gap-days <n>', 'the allowed gap is at least this many days', '90')
    .option('--single-purchase-gap-days <n>', 'allowed gap of a customer with one purchase day', '365')
    .option('--at-risk-p-alive <p>', 'at risk below this P(alive)', '0.6')
    .option('--at-risk-p-alive-drop <d>', 'at risk when P(alive) fell by this much since the previous analysis', '0.2')
    .option('--complaints-threshold <n>', 'at risk with this many complaints in the recent window', '2')
    .option('--batch-size <n>', 'customers per batch', '10000')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const progress = progressLine();
        const result = await recomputeStates(database, flags, (done) => progress.update(`identify: ${done} customers`)).finally(() => progress.done());
        if (globalOptions(command).json) return printJson(result);
        console.log(formatRecompute(result));
      });
    });
}
