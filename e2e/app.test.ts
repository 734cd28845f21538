import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, ensureWebAppBuilt, launchBrowser, screenshot, SCREENSHOT_DIR, startDemoServer, watchErrors, type DemoServer } from './support.js';

describe.skipIf(!chromiumAvailable())('web application in headless Chromium', () => {
  let server: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  const go = async (path: string) => {
    await page.goto(server.url + path, { waitUntil: 'domcontentloaded' });
  };

  beforeAll(async () => {
    ensureWebAppBuilt();
    [server, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    errors = watchErrors(page);
    console.log(`screenshots: ${SCREENSHOT_DIR}`);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('opens on the overview with the demo figures and charts', async () => {
    await go('/');
    const customers = page.getByTestId('stat-customers').locator('.stat-value');
    await expect.poll(async () => Number((await customers.textContent())?.replace(/\D/g, ''))).toBe(600);
    // The figures are the API's: the lost count on the page is the one the state counts report.
    const counts = (await (await fetch(`${server.url}/api/v1/states/counts`)).json()) as { counts: { state: string; customers: number }[] };
    const lost = counts.counts.find((c) => c.state === 'lost')!.customers;
    expect(lost).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('stat-lost').locator('.stat-value').textContent()).toBe(String(lost));
    await page.locator('[data-chart^="Customers lost"][data-rendered="true"]').waitFor();
    await page.locator('[data-testid="pareto"] [data-rendered="true"]').waitFor();
    await expect.poll(() => page.getByTestId('latest-analysis').textContent()).toMatch(/BG\/NBD/);
    await screenshot(page, '01-overview');
    expect(errors).toEqual([]);
  });

  it('narrows the recovery list with a filter and explains a row', async () => {
    await go('/recovery');
    const rows = page.locator('[data-testid="recovery-table"] > tbody > tr');
    await rows.first().waitFor();
    const all = await rows.count();
    const states = async () => new Set(await page.locator('[data-testid="recovery-table"] .badge').allTextContents());
    expect(await states()).toEqual(new Set(['lost', 'sleeping']));
    await page.getByLabel('State').selectOption('lost');
    await expect.poll(states).toEqual(new Set(['lost']));
    expect(page.url()).toContain('state=lost');
    await rows.first().click();
    await expect.poll(() => page.getByTestId('explanation').textContent()).toMatch(/expected_value = round/);
    expect(all).toBeGreaterThan(0);
    await screenshot(page, '03-recovery-list');
  });

  it('shows the reasons, their trend and a team\'s feedback, and records a root-cause item', async () => {
    await go('/causes');
    await page.locator('[data-testid="causes-pareto"] [data-rendered="true"]').waitFor();
    await page.locator('[data-testid="causes-trends"] [data-rendered="true"]').waitFor();
    await page.getByLabel('Title').fill('Callbacks are not scheduled');
    await page.getByLabel('Concerns reason').selectOption('service');
    await page.getByRole('button', { name: 'Add item' }).click();
    await expect.poll(() => page.getByTestId('root-cause-items').locator('tbody').textContent()).toContain('Callbacks are not scheduled');
    await expect.poll(() => page.getByTestId('feedback').textContent()).toMatch(/Top reasons/);
    await screenshot(page, '06-causes');
  });

  it('refuses an import with a bad row and names its line, then validates the model with progress', async () => {
    await go('/data');
    await page.getByLabel('Entity').selectOption('orders');
    const csv = 'customer_id,occurred_at,amount,currency\nC-000001,2025-01-10,12.50,EUR\nC-000001,2025-02-30,3.00,EUR\n';
    await page.getByLabel('CSV file').setInputFiles({ name: 'bad-orders.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const error = page.getByTestId('import').getByRole('alert');
    await expect.poll(() => error.textContent()).toContain('bad-orders.csv:3: occurred_at');
    await screenshot(page, '07-data-import-error');
    await page.getByRole('button', { name: 'Validate the model' }).click();
    await expect.poll(() => page.getByTestId('job-progress').textContent(), { timeout: 60_000 }).toMatch(/Done in/);
    await page.locator('[data-testid="fit-report"] [data-chart^="Mean purchases"][data-rendered="true"]').waitFor();
    await page.locator('[data-testid="fit-report"] [data-chart^="Cumulative repeat"][data-rendered="true"]').waitFor();
    await screenshot(page, '08-data-analysis');
    expect(errors).toEqual([]);
  });

  it('serves unknown API paths as JSON errors and every other path as the app', async () => {
    const api = await fetch(`${server.url}/api/v1/nothing`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    await go('/no/such/page');
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('No such page');
  });
});
