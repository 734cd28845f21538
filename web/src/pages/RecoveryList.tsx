import { Fragment, useState, type FormEvent } from 'react';
import { RECOVERY_SORTS, RECOVERY_STATES, type RecoverySort } from '../../../src/analyse/vocabulary';
import { api, withQuery } from '../api';
import { Card, Empty, ErrorBox, Loading, PageHeader, StateBadge } from '../components/ui';
import { day, money, num, pct, toMajor, toMinor } from '../format';
import { useAction, useApi } from '../hooks';
import { useActing, useEmployees } from '../acting';
import { Link, navigate, useQueryState, useTitle } from '../router';
import type { CreatedCycle, RecoveryItem, RecoveryList as List } from '../types';
import { ReasonSelect, SEGMENT_LABEL, SegmentSelect, TeamSelect, useTeams } from './common';

const SORT_LABEL: Record<RecoverySort, string> = {
  expected_value: 'Expected value',
  value: 'Value if recovered',
  p_recovery: 'P(recovery)',
  lost_since: 'Lost since',
};
const LIMIT = 25;

/** How the value if recovered was priced, by the method that priced it. */
function valueBasis(v: RecoveryItem['explanation']['valueIfRecovered']): string {
  switch (v.method) {
    case 'contract':
      return `contract ${v.plan ?? ''}: ${money(v.monthlyValue, v.currency)} a month × ${v.termMonths} months × ${num(v.expectedTerms, 2)} expected terms × margin ${pct(v.marginRatio, 0)}`;
    case 'orders':
      return `orders: ${num(v.discountedTransactions, 2)} discounted orders × ${money(v.expectedSpend, v.currency)} expected spend × margin ${pct(v.marginRatio, 0)}`;
    case 'none':
      return v.note;
  }
}

