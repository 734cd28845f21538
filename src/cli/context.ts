import type { Command } from 'commander';
import { openDatabase, databaseOptionsFromEnv, type Database, type DatabaseOptions } from '../db/engine.js';
import { reportError } from '../shared/errors.js';

export interface GlobalOptions {
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
}

export function databaseOptions(global: GlobalOptions): DatabaseOptions {
  if (global.databaseUrl) return { databaseUrl: global.databaseUrl };
  if (global.dataDir) return { dataDir: global.dataDir };
  return databaseOptionsFromEnv();
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/**
 * Runs a command body with an open database, and always closes it — also on Ctrl-C, so PGlite's files are
 * never left half-written: the first Ctrl-C aborts the work (an import rolls back) and closes cleanly.
 */
export async function withDatabase(command: Command, body: (database: Database, signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) return;
    process.stderr.write('\ninterrupted: stopping and closing the database cleanly…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let database: Database | undefined;
  try {
    database = await openDatabase(databaseOptions(globalOptions(command)));
    await body(database, controller.signal);
  } finally {
    await database?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (controller.signal.aborted) process.exitCode = 130;
  }
}

/** The one place the CLI turns an error into a message and an exit code. */
export function failWith(error: unknown, json: boolean): void {
  const report = reportError(error);
  if (json) process.stdout.write(JSON.stringify(report.body, null, 2) + '\n');
  else process.stderr.write(`winback: ${report.body.error.message}\n`);
  if (report.body.error.domain === 'internal' && process.env.WINBACK_DEBUG) console.error(error);
  process.exitCode = process.exitCode === 130 ? 130 : report.exitCode;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Runs a command's work on an open database and prints its result: as JSON with --json, else as `text` formats it. */
export async function printResult<T>(command: Command, work: (database: Database) => Promise<T>, text: (result: T) => string): Promise<void> {
  await withDatabase(command, async (database) => {
    const result = await work(database);
    if (globalOptions(command).json) printJson(result);
    else console.log(text(result));
  });
}
