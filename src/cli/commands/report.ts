import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatLossCsv, formatLossTable, LOSS_GROUPS, lossReport } from '../../identify/index.js';
import { globalOptions, printJson, withDatabase } from '../context.js';

export function registerReport(program: Command): void {
  const report = program.command('report').description('reports');
  report
    .command('losses')
    .description('customers newly lost and sleeping per month or quarter, the revenue that left with them, churn rates')
    .option('--by <period>', 'month or quarter', 'month')
    .option('--group-by <group>', LOSS_GROUPS.join(', '))
    .option('--from <date>', 'first period (default: the first loss)')
    .option('--to <date>', 'last instant included (default: now)')
    .option('--known-at <date>', 'only transitions recorded by then')
    .option('--currency <code>', 'money of the customers paying in this currency, in it (default: all, in the reporting currency)')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--out <file>', 'write the report to this file (format from --format, or from the file extension)')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      const { format: formatFlag, out, ...options } = flags;
      const format = formatFlag === 'table' && out ? (out.endsWith('.json') ? 'json' : out.endsWith('.csv') ? 'csv' : 'table') : (formatFlag ?? 'table');
      if (!['table', 'csv', 'json'].includes(format)) throw new Error(`--format: expected one of table, csv, json (${format})`);
      await withDatabase(command, async (database) => {
        const result = await lossReport(database, options);
        const text = format === 'json' || globalOptions(command).json ? JSON.stringify(result, null, 2) + '\n' : format === 'csv' ? formatLossCsv(result) : formatLossTable(result) + '\n';
        if (out) {
          writeFileSync(out, text);
          console.log(formatLossTable(result));
          console.log(`written to ${out}${format === 'table' ? '' : ` (money per currency and in ${result.reportingCurrency}, with the rates used)`}`);
        } else if (globalOptions(command).json) printJson(result);
        else process.stdout.write(text);
      });
    });
}