function Explanation({ item }: { item: RecoveryItem }) {
  const e = item.explanation;
  const v = e.valueIfRecovered;
  const p = e.pRecovery;
  return (
    <dl className="explain" data-testid="explanation">
      <dt>Formula</dt>
      <dd>
        <code>{e.formula}</code> = {pct(item.pRecovery, 0)} × {money(item.valueIfRecovered, item.currency)} − {money(item.cost, item.currency)} ={' '}
        <strong>{money(item.expectedValue, item.currency)}</strong>
      </dd>
      {p ? (
        <>
          <dt>P(recovery) {pct(p.value, 1)}</dt>
          <dd>
            prior Beta({num(p.prior.alpha, 1)}, {num(p.prior.beta, 1)}) for {p.prior.segment ? SEGMENT_LABEL[p.prior.segment] ?? p.prior.segment : 'any segment'} ×{' '}
            {p.prior.reasonCode ?? 'any reason'}
            {p.prior.rationale ? ` — “${p.prior.rationale}”` : ''}; learned from {num(p.outcomes.wins)} wins in {num(p.outcomes.attempts)} attempts
          </dd>
        </>
      ) : null}
      {v ? (
        <>
          <dt>Value if recovered {money(v.value, v.currency)}</dt>
          <dd>{valueBasis(v)}</dd>
        </>
      ) : null}
      {e.cost ? (
        <>
          <dt>Cost</dt>
          <dd>
            {e.cost.measure} {money(e.cost.amount, e.cost.currency)}
          </dd>
        </>
      ) : null}
      {e.reason ? (
        <>
          <dt>Reason {e.reason.code}</dt>
          <dd>
            {e.reason.verifiedCode ? `verified on a call: ${e.reason.verifiedCode}` : e.reason.source === 'rule' ? `mapped by rule “${e.reason.rulePattern}”` : e.reason.source}
            {e.reason.text ? ` from “${e.reason.text}”` : ''}
          </dd>
        </>
      ) : null}
      {e.reporting && e.reporting.from !== e.reporting.currency ? (
        <>
          <dt>In {item.reportingCurrency}</dt>
          <dd>
            1 {e.reporting.from} = {e.reporting.rate} {e.reporting.currency} (rate of {day(e.reporting.rateUpdatedAt)})
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function StartCycle({ filter, currency, onClose }: { filter: Record<string, string>; currency: string; onClose: () => void }) {
  const teams = useTeams();
  const { employee } = useActing();
  const employees = useEmployees().employees.filter((e) => e.role === 'agent' || e.role === 'executive' || e.role === 'manager' || e.id === employee?.id);
  const [excluded, setExcluded] = useState<Set<number>>(new Set());
  const members = employees.filter((e) => !excluded.has(e.id)).map((e) => ({ employeeId: e.id, role: e.role === 'executive' || e.role === 'manager' ? e.role : 'agent' }));
  const today = new Date().toISOString().slice(0, 10);
  const inMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const describe = [filter.state || 'lost and sleeping', filter.segment && SEGMENT_LABEL[filter.segment], filter.reason, filter.team].filter(Boolean).join(', ');
  const [form, setForm] = useState({ name: `Rescue ${describe} ${today}`, periodStart: today, periodEnd: inMonth, holdoutShare: '10', budget: '2000', maxTargets: '200' });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const start = useAction(async () => {
    const team = filter.team ? teams.find((t) => t.code === filter.team) : undefined;
    const targetRule = {
      states: filter.state ? [filter.state] : [...RECOVERY_STATES],
      segments: filter.segment ? [filter.segment] : [],
      reasons: filter.reason ? [filter.reason] : [],
      teamIds: team ? [team.id] : [],
      minExpectedValue: filter.minValue ? Number(filter.minValue) : 1,
      maxTargets: Number(form.maxTargets),
    };
    const created = await api.post<CreatedCycle>('/api/v1/cycles', {
      name: form.name,
      periodStart: form.periodStart,
      periodEnd: form.periodEnd,
      targetRule,
      holdoutShare: Number(form.holdoutShare) / 100,
      currency,
      offerBudget: toMinor(Number(form.budget), currency),
      members,
      ...(employee ? { createdBy: employee.id } : {}),
    });
    await api.post(`/api/v1/cycles/${created.id}/start`, {});
    navigate(`/cycles/${created.id}`);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void start.run();
  };
  return (
    <Card title="Start a rescue cycle from this filter" testId="start-cycle">
      <form onSubmit={submit} className="filters">
        <p className="muted small" style={{ width: '100%', margin: 0 }}>
          Targets: the customers of this list ({describe}
          {filter.minValue ? `, expected value ≥ ${money(Number(filter.minValue), currency)}` : ', positive expected value'}), best first; a random holdout is not called so
          the cycle's effect can be measured.
        </p>
        <label>
          Name
          <input value={form.name} onChange={set('name')} required size={34} />
        </label>
        <label>
          From
          <input type="date" value={form.periodStart} onChange={set('periodStart')} required />
        </label>
        <label>
          To
          <input type="date" value={form.periodEnd} onChange={set('periodEnd')} required />
        </label>
        <label>
          Holdout (%)
          <input type="number" min={0} max={50} value={form.holdoutShare} onChange={set('holdoutShare')} style={{ width: 70 }} />
        </label>
        <label>
          Offer budget ({currency})
          <input type="number" min={0} step="any" value={form.budget} onChange={set('budget')} style={{ width: 110 }} />
        </label>
        <label>
          At most (customers)
          <input type="number" min={1} value={form.maxTargets} onChange={set('maxTargets')} style={{ width: 90 }} />
        </label>
        <div className="field" style={{ width: '100%' }}>
          Who works on it ({members.length}: agents call, executives take a handful of the most valuable customers themselves)
          <div className="row" style={{ gap: 10 }}>
            {employees.map((e) => (
              <label key={e.id} className="row" style={{ gap: 4, color: 'var(--ink)' }}>
                <input
                  type="checkbox"
                  checked={!excluded.has(e.id)}
                  onChange={(ev) => {
                    const next = new Set(excluded);
                    if (ev.target.checked) next.delete(e.id);
                    else next.add(e.id);
                    setExcluded(next);
                  }}
                />
                {e.name} <span className="muted small">{e.role === 'executive' || e.role === 'manager' ? e.role : 'agent'}</span>
              </label>
            ))}
          </div>
        </div>
        <button className="primary" type="submit" disabled={start.running}>
          {start.running ? 'Starting…' : 'Create and start'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </form>
      {start.error ? <ErrorBox error={start.error} title="The cycle was not started" /> : null}
    </Card>
  );
}

export default function RecoveryList() {
  useTitle('Recovery list');
  const [q, setQ] = useQueryState();
  const filter = { state: q.get('state') ?? '', segment: q.get('segment') ?? '', reason: q.get('reason') ?? '', team: q.get('team') ?? '', minValue: q.get('minValue') ?? '' };
  const sort = q.get('sort') ?? 'expected_value';
  const order = q.get('order') ?? 'desc';
  const page = Number(q.get('page') ?? '1');
  const { data, error, loading } = useApi<List>(withQuery('/api/v1/recovery/list', { ...filter, sort, order, page, limit: LIMIT }));
  const [open, setOpen] = useState<number | null>(null);
  const [starting, setStarting] = useState(false);
  const currency = data?.items[0]?.reportingCurrency ?? 'EUR';
  const setFilter = (k: string) => (v: string) => setQ({ [k]: v, page: null });
  return (
    <>
      <PageHeader title="Recovery list">
        <button className="primary" type="button" onClick={() => setStarting(true)} disabled={starting}>
          Start a rescue cycle from this filter
        </button>
      </PageHeader>
      <p className="muted">
        Lost and sleeping customers ranked by what a recovery attempt is worth: P(recovery) × value if recovered − cost, in {currency}. Click a row for the explanation.
      </p>
      <div className="filters" role="search">
        <label>
          State
          <select value={filter.state} onChange={(e) => setFilter('state')(e.target.value)} aria-label="State">
            <option value="">lost and sleeping</option>
            {RECOVERY_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <SegmentSelect value={filter.segment} onChange={setFilter('segment')} />
        <ReasonSelect value={filter.reason} onChange={setFilter('reason')} />
        <TeamSelect value={filter.team} onChange={setFilter('team')} />
        <label>
          Expected value at least ({currency})
          <input
            type="number"
            step="any"
            defaultValue={filter.minValue ? toMajor(Number(filter.minValue), currency) : ''}
            onBlur={(e) => setFilter('minValue')(e.target.value === '' ? '' : String(toMinor(Number(e.target.value), currency)))}
            style={{ width: 120 }}
          />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setQ({ sort: e.target.value, page: null })} aria-label="Sort by">
            {RECOVERY_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Order
          <select value={order} onChange={(e) => setQ({ order: e.target.value, page: null })} aria-label="Order">
            <option value="desc">highest first</option>
            <option value="asc">lowest first</option>
          </select>
        </label>
      </div>
      {starting ? <StartCycle filter={filter} currency={currency} onClose={() => setStarting(false)} /> : null}
      <Card>
        {error ? (
          <ErrorBox error={error} />
        ) : !data ? (
          <Loading what="Ranking the customers" />
        ) : data.items.length === 0 ? (
          <Empty>No lost or sleeping customer matches this filter{page > 1 ? ' on this page' : ''}.</Empty>
        ) : (
          <div className={`table-wrap ${loading ? 'loading-overlay' : ''}`}>
            <table data-testid="recovery-table">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Customer</th>
                  <th>State</th>
                  <th>Segment</th>
                  <th>Reason</th>
                  <th>Team</th>
                  <th className="num">P(recovery)</th>
                  <th className="num">Value if recovered</th>
                  <th className="num">Cost</th>
                  <th className="num">Expected value</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item) => (
                  <Fragment key={item.customerId}>
                    <tr className={open === item.customerId ? 'selected' : undefined} onClick={() => setOpen(open === item.customerId ? null : item.customerId)} style={{ cursor: 'pointer' }}>
                      <td className="num">{item.rank}</td>
                      <td>
                        <Link to={`/customers/${item.customerId}`} onClick={(e) => e.stopPropagation()}>
                          {item.name ?? item.externalId}
                        </Link>
                        <div className="muted small">
                          {item.company} · {item.externalId}
                        </div>
                      </td>
                      <td className="nowrap">
                        <StateBadge state={item.state} />
                        <div className="muted small">{day(item.stateSince)}</div>
                      </td>
                      <td>{item.segment ? SEGMENT_LABEL[item.segment] : '—'}</td>
                      <td className="small">{item.reasonCode ?? '—'}</td>
                      <td>{item.team ?? '—'}</td>
                      <td className="num">{pct(item.pRecovery, 0)}</td>
                      <td className="num nowrap">{money(item.valueIfRecovered, item.currency)}</td>
                      <td className="num">{money(item.cost, item.currency)}</td>
                      <td className="num nowrap">
                        <strong>{item.expectedValueReporting === null ? `${money(item.expectedValue, item.currency)} (no rate)` : money(item.expectedValueReporting, item.reportingCurrency)}</strong>
                      </td>
                    </tr>
                    {open === item.customerId ? (
                      <tr>
                        <td />
                        <td colSpan={9}>
                          <Explanation item={item} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
            <div className="pager">
              <span className="muted">
                page {page} · {num((page - 1) * LIMIT + 1)}–{num((page - 1) * LIMIT + data.items.length)}
              </span>
              <button type="button" disabled={page <= 1} onClick={() => setQ({ page: String(page - 1) })}>
                ← Previous
              </button>
              <button type="button" disabled={data.items.length < LIMIT} onClick={() => setQ({ page: String(page + 1) })}>
                Next →
              </button>
            </div>
          </div>
        )}
      </Card>
    </>
  );
}
