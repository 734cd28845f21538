import { useEffect, useState } from 'react';
import { LIFECYCLE_STATES } from '../../../src/identify/vocabulary';
import { withQuery } from '../api';
import { Badge, Card, Empty, ErrorBox, Loading, PageHeader, StateBadge } from '../components/ui';
import { day, money, num, pct, toMajor, toMinor } from '../format';
import { useApi } from '../hooks';
import { Link, useQueryState, useTitle } from '../router';
import type { CustomerSort } from '../../../src/customers/schemas';
import type { CustomerPage } from '../types';
import { ReasonSelect, SEGMENT_LABEL, SegmentSelect, TeamSelect } from './common';

const LIMIT = 50;
const FILTERS = ['q', 'state', 'segment', 'reason', 'team', 'pAliveMin', 'pAliveMax', 'clvMin', 'clvMax', 'doNotContact'] as const;
// Sort keys are the server's (checked by the compiler): a key it does not know cannot be offered.
const COLUMNS: [string, CustomerSort | null][] = [
  ['Customer', 'name'],
  ['State', 'state'],
  ['Segment', null],
  ['Team', null],
  ['Reason', null],
  ['P(alive)', 'p_alive'],
  ['CLV', 'clv'],
  ['Recovery value', 'expected_value'],
  ['Last order', 'last_order'],
];
const NUMERIC = new Set<string>(['p_alive', 'clv', 'expected_value'] satisfies CustomerSort[]);

/**
 * The total as the API gives it: counted, a lower bound (counting stops at countLimit), or — when counting every
 * match would take longer than the page itself — the database's estimate, which must not pass for a count.
 */
function totalText(total: NonNullable<CustomerPage['total']>): string {
  if (total.basis === 'estimate') return `about ${num(total.count)} customers (estimated)`;
  return `${total.exact ? '' : 'more than '}${num(total.count)} customers`;
}

/** A text field that applies its value after typing pauses (search) or on leaving it (bounds). */
function Field({ label, value, onApply, type = 'text', width, placeholder, debounce = 0 }: { label: string; value: string; onApply: (v: string) => void; type?: string; width?: number; placeholder?: string; debounce?: number }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (!debounce || text === value) return;
    const t = window.setTimeout(() => onApply(text), debounce);
    return () => window.clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return (
    <label>
      {label}
      <input
        aria-label={label}
        type={type}
        step="any"
        value={text}
        placeholder={placeholder}
        style={width ? { width } : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== value && onApply(text)}
        onKeyDown={(e) => e.key === 'Enter' && onApply(text)}
      />
    </label>
  );
}

