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

  it('serves unknown API paths as JSON errors and every other path as the app', async () => {
    const api = await fetch(`${server.url}/api/v1/nothing`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    await go('/no/such/page');
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('No such page');
  });
});
