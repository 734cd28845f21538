import type { Command } from 'commander';
import { countRecords } from '../../overview/repository.js';
import { globalOptions, printJson, withDatabase } from '../context.js';
import { formatInt } from '../progress.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the database in use, its schema version and what it holds (applies pending migrations)')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const counts = await countRecords(database.db);
        const status = { engine: database.engine, location: database.location, schemaVersion: database.migrations.version, counts };
        if (globalOptions(command).json) return printJson(status);
        console.log(`database: ${database.engine} (${database.location}), schema version ${database.migrations.version}`);
        for (const [name, n] of Object.entries(counts)) console.log(`  ${name.padEnd(13)} ${formatInt(n).padStart(12)}`);
      });
    });
}