export default function Customers() {
  useTitle('Customers');
  const [q, setQ] = useQueryState();
  const filters: Record<string, string> = Object.fromEntries(FILTERS.map((f) => [f, q.get(f) ?? '']));
  const sort = q.get('sort') ?? 'name';
  const order = q.get('order') ?? '';
  const page = Number(q.get('page') ?? '1');
  // Pages follow each other by cursor (the `next` of the page before): each costs the same however deep it is,
  // where an offset reads every row before it. `page` is only the number shown; without a cursor (a link or a
  // reload of a later page, a step back past the pages seen) the page is read by its number.
  const after = q.get('after') ?? '';
  const [trail, setTrail] = useState<string[]>([]);
  const path = withQuery('/api/v1/customers', { ...filters, sort, order, ...(after ? { after } : { page }), limit: LIMIT });
  const { data, error, loading } = useApi<CustomerPage>(path);
  const currency = data?.reportingCurrency ?? 'EUR';
  const restart = { page: null, after: null };
  const set = (k: string) => (v: string) => {
    setTrail([]);
    setQ({ [k]: v, ...restart });
  };
  // The direction in effect: the one asked for, else the sort's default, which the server answers with.
  const direction = order || data?.order || '';
  const setSort = (key: string) => {
    setTrail([]);
    setQ({ sort: key, order: key === sort ? (direction === 'asc' ? 'desc' : 'asc') : null, ...restart });
  };
  const nextPage = (next: string) => {
    setTrail([...trail, after]);
    setQ({ after: next, page: String(page + 1) });
  };
  const previousPage = () => {
    const back = trail.at(-1);
    setTrail(trail.slice(0, -1));
    setQ({ after: back ?? null, page: String(page - 1) });
  };
  const exportHref = withQuery('/api/v1/customers/export.csv', { ...filters, sort, order });
  return (
    <>
      <PageHeader title="Customers">
        <a href={exportHref} download className="button-link">
          <button type="button">Export this view (CSV)</button>
        </a>
      </PageHeader>
      <div className="filters" role="search">
        <Field label="Search" value={filters.q!} onApply={set('q')} placeholder="name, company, id, e-mail" width={220} debounce={300} />
        <label>
          State
          <select value={filters.state} onChange={(e) => set('state')(e.target.value)} aria-label="State">
            <option value="">any state</option>
            {LIFECYCLE_STATES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
            <option value="lost,sleeping">lost or sleeping</option>
          </select>
        </label>
        <SegmentSelect value={filters.segment!} onChange={set('segment')} />
        <ReasonSelect value={filters.reason!} onChange={set('reason')} />
        <TeamSelect value={filters.team!} onChange={set('team')} />
        <Field label="P(alive) from %" type="number" width={70} value={filters.pAliveMin ? String(Number(filters.pAliveMin) * 100) : ''} onApply={(v) => set('pAliveMin')(v === '' ? '' : String(Number(v) / 100))} />
        <Field label="to %" type="number" width={70} value={filters.pAliveMax ? String(Number(filters.pAliveMax) * 100) : ''} onApply={(v) => set('pAliveMax')(v === '' ? '' : String(Number(v) / 100))} />
        <Field label={`CLV from (${currency})`} type="number" width={90} value={filters.clvMin ? String(toMajor(Number(filters.clvMin), currency)) : ''} onApply={(v) => set('clvMin')(v === '' ? '' : String(toMinor(Number(v), currency)))} />
        <Field label={`to (${currency})`} type="number" width={90} value={filters.clvMax ? String(toMajor(Number(filters.clvMax), currency)) : ''} onApply={(v) => set('clvMax')(v === '' ? '' : String(toMinor(Number(v), currency)))} />
        <label>
          Contact
          <select value={filters.doNotContact} onChange={(e) => set('doNotContact')(e.target.value)} aria-label="Do not contact">
            <option value="">anyone</option>
            <option value="false">may be contacted</option>
            <option value="true">do not contact</option>
          </select>
        </label>
      </div>
      <Card>
        {error ? (
          <ErrorBox error={error} />
        ) : !data ? (
          <Loading what="Finding the customers" />
        ) : (
          <>
            <p className="muted small" data-testid="customer-total">
              {data.total ? totalText(data.total) : ''} · CLV and recovery value in {currency}
            </p>
            {data.items.length === 0 ? (
              <Empty>No customer matches these filters.</Empty>
            ) : (
              <div className={`table-wrap ${loading ? 'loading-overlay' : ''}`}>
                <table data-testid="customer-table">
                  <thead>
                    <tr>
                      {COLUMNS.map(([label, key]) => (
                        <th key={label} className={key && (NUMERIC.has(key) || key === 'last_order') ? 'num' : undefined} aria-sort={key === sort && direction ? (direction === 'desc' ? 'descending' : 'ascending') : undefined}>
                          {key ? (
                            <button type="button" className={`sort ${key === sort ? 'on' : ''}`} onClick={() => setSort(key)}>
                              {label} {key === sort ? (direction === 'asc' ? '▲' : direction === 'desc' ? '▼' : '•') : ''}
                            </button>
                          ) : (
                            label
                          )}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((c) => (
                      <tr key={c.id}>
                        <td>
                          <Link to={`/customers/${c.id}`}>{c.name ?? c.externalId}</Link> {c.doNotContact ? <Badge tone="dnc">do not contact</Badge> : null}
                          <div className="muted small">
                            {c.company ? `${c.company} · ` : ''}
                            {c.externalId}
                          </div>
                        </td>
                        <td className="nowrap">
                          <StateBadge state={c.state} />
                          <div className="muted small">{c.stateSince ? day(c.stateSince) : ''}</div>
                        </td>
                        <td>{c.segment ? SEGMENT_LABEL[c.segment] : '—'}</td>
                        <td>{c.teamName ?? '—'}</td>
                        <td className="small">{c.reasonLabel ?? c.reasonCode ?? '—'}</td>
                        <td className="num">{pct(c.pAlive, 0)}</td>
                        <td className="num nowrap">{c.clvReporting !== null ? money(c.clvReporting, currency) : money(c.clv, c.clvCurrency)}</td>
                        <td className="num nowrap">{money(c.expectedValue, c.expectedValueCurrency)}</td>
                        <td className="num nowrap">{day(c.lastOrderAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <div className="pager">
              <span className="muted">page {page}</span>
              <button type="button" disabled={page <= 1} onClick={previousPage}>
                ← Previous
              </button>
              <button type="button" disabled={!data.next} onClick={() => data.next && nextPage(data.next)}>
                Next →
              </button>
            </div>
          </>
        )}
      </Card>
    </>
  );
}
