import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConversion, type Conversion } from '../currency/service.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { LIFECYCLE_STATES } from '../identify/schemas.js';
import { CUSTOMER_SORTS, customerBatches, customersCsv, listCustomers, type CustomerListItem, type CustomerListQueryInput, type CustomerSort } from './index.js';
import { loadDemo } from './test-support/demo.js';

/** Every page of a query, walked by offset and by cursor. */
async function walk(database: TestDatabase, query: CustomerListQueryInput, limit: number): Promise<{ byOffset: number[]; byCursor: number[] }> {
  const byOffset: number[] = [];
  for (let page = 1; ; page++) {
    const list = await listCustomers(database, { ...query, limit, page });
    byOffset.push(...list.items.map((i) => i.id));
    if (list.items.length < limit) break;
    if (page > 1000) throw new Error('runaway paging');
  }
  const byCursor: number[] = [];
  let after: string | undefined;
  for (let n = 0; ; n++) {
    const list = await listCustomers(database, { ...query, limit, ...(after ? { after } : {}) });
    byCursor.push(...list.items.map((i) => i.id));
    if (!list.next) break;
    after = list.next;
    if (n > 1000) throw new Error('runaway paging');
  }
  return { byOffset, byCursor };
}

type Rank = [number, number | string];
/**
 * The order each sort promises, computed here from the columns the list shows: [group, key] with groups in
 * order (customers without a value last in both directions) and ties by id.
 */
function expectedOrder(items: CustomerListItem[], sort: Exclude<CustomerSort, 'name'>, desc: boolean, conversion: Conversion): number[] {
  const gone = (i: CustomerListItem) => i.state === 'lost' || i.state === 'sleeping';
  const rank = (i: CustomerListItem): Rank | [number] => {
    switch (sort) {
      case 'external_id':
        return [0, i.externalId.toLowerCase()];
      case 'state':
        return i.state === null ? [99] : [desc ? -LIFECYCLE_STATES.indexOf(i.state) : LIFECYCLE_STATES.indexOf(i.state)];
      case 'lost_since':
        return gone(i) ? [0, i.stateSince!.getTime()] : [1];
      case 'p_alive':
        return i.pAlive === null ? [1] : [0, i.pAlive];
      case 'clv': {
        if (i.clv === null) return [2];
        const rate = conversion.rateOf(i.clvCurrency);
        return rate ? [0, i.clv * Number(rate.factor)] : [1];
      }
      case 'expected_value':
        return i.expectedValueCurrency === null ? [2] : i.expectedValue === null ? [1] : [0, i.expectedValue];
      case 'last_order':
        return i.lastOrderAt === null ? [1] : [0, i.lastOrderAt.getTime()];
    }
  };
  const sign = desc ? -1 : 1;
  // Expected value breaks ties by id against the value's direction (its index); the others with it.
  const idSign = sort === 'expected_value' ? -sign : sign;
  return [...items]
    .sort((a, b) => {
      const [ga, ka] = rank(a);
      const [gb, kb] = rank(b);
      if (ga !== gb) return ga - gb;
      if (ka !== undefined && kb !== undefined && ka !== kb) return (ka < kb ? -1 : 1) * sign;
      return (a.id - b.id) * (ka === undefined ? sign : idSign);
    })
    .map((i) => i.id);
}

