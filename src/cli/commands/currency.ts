import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { currencySettings, describeRate, setExchangeRate, setReportingCurrency, TAKES_EFFECT, type ExchangeRate } from '../../currency/index.js';
import { globalOptions, printJson, withDatabase } from '../context.js';

/** Recorded with each change: who ran the command (the OS user unless --by says otherwise). */
function author(by: string | undefined): string {
  if (by) return by;
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

const rateLine = (r: ExchangeRate, reporting: string) =>
  `  ${describeRate(r, reporting).padEnd(32)} set ${r.updatedAt.toISOString().slice(0, 16).replace('T', ' ')} by ${r.updatedBy}`;

/** `winback currency show|set-reporting|set-rate`: the reporting currency and the exchange rates into it. */
export function registerCurrency(program: Command): void {
  const currency = program.command('currency').description('the reporting currency and the exchange rates into it (amounts of several currencies are compared and summed in it)');
  currency
    .command('show')
    .description('the reporting currency and every rate')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const s = await currencySettings(database);
        if (globalOptions(command).json) return printJson({ ...s, takesEffect: TAKES_EFFECT });
        console.log(`reporting currency: ${s.reportingCurrency} (set ${s.updatedAt.toISOString().slice(0, 10)} by ${s.updatedBy})`);
        if (s.rates.length === 0) console.log('  no exchange rates: amounts in other currencies are not converted');
        for (const r of s.rates) console.log(rateLine(r, s.reportingCurrency));
        console.log('a currency without a rate is not converted: its recovery scores are listed last, its losses reported apart');
      });
    });
  currency
    .command('set-reporting')
    .description('report in another currency; it needs a rate, and every rate is re-expressed in it')
    .argument('<code>', 'ISO 4217 code, e.g. CHF')
    .option('--by <name>', 'who makes the change (default: the user name)')
    .action(async (code: string, flags: { by?: string }, command: Command) => {
      await withDatabase(command, async (database) => {
        const r = await setReportingCurrency(database, { currency: code, updatedBy: author(flags.by) });
        if (globalOptions(command).json) return printJson(r);
        console.log(r.previous === r.reportingCurrency ? `the reporting currency is already ${r.reportingCurrency}` : `reporting currency: ${r.previous} → ${r.reportingCurrency}; rates now:`);
        for (const x of r.rates) console.log(rateLine(x, r.reportingCurrency));
        console.log(TAKES_EFFECT);
      });
    });
  currency
    .command('set-rate')
    .description('set the value of one unit of a currency in the reporting currency')
    .argument('<code>', 'ISO 4217 code, e.g. GBP')
    .argument('<rate>', 'decimal, e.g. 1.17 for 1 GBP = 1.17 EUR')
    .option('--by <name>', 'who makes the change (default: the user name)')
    .action(async (code: string, rate: string, flags: { by?: string }, command: Command) => {
      await withDatabase(command, async (database) => {
        const r = await setExchangeRate(database, { currency: code, rate, updatedBy: author(flags.by) });
        if (globalOptions(command).json) return printJson(r);
        console.log(`${describeRate(r.rate, r.reportingCurrency)}${r.previous === null ? ' (new)' : r.previous === r.rate.rate ? ' (unchanged)' : ` (was ${r.previous})`}`);
        console.log(TAKES_EFFECT);
      });
    });
}
