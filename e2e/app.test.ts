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
  /** The API, as the test arranges and checks what the page did; a failure says what the server said. */
  const json = async <T = unknown>(path: string, method = 'GET', body?: unknown): Promise<T> => {
    const response = await fetch(server.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
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
    // Paging by cursor: the next page follows without overlap, and the previous one comes back the same.
    const rowLinks = () => page.locator('[data-testid="customer-table"] tbody tr a').evaluateAll((links) => links.map((a) => (a as unknown as { getAttribute(name: string): string | null }).getAttribute('href')));
    const first = await rowLinks();
    await page.getByRole('button', { name: /Next/ }).click();
    await expect.poll(() => page.url()).toMatch(/after=.*page=2|page=2.*after=/);
    await expect.poll(async () => (await rowLinks())[0]).not.toBe(first[0]);
    const second = await rowLinks();
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    await page.getByRole('button', { name: /Previous/ }).click();
    await expect.poll(() => page.url()).toContain('page=1');
    await expect.poll(rowLinks).toEqual(first);
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
    // Calling hours depend on the hour of the run: the customer's preferences are edited on their profile page here, and once
    // the cycle has started, the first targets of the team queue get hours that cover the whole day, so that some call is
    // due for the agent whenever the test runs.
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
    const cycleId = Number(new URL(page.url()).pathname.split('/').at(-1));
    const queue = await json<{ targets: { customerId: number; assignedTo: unknown }[] }>(`/api/v1/cycles/${cycleId}/targets?status=open&limit=100`);
    const teamQueue = queue.targets.filter((t) => t.assignedTo === null).slice(0, 10);
    expect(teamQueue.length).toBeGreaterThan(0);
    for (const { customerId: id } of teamQueue) await json(`/api/v1/customers/${id}/preferences`, 'PUT', { contactHoursStart: '00:00', contactHoursEnd: '23:59' });

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

  it('refuses to record a call a contact rule forbids, names the rule in the workspace, and records nothing', async () => {
    const employees = await json<{ employees: { id: number; role: string }[] }>('/api/v1/employees');
    const agent = employees.employees.find((e) => e.role === 'agent') ?? employees.employees[0]!;
    // A cycle of our own over the best sleeping customers (the flow test's cycle works on the lost ones), every one of them
    // with calling hours of their own that cover the whole day, so the claim succeeds at any hour of the run.
    const list = await json<{ items: { customerId: number }[] }>('/api/v1/recovery/list?state=sleeping&sort=expected_value&order=desc&limit=5');
    const candidates = list.items.map((i) => i.customerId);
    expect(candidates.length).toBeGreaterThan(0);
    for (const id of candidates) await json(`/api/v1/customers/${id}/preferences`, 'PUT', { contactHoursStart: '00:00', contactHoursEnd: '23:59' });
    const today = new Date().toISOString().slice(0, 10);
    const inMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const cycle = await json<{ id: number }>('/api/v1/cycles', 'POST', {
      name: 'e2e contact refusal',
      periodStart: today,
      periodEnd: inMonth,
      targetRule: { states: ['sleeping'], maxTargets: candidates.length },
      holdoutShare: 0,
      currency: 'EUR',
      offerBudget: 0,
      members: [{ employeeId: agent.id, role: 'agent' }],
    });
    await json(`/api/v1/cycles/${cycle.id}/start`, 'POST', {});
    try {
      await go(`/calls?cycle=${cycle.id}`);
      await page.getByLabel('Acting as employee').selectOption(String(agent.id));
      await expect.poll(() => page.getByRole('button', { name: /Next call/ }).isEnabled()).toBe(true);
      await page.keyboard.press('n');
      await page.getByTestId('story').waitFor();
      const customerId = Number(new URL(page.url()).searchParams.get('customer'));
      expect(candidates).toContain(customerId);

      // While the agent has the customer open, the customer asks not to be contacted any more.
      await json(`/api/v1/customers/${customerId}/preferences`, 'PUT', { doNotContact: true, doNotContactSource: 'e2e' });
      const call = page.getByTestId('guided-call');
      await call.getByLabel('Apology made').check();
      await page.keyboard.press('Alt+2');
      await call.getByLabel("Customer's explanation").fill('Please do not call me again.');
      await page.keyboard.press('Alt+6');
      await call.getByLabel('Outcome').selectOption('declined');
      await page.keyboard.press('Control+Enter');
      const refused = call.getByTestId('record-refused');
      await refused.waitFor();
      expect(await refused.getAttribute('data-rule')).toBe('do_not_contact');
      const text = (await refused.textContent()) ?? '';
      expect(text).toContain('Do not contact');
      expect(text).toContain('do_not_contact');
      expect(text).toMatch(/asked not to be contacted.*e2e/);
      expect(text).toMatch(/not recorded/);
      // The claim was given back with the refusal: the customer left the queue, there is nothing left to give back.
      expect(text).toMatch(/left this cycle's queue/);
      await expect.poll(() => page.getByRole('button', { name: 'Give the call back' }).count()).toBe(0);
      const blocked = await json<{ targets: { customerId: number; claimedBy: unknown }[] }>(`/api/v1/cycles/${cycle.id}/targets?status=blocked`);
      expect(blocked.targets.map((t) => [t.customerId, t.claimedBy])).toEqual([[customerId, null]]);
      // The workspace shows the customer as they are now: do not contact, and calling is not allowed.
      await expect.poll(() => page.getByTestId('story').textContent()).toContain('DO NOT CONTACT');
      await expect.poll(() => call.getByTestId('call-refused').getAttribute('data-rule')).toBe('do_not_contact');
      await screenshot(page, '11-call-refused');
      expect(page.url()).toContain(`customer=${customerId}`);

      // Nothing was recorded: no outcome in the cycle, no recovery call on the profile; the refusal is in the contact log.
      const progress = await json<{ byOutcome: Record<string, number>; contacted: number }>(`/api/v1/cycles/${cycle.id}`);
      expect(progress.byOutcome).toEqual({});
      expect(progress.contacted).toBe(0);
      const profile = await json<{ recoveryCalls: unknown[]; contacts: { allowed: boolean; rule: string | null; cycleId: number | null }[] }>(`/api/v1/customers/${customerId}`);
      expect(profile.recoveryCalls).toEqual([]);
      expect(profile.contacts.some((c) => !c.allowed && c.rule === 'do_not_contact' && c.cycleId === cycle.id)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await json(`/api/v1/cycles/${cycle.id}/close`, 'POST', {});
    }
  });

  it('edits an offer in place: terms, uplift and segments; an invalid value shows the API\'s message', async () => {
    const { offers } = await json<{ offers: { id: number; code: string }[] }>('/api/v1/offers');
    const credit = offers.find((o) => o.code === 'credit_50')!;
    const discount = offers.find((o) => o.code === 'discount_20_6m')!;
    await go('/offers');
    const table = page.getByTestId('offers');
    await table.locator('tr[data-offer="credit_50"]').getByRole('button', { name: /^Edit/ }).click();
    const form = page.getByTestId('offer-edit-credit_50');
    await form.getByLabel('Amount', { exact: true }).fill('75.50');
    await form.getByLabel('Uplift on P(recovery)').fill('1.45');
    await form.getByLabel('Barnacles').check();
    await form.getByLabel('Name', { exact: true }).press('Enter');
    await expect.poll(() => page.getByTestId('offers-notice').textContent()).toMatch(/Saved/);
    await expect.poll(() => table.locator('tr[data-offer="credit_50"]').textContent()).toMatch(/75\.50/);
    const saved = await json<{ terms: unknown; uplift: number; eligibleSegments: string[] | null; eligibleReasons: string[] | null; name: string }>(`/api/v1/offers/${credit.id}`);
    expect(saved.terms).toEqual({ type: 'account_credit', amount: { amount: 7550, currency: 'EUR' } });
    expect(saved.uplift).toBe(1.45);
    expect(saved.eligibleSegments).toEqual(['barnacles']);
    expect(saved.eligibleReasons).toEqual(['billing', 'service']);
    expect(saved.name).toBe('Account credit of 50.00');
    // Focus is back on the row's Edit button.
    expect(await page.locator(':focus').getAttribute('data-edit-offer')).toBe(String(credit.id));

    // An invalid value: the API refuses it and the form says what the API said, naming the field.
    await table.locator('tr[data-offer="discount_20_6m"]').getByRole('button', { name: /^Edit/ }).click();
    const edit = page.getByTestId('offer-edit-discount_20_6m');
    await edit.getByLabel('Percent off').fill('150');
    await edit.getByLabel('Percent off').press('Enter');
    const alert = edit.getByRole('alert');
    await alert.waitFor();
    const api = await fetch(`${server.url}/api/v1/offers/${discount.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ terms: { type: 'discount_percent', percent: 150, months: 6 } }) });
    expect(api.status).toBe(422);
    const message = ((await api.json()) as { error: { message: string } }).error.message;
    expect(message).toMatch(/^terms\.percent: /);
    await expect.poll(() => alert.textContent()).toContain(message);
    expect(await edit.getByLabel('Percent off').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, '10-offers-edit-invalid');
    await edit.getByLabel('Percent off').press('Escape');
    await expect.poll(() => page.getByTestId('offer-edit-discount_20_6m').count()).toBe(0);
    expect(((await json<{ terms: { percent: number } }>(`/api/v1/offers/${discount.id}`)).terms.percent)).toBe(20);
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
