import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

  // A failing test leaves a picture of the page it failed on.
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await screenshot(page, `failed-${context.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
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

  it('narrows the customer list with filters and sorts it', async () => {
    await go('/customers');
    const total = page.getByTestId('customer-total');
    await expect.poll(() => total.textContent()).toMatch(/^600 customers/);
    const counts = (await (await fetch(`${server.url}/api/v1/states/counts`)).json()) as { counts: { state: string; customers: number }[] };
    const lost = counts.counts.find((c) => c.state === 'lost')!.customers;
    await page.getByLabel('State').selectOption('lost');
    await expect.poll(() => total.textContent()).toMatch(new RegExp(`^${lost} customers`));
    const states = await page.locator('[data-testid="customer-table"] tbody .badge:not(.dnc)').allTextContents();
    expect(new Set(states)).toEqual(new Set(['lost']));
    await page.getByRole('button', { name: /CLV/ }).click();
    await expect.poll(() => page.url()).toContain('sort=clv');
    await screenshot(page, '02-customers');
  });

  it('an agent claims a call, records a won-back outcome, and it shows on the profile and the overview', async () => {
    const employees = (await (await fetch(`${server.url}/api/v1/employees`)).json()) as { employees: { id: number; code: string; role: string }[] };
    const agent = employees.employees.find((e) => e.role === 'agent') ?? employees.employees[0]!;
    await go('/recovery?state=lost');
    await page.getByLabel('Acting as employee').selectOption(String(agent.id));
    // Calling hours depend on the hour of the run: the best-ranked lost customer gets hours of their own that cover the whole day,
    // set on their profile, so at least one target is callable whenever the test runs.
    const first = page.locator('[data-testid="recovery-table"] > tbody > tr td a').first();
    await first.waitFor();
    await first.click();
    const prefs = page.getByTestId('preferences');
    await prefs.waitFor();
    await prefs.locator('input[type=time]').nth(0).fill('00:00');
    await prefs.locator('input[type=time]').nth(1).fill('23:59');
    await prefs.getByRole('combobox').selectOption('');
    await prefs.getByRole('button', { name: 'Save preferences' }).click();
    await expect.poll(() => prefs.textContent()).toMatch(/last changed/);
    await screenshot(page, '04-customer-profile-before');

    await go('/recovery?state=lost');
    await page.getByRole('button', { name: 'Start a rescue cycle from this filter' }).click();
    await page.getByRole('button', { name: 'Create and start' }).click();
    await page.waitForURL(/\/cycles\/\d+$/);
    await expect.poll(() => page.getByTestId('cycle-progress').textContent()).toMatch(/Targets\s*\d+/);
    await screenshot(page, '05-cycle');

    await page.getByRole('button', { name: 'Open the call workspace' }).click();
    await page.waitForURL(/\/calls/);
    await expect.poll(() => page.getByRole('button', { name: /Next call/ }).isEnabled()).toBe(true);
    await page.keyboard.press('n');
    await page.getByTestId('story').waitFor();
    const customerId = Number(new URL(page.url()).searchParams.get('customer'));
    expect(customerId).toBeGreaterThan(0);
    const call = page.getByTestId('guided-call');
    await call.getByLabel('Apology made').check();
    await page.keyboard.press('Alt+2');
    await call.getByLabel("Customer's explanation").fill('The invoices were wrong three times and nobody called back.');
    await page.keyboard.press('Alt+3');
    await call.getByLabel('Diagnosed reason').selectOption('billing');
    await call.getByLabel('Reason confirmed').selectOption('yes');
    await page.keyboard.press('Alt+4');
    await call.getByLabel('Support extended').fill('Corrected the last invoice on the call.');
    await page.keyboard.press('Alt+5');
    await call.getByTestId('offers-ranked').waitFor();
    await screenshot(page, '09-call-workspace');
    await page.keyboard.press('Alt+6');
    await call.getByLabel('Outcome').selectOption('won_back');
    await call.getByLabel('Next step').fill('Welcome call in two weeks');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.getByTestId('call-notice').textContent()).toMatch(/Recorded: Won back/);

    await go(`/customers/${customerId}`);
    await expect.poll(() => page.getByTestId('recovery-calls').textContent()).toMatch(/Won back/);
    await expect.poll(() => page.getByTestId('timeline').textContent()).toMatch(/Recovery call/);
    await screenshot(page, '04-customer-profile');

    await go('/');
    await expect.poll(() => page.getByTestId('stat-won-back').locator('.stat-value').textContent()).toBe('1');
    await screenshot(page, '01-overview-after-call');
    await go('/cycles');
    await page.getByTestId('cycles').waitFor();
    await screenshot(page, '05-cycles');
    await go('/offers');
    await expect.poll(() => page.getByTestId('offers').locator('tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, '10-offers');
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
