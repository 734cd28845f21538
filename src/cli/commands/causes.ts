import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  createItem,
  deleteItem,
  formatFeedback,
  formatItem,
  formatItemList,
  formatPareto,
  formatTrendsCsv,
  formatTrendsTable,
  frontlineFeedback,
  getItem,
  linkItemTo,
  listItems,
  reasonPareto,
  reasonTrends,
  updateItem,
  CausesError,
  ROOT_CAUSE_STATUSES,
  type FeedbackQueryInput,
  type ItemCreateInput,
  type ItemLinksInput,
  type ItemListQueryInput,
  type ItemUpdateInput,
  type ParetoQueryInput,
  type TrendsQueryInput,
} from '../../causes/index.js';
import { globalOptions, printJson, withDatabase } from '../context.js';

type Flags = Record<string, string | string[] | boolean | undefined>;

/** Repeatable flags (`--reason a --reason b`; a value may also list several, comma-separated). */
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--reason` and `--customer` (repeatable) are the schema's `reasons` and `customers`. */
const links = ({ reason, customer, ...rest }: Flags) => ({ ...rest, ...(reason !== undefined ? { reasons: reason } : {}), ...(customer !== undefined ? { customers: customer } : {}) });

/** The options every loss report shares (the domain's zod schema validates them). */
function lossOptions(command: Command, what: 'pareto' | 'trends' | 'feedback'): Command {
  command
    .option('--from <date>', 'first day included (default: 12 months before --to)')
    .option('--to <date>', 'end of the period, excluded (default: now)')
    .option('--level <n>', 'roll reasons up to this level of the hierarchy (1: service.slow_response → service)')
    .option('--state <state>', 'lost or sleeping only (default: both)')
    .option('--team <code>', what === 'feedback' ? 'the team whose customers left' : 'only customers this team serves')
    .option('--employee <code>', what === 'feedback' ? 'the employee whose customers left' : 'only customers this employee serves');
  if (what !== 'feedback') command.option('--reason <code>', 'only this reason and its children');
  else command.option('--limit <n>', 'customers listed (default 100)').option('--offset <n>', 'customers skipped, most recent first (default 0)');
  return command;
}

/** `winback causes pareto|trends|feedback`, `winback causes items …` (step 3: fix the causes). */
export function registerCauses(program: Command): void {
  const causes = program.command('causes').description('fix the causes: reasons by revenue lost, trends, frontline feedback, root-cause items');

  lossOptions(causes.command('pareto').description('departure reasons ranked by revenue lost, with shares, cumulative shares and open root-cause items'), 'pareto').action(
    async (flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const report = await reasonPareto(database, flags as ParetoQueryInput);
        if (globalOptions(command).json) return printJson(report);
        console.log(formatPareto(report));
      });
    },
  );

  lossOptions(causes.command('trends').description('customers and revenue lost per month or quarter and reason (long format, for charts)'), 'trends')
    .option('--by <period>', 'month or quarter', 'month')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--out <file>', 'write the report to this file (csv or json from --format or the file extension)')
    .action(async (flags: Flags, command: Command) => {
      const { format: formatFlag, out, ...options } = flags as Flags & { format?: string; out?: string };
      const format = formatFlag === 'table' && out ? (out.endsWith('.json') ? 'json' : out.endsWith('.csv') ? 'csv' : 'table') : (formatFlag ?? 'table');
      if (!['table', 'csv', 'json'].includes(format)) throw new CausesError('invalid_options', `--format: expected one of table, csv, json (${format})`);
      await withDatabase(command, async (database) => {
        const report = await reasonTrends(database, options as TrendsQueryInput);
        const json = format === 'json' || globalOptions(command).json;
        const text = json ? JSON.stringify(report, null, 2) + '\n' : format === 'csv' ? formatTrendsCsv(report) : formatTrendsTable(report) + '\n';
        if (out) {
          writeFileSync(out, text);
          if (globalOptions(command).json) printJson({ written: out, rows: report.rows.length });
          else console.log(`${report.rows.length} rows written to ${out}`);
        } else process.stdout.write(text);
      });
    });

  lossOptions(causes.command('feedback').description('the lost customers of a team or an employee: reasons, the customers\' own words, team vs. company'), 'feedback')
    .option('--top <n>', 'reasons compared with the company', '5')
    .action(async (flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const report = await frontlineFeedback(database, flags as FeedbackQueryInput);
        if (globalOptions(command).json) return printJson(report);
        console.log(formatFeedback(report));
      });
    });

  const items = causes.command('items').description('root-cause items: the problems behind departures, their owners and status');
  items
    .command('list')
    .description('root-cause items, newest first')
    .option('--status <status>', `${ROOT_CAUSE_STATUSES.join(', ')} (repeatable)`, collect)
    .option('--reason <code>', 'items linked to this reason, a parent or a child of it')
    .option('--owner <code>', 'items this employee owns')
    .option('--customer <id>', 'items linked to this customer (external id)')
    .action(async (flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const list = await listItems(database, flags as ItemListQueryInput);
        if (globalOptions(command).json) return printJson(list);
        console.log(formatItemList(list));
      });
    });
  items
    .command('show')
    .description('one item with its customers and status history')
    .argument('<id>', 'item id')
    .action(async (id: string, _flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const item = await getItem(database, id);
        if (globalOptions(command).json) return printJson(item);
        console.log(formatItem(item));
      });
    });
  items
    .command('add')
    .description('record a root-cause item')
    .argument('<title>', 'the problem, in a line')
    .option('--description <text>', 'what is wrong and what would fix it')
    .option('--owner <code>', 'the employee who owns the fix')
    .option('--status <status>', ROOT_CAUSE_STATUSES.join(', '), 'open')
    .option('--reason <code>', 'a reason it explains (repeatable)', collect)
    .option('--customer <id>', 'a customer it concerns, by external id (repeatable)', collect)
    .option('--by <code>', 'who records it (employee code)')
    .option('--note <text>', 'a note for the history')
    .action(async (title: string, flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const item = await createItem(database, { ...links(flags), title } as ItemCreateInput);
        if (globalOptions(command).json) return printJson(item);
        console.log(`recorded root-cause item #${item.id}`);
        console.log(formatItem(item));
      });
    });
  items
    .command('update')
    .description('change an item; a status change is kept in its history')
    .argument('<id>', 'item id')
    .option('--title <text>', 'new title')
    .option('--description <text>', 'new description ("" clears it)')
    .option('--owner <code>', 'new owner (employee code)')
    .option('--no-owner', 'nobody owns it')
    .option('--status <status>', ROOT_CAUSE_STATUSES.join(', '))
    .option('--by <code>', 'who changes it (employee code)')
    .option('--note <text>', 'why (kept with a status change)')
    .action(async (id: string, flags: Flags, command: Command) => {
      const { owner, ...rest } = flags;
      await withDatabase(command, async (database) => {
        const item = await updateItem(database, id, { ...rest, ...(owner === false ? { owner: null } : owner !== undefined ? { owner } : {}) } as ItemUpdateInput);
        if (globalOptions(command).json) return printJson(item);
        console.log(formatItem(item));
      });
    });
  items
    .command('link')
    .description('link reasons and customers to an item (or unlink them with --remove)')
    .argument('<id>', 'item id')
    .option('--reason <code>', 'reason code (repeatable)', collect)
    .option('--customer <id>', 'customer external id (repeatable)', collect)
    .option('--remove', 'unlink instead')
    .action(async (id: string, flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const result = await linkItemTo(database, id, links(flags) as ItemLinksInput);
        if (globalOptions(command).json) return printJson(result);
        const verb = flags.remove ? 'unlinked' : 'linked';
        console.log(`${verb} ${result.changed.reasons} reasons and ${result.changed.customers} customers`);
        console.log(formatItem(result.item));
      });
    });
  items
    .command('remove')
    .description('delete an item recorded by mistake, with its links and history (otherwise: update --status wont_fix)')
    .argument('<id>', 'item id')
    .action(async (id: string, _flags: Flags, command: Command) => {
      await withDatabase(command, async (database) => {
        const item = await deleteItem(database, id);
        if (globalOptions(command).json) return printJson(item);
        console.log(`deleted root-cause item #${item.id} ${item.title}`);
      });
    });
}
