import type { Command } from 'commander';
import { importFile, type ImportSummary } from '../../ingest/importer.js';
import { ENTITY_NAMES } from '../../ingest/options.js';
import { DATE_FORMATS } from '../../ingest/values.js';
import { globalOptions, printJson, withDatabase } from '../context.js';
import { describeRead, formatInt, progressLine } from '../progress.js';

export function formatImportSummary(s: ImportSummary): string {
  const extras = [
    s.rejected > 0 ? `${formatInt(s.rejected)} rejected → ${s.rejectsFile}` : '',
    s.attributeColumns.length > 0 ? `kept as attributes: ${s.attributeColumns.join(', ')}` : '',
    s.ignoredColumns.length > 0 ? `ignored columns: ${s.ignoredColumns.join(', ')}` : '',
  ].filter(Boolean);
  return (
    `${s.file}: ${formatInt(s.rowsRead)} ${s.entity} rows read — ${formatInt(s.inserted)} new, ${formatInt(s.updated)} updated, ` +
    `${formatInt(s.unchanged)} unchanged (${(s.durationMs / 1000).toFixed(1)} s, ${formatInt(s.rowsPerSecond)} rows/s)` +
    (extras.length > 0 ? `; ${extras.join('; ')}` : '')
  );
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a CSV file, all or nothing; importing the same file again changes nothing')
    .argument('<entity>', ENTITY_NAMES.join('|'))
    .argument('<file>', 'CSV file with a header row')
    .option('--map <field=Column,...>', "use these columns for winback's fields, e.g. --map customer_id=Kundennr,amount=Betrag")
    .option('--date-format <format>', `how dates are written: ${DATE_FORMATS.join(', ')}`, 'iso')
    .option('--timezone <zone>', 'time zone of dates written without an offset', 'UTC')
    .option('--decimal <separator>', 'decimal separator of amounts: point or comma', 'point')
    .option('--currency <code>', 'currency of amounts when the file has no currency column')
    .option('--delimiter <char>', 'field separator', ',')
    .option('--skip-invalid', 'import the valid rows and write the rejected ones to a file')
    .option('--rejects-file <path>', 'where --skip-invalid writes rejected rows (default: FILE.rejects.csv)')
    .option('--max-errors <n>', 'problems to list before giving up', '20')
    .action(async (entity: string, file: string, flags: Record<string, unknown>, command: Command) => {
      await withDatabase(command, async (database, signal) => {
        const progress = progressLine();
        const summary = await importFile(
          database,
          file,
          { entity: entity as never, ...flags },
          {
            signal,
            onProgress: (p) => progress.update(describeRead(`${entity} ${p.phase}`, p.rowsRead, p.bytesRead, p.totalBytes, p.elapsedMs)),
          },
        ).finally(() => progress.done());
        if (globalOptions(command).json) printJson(summary);
        else console.log(formatImportSummary(summary));
      });
    });
}
