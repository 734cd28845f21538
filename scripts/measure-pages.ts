/**
 * `npm run bench:pages [-- --customers 2000 --runs 7]`: how long each page of the web application takes to show its
 * content on the demo company (what `npm start` loads), in headless Chromium. Each run navigates to the page (a full
 * load of the app from the server, scripts cached as a returning user has them) and stops the clock when the
 * page's content is visible: its table rows, figures or drawn chart. Prints the median, the fastest and the
 * slowest run per page, and the first (cold) load.
 *
 * `-- --database-url postgres://…` measures an existing analysed database instead (e.g. one loaded with
 * `winback demo --customers 1000000 && winback analyze`); the run starts a rescue cycle in it.
 */
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/engine.js';
import { loadDemoCompany } from '../src/ingest/demo/load.js';
import { refreshCustomerBase } from '../src/pipeline/refresh.js';
import { buildServer } from '../src/server/app.js';
import { ensureWebAppBuilt, launchBrowser } from '../e2e/support.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '7' },
    seed: { type: 'string', default: '1' },
    // An existing, analysed database instead of a fresh demo (e.g. `winback demo --customers 1000000` on PostgreSQL).
    'database-url': { type: 'string' },
  },
});
const runs = Number(values.runs);

ensureWebAppBuilt();
let database: Database;
let asOf: Date;
let size: string;
if (values['database-url']) {
  database = await openDatabase({ databaseUrl: values['database-url'] });
  const { rows } = await sql<{ customers: string; as_of: Date | null }>`
    SELECT (SELECT count(*) FROM customers) AS customers, (SELECT max(calibration_end) FROM analysis_runs WHERE is_current) AS as_of`.execute(database.db);
  asOf = rows[0]!.as_of ?? new Date();
  size = `${Number(rows[0]!.customers).toLocaleString('en-US')} customers, ${database.engine}`;
  console.log(`Using the database at ${values['database-url']} (${size})…`);
} else {
  console.log(`Loading the demo company (${values.customers} customers) into an in-memory database and analysing it…`);
  database = await openDatabase({ dataDir: 'memory://' });
  const demo = await loadDemoCompany(database, { customers: Number(values.customers), seed: Number(values.seed) });
  await refreshCustomerBase(database, { asOf: demo.asOf });
  asOf = demo.asOf;
  size = `${values.customers} demo customers, PGlite`;
}
const app = await buildServer(database);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

// A started cycle, so its page and the call workspace have something to show.
const employees = ((await (await fetch(`${base}/api/v1/employees`)).json()) as { employees: { id: number; role: string }[] }).employees;
const today = asOf.toISOString().slice(0, 10);
const cycle = (await (
  await fetch(`${base}/api/v1/cycles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Benchmark cycle', periodStart: today, periodEnd: new Date(asOf.getTime() + 30 * 86_400_000).toISOString().slice(0, 10), currency: 'EUR', offerBudget: 500_000, members: employees.filter((e) => e.role === 'agent').map((e) => ({ employeeId: e.id, role: 'agent' })) }),
  })
).json()) as { id: number };
await fetch(`${base}/api/v1/cycles/${cycle.id}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
const someCustomer = ((await (await fetch(`${base}/api/v1/recovery/list?limit=1`)).json()) as { items: { customerId: number }[] }).items[0]!.customerId;

const PAGES: { name: string; path: string; ready: string }[] = [
  { name: 'Overview', path: '/', ready: '[data-testid="stat-customers"] .stat-value, [data-testid="pareto"] [data-rendered="true"]' },
  { name: 'Customers', path: '/customers', ready: '[data-testid="customer-table"] tbody tr' },
  { name: 'Customers, filtered', path: '/customers?state=lost&sort=clv', ready: '[data-testid="customer-table"] tbody tr' },
  { name: 'Customer profile', path: `/customers/${someCustomer}`, ready: '[data-testid="timeline"] li' },
  { name: 'Recovery list', path: '/recovery', ready: '[data-testid="recovery-table"] tbody tr' },
  { name: 'Rescue cycle', path: `/cycles/${cycle.id}`, ready: '[data-testid="cycle-progress"]' },
  { name: 'Call workspace', path: `/calls?cycle=${cycle.id}`, ready: '.empty' },
  { name: 'Offers', path: '/offers', ready: '[data-testid="offers"] tbody tr' },
  { name: 'Reasons & causes', path: '/causes', ready: '[data-testid="causes-trends"] [data-rendered="true"]' },
  { name: 'Data', path: '/data', ready: '[data-testid="fit-report"] table' },
];
// The overview is ready when both its figures and its charts are there.
const ALL_OF: Record<string, string[]> = { Overview: ['[data-testid="stat-customers"] .stat-value', '[data-testid="pareto"] [data-rendered="true"]', '[data-chart^="Customers lost"][data-rendered="true"]'] };

/**
 * Milliseconds from the start of the navigation until every `ready` selector shows an element on screen, read in
 * the page itself (polled every animation frame: Playwright's own waiting polls at growing intervals of up to
 * half a second, which would measure its polling, not the page).
 */
async function timeLoad(page: Page, path: string, ready: string[]): Promise<number> {
  await page.goto(base + path, { waitUntil: 'commit' });
  const shown = await page.waitForFunction(
    (selectors: string[]) => {
      // Runs in the browser; this file is type-checked without the DOM library.
      const { document } = globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ getClientRects(): { length: number } }> } };
      return selectors.every((selector) => [...document.querySelectorAll(selector)].some((e) => e.getClientRects().length > 0)) && performance.now();
    },
    ready,
    { polling: 'raf', timeout: 30_000 },
  );
  return (await shown.jsonValue()) as number;
}

const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
const agentId = employees.find((e) => e.role === 'agent')!.id;
await context.addInitScript({ content: `localStorage.setItem('winback.actingAs', ${JSON.stringify(JSON.stringify({ id: agentId, code: '', name: 'bench' }))})` });
const page = await context.newPage();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`\nPage load to content visible, ${runs} runs each (${size}, headless Chromium):\n`);
console.log(`${'page'.padEnd(22)} ${'first'.padStart(8)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
const results: { name: string; median: number }[] = [];
for (const p of PAGES) {
  const ready = ALL_OF[p.name] ?? [p.ready];
  const first = await timeLoad(page, p.path, ready);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeLoad(page, p.path, ready));
  results.push({ name: p.name, median: median(times) });
  const f = (ms: number) => `${Math.round(ms)} ms`.padStart(8);
  console.log(`${p.name.padEnd(22)} ${f(first)} ${f(median(times))} ${f(Math.min(...times))} ${f(Math.max(...times))}`);
}
const slow = results.filter((r) => r.median > 1000);
console.log(slow.length ? `\nOver 1 s: ${slow.map((r) => r.name).join(', ')}` : '\nEvery page under 1 s (median).');
await context.close();
await browser.close();
await app.close();
await database.close();