describeEachEngine('customer list', (engine) => {
  let database: TestDatabase;
  let all: CustomerListItem[];
  let conversion: Conversion;
  beforeAll(async () => {
    database = await engine.open();
    await loadDemo(database);
    const { batches } = await customerBatches(database, {});
    all = [];
    for await (const batch of batches) all.push(...batch);
    conversion = await loadConversion(database.db);
  });
  afterAll(() => database.dispose());

  it('holds every customer once, with the columns of the current scores and states', async () => {
    const { n } = await database.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(all.length).toBe(Number(n));
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    // The demo after a refresh has every kind of customer the list distinguishes.
    expect(new Set(all.map((i) => i.state))).toEqual(new Set(['active', 'at_risk', 'sleeping', 'lost', 'won_back']));
    expect(all.filter((i) => i.pAlive !== null).length).toBeGreaterThan(100);
    expect(all.some((i) => i.expectedValue !== null && i.reasonCode !== null && i.reasonLabel !== null)).toBe(true);
    expect(all.some((i) => i.doNotContact)).toBe(true);
    // Values agree with the tables they come from.
    const lost = all.find((i) => i.state === 'lost')!;
    const score = await database.db.selectFrom('recovery_scores').selectAll().where('customer_id', '=', lost.id).executeTakeFirstOrThrow();
    expect(lost.expectedValue).toBe(Number(score.expected_value_reporting));
    const withOrders = all.find((i) => i.lastOrderAt !== null)!;
    const { rows } = await sql<{ at: Date }>`SELECT max(occurred_at) AS at FROM orders WHERE customer_id = ${withOrders.id}`.execute(database.db);
    expect(withOrders.lastOrderAt).toEqual(rows[0]!.at);
  });

  it('pages every sort in both directions without losing or repeating a customer, by offset and by cursor alike', async () => {
    const { rows } = await sql<{ id: number }>`SELECT id FROM customers ORDER BY lower(coalesce(name, '')) COLLATE "C", id`.execute(database.db);
    const byName = rows.map((r) => Number(r.id));
    for (const sort of CUSTOMER_SORTS) {
      for (const order of ['asc', 'desc'] as const) {
        const expected = sort === 'name' ? (order === 'asc' ? byName : [...byName].reverse()) : expectedOrder(all, sort, order === 'desc', conversion);
        const { byOffset, byCursor } = await walk(database, { sort, order }, 37);
        expect(byOffset, `${sort} ${order} by offset`).toEqual(expected);
        expect(byCursor, `${sort} ${order} by cursor`).toEqual(expected);
      }
    }
  });

  it('pages a filtered sort by cursor across the ranks of customers with and without a value', async () => {
    const query = { sort: 'expected_value' as const, state: ['lost', 'sleeping', 'active'] as ('lost' | 'sleeping' | 'active')[] };
    const { byOffset, byCursor } = await walk(database, query, 13);
    const matching = all.filter((i) => i.state === 'lost' || i.state === 'sleeping' || i.state === 'active');
    expect(byCursor).toEqual(byOffset);
    expect(byCursor).toEqual(expectedOrder(matching, 'expected_value', true, conversion));
  });

  it('reads the same pages with the filters applied first as by walking the sort index, and picks one by the expected matches', async () => {
    const someTeam = all.find((i) => i.team !== null)!.team!;
    const queries = [
      { state: ['lost' as const], sort: 'clv' as const },
      { state: ['lost' as const, 'sleeping' as const], sort: 'expected_value' as const },
      { segment: ['true_friends' as const], sort: 'p_alive' as const, order: 'asc' as const },
      { team: someTeam, sort: 'name' as const },
      { state: ['sleeping' as const], sort: 'lost_since' as const, order: 'desc' as const },
    ];
    // Walking: never filters first, and a budget no walk of the demo outruns.
    const walk = { filtersFirstBelow: -1, walkBudgetMs: 60_000 };
    for (const query of queries) {
      const walked = await listCustomers(database, { ...query, limit: 15, page: 2 }, walk);
      const filtered = await listCustomers(database, { ...query, limit: 15, page: 2 }, { walkBudgetMs: 0 });
      // The demo's few hundred customers are fewer than FILTERS_FIRST_BELOW: by default the filters go first.
      const chosen = await listCustomers(database, { ...query, limit: 15, page: 2 });
      expect(walked.items.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(filtered.items.map((i) => i.id), JSON.stringify(query)).toEqual(walked.items.map((i) => i.id));
      expect(chosen.items.map((i) => i.id), JSON.stringify(query)).toEqual(walked.items.map((i) => i.id));
      const next = await listCustomers(database, { ...query, limit: 15, after: walked.next! }, { walkBudgetMs: 0 });
      expect(next.items.map((i) => i.id)).toEqual((await listCustomers(database, { ...query, limit: 15, after: walked.next! }, walk)).items.map((i) => i.id));
    }
    // Every sort, filtered, walked and filters first alike, page after page by cursor (several parts per rank: CLV
    // per currency, lost and sleeping; ranks of customers without a value).
    for (const sort of CUSTOMER_SORTS) {
      const query: CustomerListQueryInput = { sort, team: someTeam, state: 'lost,sleeping,active' };
      let afterWalked: string | undefined;
      let afterFiltered: string | undefined;
      for (let page = 0; page < 4; page++) {
        const walked = await listCustomers(database, { ...query, limit: 9, ...(afterWalked ? { after: afterWalked } : {}) }, walk);
        const filtered = await listCustomers(database, { ...query, limit: 9, ...(afterFiltered ? { after: afterFiltered } : {}) }, { walkBudgetMs: 0 });
        expect(filtered.items.map((i) => i.id), `${sort} page ${page + 1}`).toEqual(walked.items.map((i) => i.id));
        // A cursor of a rank read filters first says so (its next page is read that way too), and leads to the
        // same page when read by walking.
        expect(filtered.next === null).toBe(walked.next === null);
        if (afterFiltered) {
          const crossed = await listCustomers(database, { ...query, limit: 9, after: afterFiltered }, walk);
          expect(crossed.items.map((i) => i.id), `${sort} page ${page + 1}, cursor of filters first`).toEqual(walked.items.map((i) => i.id));
        }
        if (!walked.next) break;
        afterWalked = walked.next;
        afterFiltered = filtered.next!;
      }
    }
  });

  it('narrows the list by each filter to exactly the customers that match it', async () => {
    const someTeam = all.find((i) => i.team !== null)!.team!;
    const someEmployee = all.find((i) => i.employee !== null)!.employee!;
    const clvSorted = all.filter((i) => i.clvReporting !== null).map((i) => i.clvReporting!).sort((a, b) => a - b);
    const clvMedian = clvSorted[Math.floor(clvSorted.length / 2)]!;
    const exactClv = all.find((i) => i.clv !== null && i.clvCurrency === conversion.reportingCurrency)!.clv!;
    const cases: [CustomerListQueryInput, (i: CustomerListItem) => boolean][] = [
      [{ state: 'lost' }, (i) => i.state === 'lost'],
      [{ state: 'lost,sleeping' }, (i) => i.state === 'lost' || i.state === 'sleeping'],
      [{ segment: ['true_friends'] }, (i) => i.segment === 'true_friends'],
      [{ reason: 'price' }, (i) => i.reasonCode === 'price' || (i.reasonCode?.startsWith('price.') ?? false)],
      [{ team: someTeam }, (i) => i.team === someTeam],
      [{ employee: someEmployee }, (i) => i.employee === someEmployee],
      [{ pAliveMin: 0.2, pAliveMax: 0.8 }, (i) => i.pAlive !== null && i.pAlive >= 0.2 && i.pAlive <= 0.8],
      [{ clvMin: clvMedian }, (i) => i.clvReporting !== null && i.clv! * Number(conversion.rateOf(i.clvCurrency)!.factor) >= clvMedian],
      // Both bounds inclusive, exactly: a CLV in the reporting currency equal to the bounds.
      [{ clvMin: exactClv, clvMax: exactClv }, (i) => i.clv !== null && conversion.rateOf(i.clvCurrency) !== undefined && i.clv * Number(conversion.rateOf(i.clvCurrency)!.factor) === exactClv],
      [{ doNotContact: true }, (i) => i.doNotContact],
      [{ doNotContact: 'false' }, (i) => !i.doNotContact],
      [
        { state: 'lost,sleeping', segment: 'true_friends,barnacles', doNotContact: false },
        (i) => (i.state === 'lost' || i.state === 'sleeping') && (i.segment === 'true_friends' || i.segment === 'barnacles') && !i.doNotContact,
      ],
    ];
    for (const [query, matches] of cases) {
      const expected = all.filter(matches).map((i) => i.id);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(query)).toBeLessThan(all.length);
      const list = await listCustomers(database, { ...query, limit: 1000, sort: 'external_id' });
      expect(new Set(list.items.map((i) => i.id)), JSON.stringify(query)).toEqual(new Set(expected));
      expect(list.total).toEqual({ count: expected.length, exact: true, basis: 'counted' });
      // On a later page the total is counted, not inferred from the page.
      const second = await listCustomers(database, { ...query, limit: 5, page: 2 });
      expect(second.total, JSON.stringify(query)).toEqual({ count: expected.length, exact: true, basis: 'counted' });
    }
  });

  it('sorts a P(alive) or CLV range by its own value, from the bound on', async () => {
    const clvSorted = all.filter((i) => i.clvReporting !== null).map((i) => i.clvReporting!).sort((a, b) => a - b);
    const lo = clvSorted[Math.floor(clvSorted.length / 4)]!;
    const hi = clvSorted[Math.floor((clvSorted.length * 3) / 4)]!;
    const converted = (i: CustomerListItem) => (i.clv !== null && conversion.rateOf(i.clvCurrency) ? i.clv * Number(conversion.rateOf(i.clvCurrency)!.factor) : null);
    const cases: [CustomerListQueryInput & { sort: 'p_alive' | 'clv' }, (i: CustomerListItem) => boolean][] = [
      [{ pAliveMin: 0.2, pAliveMax: 0.6, sort: 'p_alive' }, (i) => i.pAlive !== null && i.pAlive >= 0.2 && i.pAlive <= 0.6],
      [{ pAliveMin: 0.5, sort: 'p_alive', order: 'asc' }, (i) => i.pAlive !== null && i.pAlive >= 0.5],
      [{ clvMin: lo, clvMax: hi, sort: 'clv' }, (i) => converted(i) !== null && converted(i)! >= lo && converted(i)! <= hi],
      [{ clvMax: hi, sort: 'clv', order: 'asc' }, (i) => converted(i) !== null && converted(i)! <= hi],
    ];
    for (const [query, matches] of cases) {
      const expected = expectedOrder(all.filter(matches), query.sort, (query.order ?? 'desc') === 'desc', conversion);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(20);
      const { byOffset, byCursor } = await walk(database, query, 17);
      expect(byCursor, JSON.stringify(query)).toEqual(expected);
      expect(byOffset, JSON.stringify(query)).toEqual(expected);
      const filtered = await listCustomers(database, { ...query, limit: 1000 }, { walkBudgetMs: 0 });
      expect(filtered.items.map((i) => i.id)).toEqual(expected);
    }
  });

  it('finds customers by name prefix, e-mail, external id and company, ignoring case; a substring only when asked', async () => {
    const someone = all.find((i) => i.name !== null && i.name.length > 8 && i.email !== null && i.company !== null)!;
    const search = async (q: string, match?: 'contains') => (await listCustomers(database, { q, limit: 1000, ...(match ? { match } : {}) })).items;
    const prefix = someone.name!.slice(0, 5).toUpperCase();
    const byName = await search(prefix);
    expect(byName.map((i) => i.id)).toContain(someone.id);
    // Every hit starts with the prefix in one of the searched fields.
    const p = prefix.toLowerCase();
    for (const hit of byName) expect([hit.name, hit.company, hit.externalId, hit.email].some((f) => f?.toLowerCase().startsWith(p)), hit.name ?? '').toBe(true);
    expect(byName.length).toBe(all.filter((i) => [i.name, i.company, i.externalId, i.email].some((f) => f?.toLowerCase().startsWith(p))).length);
    expect((await search(someone.email!.toUpperCase())).map((i) => i.id)).toContain(someone.id);
    expect((await search(someone.externalId.toLowerCase())).map((i) => i.id)).toEqual([someone.id]);
    expect((await search(someone.company!.slice(0, 6))).map((i) => i.id)).toContain(someone.id);
    // A piece from the middle of the name is not a prefix of it…
    const middle = someone.name!.slice(3, 8).toLowerCase();
    const contains = await search(middle, 'contains');
    expect(contains.map((i) => i.id)).toContain(someone.id);
    for (const hit of contains) expect([hit.name, hit.company, hit.externalId, hit.email].some((f) => f?.toLowerCase().includes(middle))).toBe(true);
    expect((await search(middle)).every((hit) => [hit.name, hit.company, hit.externalId, hit.email].some((f) => f?.toLowerCase().startsWith(middle)))).toBe(true);
    // LIKE wildcards in the search are literal characters.
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
  });

  it('exports exactly the rows of the list, in its order, as CSV', async () => {
    const query: CustomerListQueryInput = { state: 'lost,sleeping', sort: 'clv' };
    const lines: string[] = [];
    for await (const chunk of await customersCsv(database, query)) lines.push(chunk);
    const records = parse(lines.join(''), { columns: true }) as Record<string, string>[];
    const list = await listCustomers(database, { ...query, limit: 1000 });
    expect(records.map((r) => Number(r.id))).toEqual(list.items.map((i) => i.id));
    const first = list.items.find((i) => i.clv !== null)!;
    const row = records.find((r) => Number(r.id) === first.id)!;
    expect(row).toMatchObject({ external_id: first.externalId, name: first.name ?? '', state: first.state, clv_currency: first.clvCurrency });
    expect(Object.keys(row)).toContain(`clv_${list.reportingCurrency}`);
  });

  it('counts up to countLimit and says when the total is only a lower bound', async () => {
    expect((await listCustomers(database, { limit: 10, countLimit: 50 })).total).toEqual({ count: 50, exact: false, basis: 'at_least' });
    expect((await listCustomers(database, { limit: 10, countLimit: 100_000 })).total).toEqual({ count: all.length, exact: true, basis: 'counted' });
    expect((await listCustomers(database, { limit: 10, countLimit: 0 })).total).toBeNull();
  });

  it('refuses an unknown team or reason and a cursor of another sort, naming the problem', async () => {
    await expect(listCustomers(database, { team: 'nowhere' })).rejects.toMatchObject({ domain: 'customers', code: 'unknown_team' });
    await expect(listCustomers(database, { reason: 'weather' })).rejects.toMatchObject({ code: 'unknown_reason' });
    const next = (await listCustomers(database, { limit: 5 })).next!;
    await expect(listCustomers(database, { sort: 'clv', after: next })).rejects.toMatchObject({ code: 'invalid_cursor' });
    await expect(listCustomers(database, { pAliveMin: 0.9, pAliveMax: 0.1 })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('pAliveMax') });
  });
});
