import { Command } from 'commander';
import { registerAnalyse } from './commands/analyse.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerCurrency } from './commands/currency.js';
import { registerCauses } from './commands/causes.js';
import { registerCustomers } from './commands/customers.js';
import { registerDemo } from './commands/demo.js';
import { registerIdentify } from './commands/identify.js';
import { registerImport } from './commands/import.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerStatus } from './commands/status.js';
import { registerWinback } from './commands/winback.js';
import { failWith } from './context.js';

const program = new Command()
  .name('winback')
  .description('customer recovery management: identify, analyse, fix the causes, win back, care')
  .option('--data-dir <dir>', 'embedded database directory (default ./winback-data, or WINBACK_DATA_DIR)')
  .option('--database-url <url>', 'PostgreSQL server to use instead of the embedded database (or DATABASE_URL)')
  .option('--json', 'print results as JSON')
  .showHelpAfterError();

registerImport(program);
registerDemo(program);
registerStatus(program);
registerAnalyze(program);
registerIdentify(program);
registerReport(program);
registerAnalyse(program);
registerCurrency(program);
registerCauses(program);
registerCustomers(program);
registerWinback(program);
registerServe(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  failWith(error, Boolean(program.opts().json));
}
