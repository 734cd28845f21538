/**
 * End-to-end support: the real server (buildServer) on a fresh PGlite database holding the demo company and its
 * analysis, the built web application, and headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testEngines, type TestDatabase } from '../src/db/test-support/engines.js';
import { loadDemoCompany } from '../src/ingest/demo/load.js';
import { refreshCustomerBase } from '../src/pipeline/refresh.js';
import { buildServer } from '../src/server/app.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.WINBACK_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a closed network (without them its background connections are refused and stall it). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Whether the browser tests can run; in CI a missing Chromium is a failure, locally a loud skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `\n!!! ${CHROMIUM} is missing: the browser tests cannot run. Install it with\n!!!   apt-get install -y --no-install-recommends chromium\n!!! (or point WINBACK_CHROMIUM at a Chromium binary).\n`;
  if (process.env.CI) return true; // the suite runs and fails in launchBrowser with the message
  console.warn(message + '!!! Skipping the end-to-end tests (they fail instead when CI is set).\n');
  return false;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the web application when dist/web is missing or older than its sources (npm ci builds it via prepare). */
export function ensureWebAppBuilt(): void {
  const index = join(ROOT, 'dist', 'web', 'index.html');
  // The bundle also takes code from src/ (shared helpers such as src/winback/terms.ts): a change there rebuilds it too.
  const sources = Math.max(
    newestMtime(join(ROOT, 'web', 'src')),
    newestMtime(join(ROOT, 'src')),
    statSync(join(ROOT, 'web', 'index.html')).mtimeMs,
    statSync(join(ROOT, 'web', 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  // vitest runs with NODE_ENV=test, which would make Vite bundle React's development build: build for production.
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) throw new Error(`building the web application failed (npm run build:web):\n${result.stdout}\n${result.stderr}`);
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium) — CI runs the browser tests and does not skip them`);
  }
  // playwright gives every launch a fresh temporary user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface DemoServer {
  database: TestDatabase;
  app: FastifyInstance;
  url: string;
  asOf: Date;
  close(): Promise<void>;
}

/** The real server on a fresh database with the demo company loaded and analysed (what `npm start` shows). */
export async function startDemoServer(options: { customers?: number; seed?: number } = {}): Promise<DemoServer> {
  const database = await testEngines[0]!.open();
  const demo = await loadDemoCompany(database, { customers: options.customers ?? 600, seed: options.seed ?? 1 });
  await refreshCustomerBase(database, { asOf: demo.asOf });
  const app = await buildServer(database);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    database,
    app,
    url: `http://127.0.0.1:${port}`,
    asOf: demo.asOf,
    async close() {
      await app.close();
      await database.dispose();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Errors the page threw or logged: a test fails on them. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}
