import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import {
  customerProfile,
  customersCsv,
  customerTimeline,
  CustomersError,
  CUSTOMER_SORTS,
  formatCustomerList,
  formatPeople,
  formatPreferences,
  formatProfile,
  formatTimeline,
  listCustomers,
  listEmployees,
  listTeams,
  updatePreferences,
  type CustomerListQueryInput,
  type PreferencesInput,
} from '../../customers/index.js';
import { globalOptions, printJson, printResult, withDatabase } from '../context.js';

type Flags = Record<string, string | boolean | undefined>;

/** `winback customers list|show|timeline|prefs` and `winback people` (teams and employees). */
export function registerCustomers(program: Command): void {
  const customers = program.command('customers').description('customers: search and list, export, profile, timeline, contact preferences');

  customers
    .command('list')
    .description('customers matching a search and filters, sorted and paged (or every match as CSV)')
    .option('-q, --q <text>', 'search: prefix of the name, company, external id or e-mail (case-insensitive)')
    .option('--match <mode>', 'prefix (indexed) or contains (a scan of every customer)')
    .option('--state <states>', 'lifecycle states, comma-separated (active, at_risk, sleeping, lost, won_back)')
    .option('--segment <segments>', 'segments, comma-separated (true_friends, butterflies, barnacles, strangers)')
    .option('--reason <code>', 'departure reason of the recovery score, with its children')
    .option('--team <code>', 'customers this team serves')
    .option('--employee <code>', 'customers this employee serves')
    .option('--p-alive-min <p>', 'P(alive) at least')
    .option('--p-alive-max <p>', 'P(alive) at most')
    .option('--clv-min <minor>', 'CLV at least, minor units of the reporting currency')
    .option('--clv-max <minor>', 'CLV at most, minor units of the reporting currency')
    .option('--do-not-contact <bool>', 'true: only customers who asked not to be contacted; false: only the others')
    .option('--sort <key>', CUSTOMER_SORTS.join(', '))
    .option('--order <order>', 'asc or desc (default per sort)')
    .option('--limit <n>', 'rows per page')
    .option('--page <n>', 'page number (1-based)')
    .option('--after <cursor>', 'the next-page cursor of the previous page')
    .option('--count-limit <n>', 'count matches up to this many (0: do not count)')
    .option('--format <format>', 'table, json or csv (csv: every match, no paging)', 'table')
    .option('--out <file>', 'write to this file (csv from the extension when --format is not given)')
    .action(async (flags: Flags, command: Command) => {
      const { format: formatFlag, out, ...query } = flags as Flags & { format: string; out?: string };
      const format = formatFlag === 'table' && out?.endsWith('.csv') ? 'csv' : formatFlag === 'table' && out?.endsWith('.json') ? 'json' : formatFlag;
      if (!['table', 'csv', 'json'].includes(format)) throw new CustomersError('invalid_input', `--format: expected one of table, csv, json (${format})`);
      await withDatabase(command, async (database) => {
        if (format === 'csv') {
          const lines = Readable.from(await customersCsv(database, query as CustomerListQueryInput));
          if (!out) return pipeline(lines, process.stdout, { end: false });
          let rows = -1; // the header
          await pipeline(
            lines,
            async function* (source: AsyncIterable<string>) {
              for await (const chunk of source) {
                for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) rows++;
                yield chunk;
              }
            },
            createWriteStream(out),
          );
          if (globalOptions(command).json) printJson({ written: out, rows });
          else console.log(`${rows} customers written to ${out}`);
          return;
        }
        const list = await listCustomers(database, query as CustomerListQueryInput);
        const text = format === 'json' || globalOptions(command).json ? JSON.stringify(list, null, 2) + '\n' : formatCustomerList(list) + '\n';
        if (out) {
          await pipeline(Readable.from([text]), createWriteStream(out));
          console.log(`${list.items.length} customers written to ${out}`);
        } else process.stdout.write(text);
      });
    });

  customers
    .command('show')
    .description("a customer's profile: facts, state and its history, preferences, scores explained, contracts, orders, calls")
    .argument('<id>', 'customer id (the number in the list)')
    .action(async (id: string, _flags: Flags, command: Command) => {
      await printResult(command, (database) => customerProfile(database, id), formatProfile);
    });

  customers
    .command('timeline')
    .description("a customer's events, newest first")
    .argument('<id>', 'customer id')
    .option('--before <cursor-or-date>', 'the cursor printed at the end of the previous page, or a date')
    .option('--limit <n>', 'events per page', '50')
    .action(async (id: string, flags: Flags, command: Command) => {
      await printResult(command, (database) => customerTimeline(database, id, flags as { before?: string; limit?: string }), formatTimeline);
    });

  customers
    .command('prefs')
    .description('change contact preferences (only what is given); do-not-contact applies to the next contact at once')
    .argument('<id>', 'customer id')
    .option('--channels <list>', 'allowed channels, comma-separated (phone, email, sms, letter, visit)')
    .option('--max-per-30-days <n>', 'at most n contacts in 30 days')
    .option('--max-contacts <n>', 'at most n contacts … (with --per-days)')
    .option('--per-days <days>', '… within this many days')
    .option('--no-frequency-limit', "drop the customer's own frequency limit (the company policy applies)")
    .option('--hours <from-to>', 'contact hours in the customer\'s time zone, e.g. 09:00-17:00 ("none" clears them)')
    .option('--preferred-employee <code>', 'the employee the customer wants to deal with ("none" clears it)')
    .option('--do-not-contact', 'the customer asked not to be contacted')
    .option('--source <text>', 'who or what asked (with --do-not-contact; default: manual)')
    .option('--at <date>', 'when they asked (with --do-not-contact; default: now)')
    .option('--allow-contact', 'contact is allowed again')
    .action(async (id: string, flags: Flags, command: Command) => {
      if (flags.doNotContact && flags.allowContact) throw new CustomersError('invalid_input', 'give --do-not-contact or --allow-contact, not both');
      if (flags.maxPer30Days !== undefined && (flags.maxContacts !== undefined || flags.perDays !== undefined)) {
        throw new CustomersError('invalid_input', 'give --max-per-30-days or --max-contacts with --per-days, not both');
      }
      const input: Record<string, unknown> = {};
      if (flags.channels !== undefined) input.allowedChannels = flags.channels;
      if (flags.maxPer30Days !== undefined) Object.assign(input, { maxContacts: flags.maxPer30Days, perDays: 30 });
      if (flags.maxContacts !== undefined || flags.perDays !== undefined) Object.assign(input, { maxContacts: flags.maxContacts, perDays: flags.perDays });
      // commander sets frequencyLimit to false for --no-frequency-limit (true by default).
      if (flags.frequencyLimit === false) Object.assign(input, { maxContacts: null, perDays: null });
      if (typeof flags.hours === 'string') {
        const [from, to] = flags.hours === 'none' ? [null, null] : flags.hours.split('-');
        Object.assign(input, { contactHoursStart: from ?? null, contactHoursEnd: to ?? null });
      }
      if (typeof flags.preferredEmployee === 'string') input.preferredEmployee = flags.preferredEmployee === 'none' ? null : flags.preferredEmployee;
      if (flags.doNotContact) Object.assign(input, { doNotContact: true, ...(flags.source ? { doNotContactSource: flags.source } : {}), ...(flags.at ? { doNotContactAt: flags.at } : {}) });
      else if (flags.source || flags.at) throw new CustomersError('invalid_input', '--source and --at go with --do-not-contact');
      if (flags.allowContact) input.doNotContact = false;
      await printResult(command, (database) => updatePreferences(database, id, input as PreferencesInput), formatPreferences);
    });

  program
    .command('people')
    .description('teams and employees')
    .command('list')
    .description('teams and employees (codes for --team, --employee and "acting as")')
    .option('--team <code>', 'only the employees of this team')
    .action(async (flags: Flags, command: Command) => {
      await printResult(
        command,
        async (database) => {
          const [teams, employees] = await Promise.all([listTeams(database), listEmployees(database, flags as { team?: string })]);
          return { teams, employees };
        },
        ({ teams, employees }) => formatPeople(teams, employees),
      );
    });
}
