import { once } from 'node:events';
import type { Command } from 'commander';
import type { Database } from '../../db/engine.js';
import { countRecords } from '../../overview/repository.js';
import { refreshCustomerBase } from '../../pipeline/refresh.js';
import { buildServer } from '../../server/app.js';
import { withDatabase } from '../context.js';
import { loadDemoWithProgress } from './demo.js';

interface ServeFlags {
  port: string;
  host: string;
  log?: boolean;
}

/** Serves until Ctrl-C / SIGTERM, then stops accepting requests, lets running ones finish, and closes the database. */
async function serveUntilStopped(database: Database, signal: AbortSignal, flags: ServeFlags): Promise<void> {
  const app = await buildServer(database, { logger: flags.log ?? false });
  await app.listen({ port: Number(flags.port), host: flags.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : Number(flags.port);
  const shownHost = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
  console.log(`winback is running at http://${shownHost}:${port}/  (database: ${database.engine}, ${database.location}; Ctrl-C to stop)`);
  if (!signal.aborted) await once(signal, 'abort');
  await app.close();
}

function serveCommand(program: Command, name: string, description: string) {
  return program
    .command(name)
    .description(description)
    .option('--port <port>', 'port to listen on', process.env.WINBACK_PORT ?? '4400')
    .option('--host <host>', 'address to bind (127.0.0.1 keeps it on this machine)', process.env.WINBACK_HOST ?? '127.0.0.1')
    .option('--log', 'log every request');
}

export function registerServe(program: Command): void {
  serveCommand(program, 'serve', 'serve the web application and the HTTP API').action(async (flags: ServeFlags, command: Command) => {
    await withDatabase(command, (database, signal) => serveUntilStopped(database, signal, flags));
  });

  serveCommand(program, 'start', 'serve winback, loading the demo company first if the database is empty')
    .option('--no-demo', 'do not load the demo company into an empty database')
    .action(async (flags: ServeFlags & { demo: boolean }, command: Command) => {
      await withDatabase(command, async (database, signal) => {
        if (flags.demo && (await countRecords(database.db)).customers === 0) {
          console.log('The database is empty: loading the demo company (2,000 customers)…');
          const demo = await loadDemoWithProgress(database, {}, true);
          console.log(`Demo company loaded: ${demo.customers} customers, history up to ${demo.asOf.toISOString().slice(0, 10)}.`);
          const refreshed = await refreshCustomerBase(database, { asOf: demo.asOf });
          const lost = refreshed.states.counts.find((c) => c.state === 'lost')?.customers ?? 0;
          const sleeping = refreshed.states.counts.find((c) => c.state === 'sleeping')?.customers ?? 0;
          console.log(`Analysed: ${lost} lost and ${sleeping} sleeping customers, ${refreshed.recovery.positive} worth a recovery attempt.`);
        }
        await serveUntilStopped(database, signal, flags);
      });
    });
}
