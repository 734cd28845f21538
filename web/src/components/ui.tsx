import type { ReactNode } from 'react';
import type { ApiError } from '../api';
import { num } from '../format';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

interface RowProblem {
  line?: number;
  column?: string;
  message?: string;
  value?: string;
}

/** The API's error as the server said it; import problems as `file:line: column: …`, contact refusals with the rule. */
export function ErrorBox({ error, title }: { error: ApiError; title?: string }) {
  const details = error.details;
  const rows = Array.isArray(details) ? (details as RowProblem[]).filter((d) => d && typeof d === 'object' && 'line' in d) : [];
  const rule = error.domain === 'contact' && details && typeof details === 'object' && !Array.isArray(details) ? (details as Record<string, unknown>) : null;
  const lines = error.message.split('\n');
  return (
    <div className="error-box" role="alert" data-error-code={`${error.domain}.${error.code}`}>
      <strong>{title ?? (error.status === 404 ? 'Not found' : error.status === 0 ? 'No connection' : 'Something went wrong')}</strong>
      {lines.length > 1 || rows.length > 0 ? (
        <pre className="error-lines">{error.message}</pre>
      ) : (
        <p>{error.message}</p>
      )}
      {rule ? (
        <p className="rule">
          Contact rule: <code>{String(rule.rule ?? rule.code ?? JSON.stringify(rule))}</code>
          {rule.message && rule.message !== error.message ? ` — ${String(rule.message)}` : ''}
        </p>
      ) : null}
      <p className="muted small">
        {error.domain}/{error.code}
        {error.status ? ` · HTTP ${error.status}` : ''}
      </p>
    </div>
  );
}

/** Data, or its loading / error state. */
export function Async<T>({ data, error, loading, children, what }: { data: T | undefined; error?: ApiError; loading: boolean; what?: string; children: (data: T) => ReactNode }) {
  if (error) return <ErrorBox error={error} />;
  if (data === undefined) return loading ? <Loading what={what} /> : null;
  return <>{children(data)}</>;
}

export function Card({ title, children, actions, className = '', testId }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; className?: string; testId?: string }) {
  return (
    <section className={`card ${className}`} data-testid={testId}>
      {title || actions ? (
        <header className="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </header>
      ) : null}
      {children}
    </section>
  );
}

export function Stat({ label, value, hint, tone, testId }: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'bad' | 'good' | 'warn'; testId?: string }) {
  return (
    <div className={`stat ${tone ?? ''}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      <div className="page-head-actions">{children}</div>
    </div>
  );
}

export function Badge({ children, tone = '' }: { children: ReactNode; tone?: string }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export const STATE_TONE: Record<string, string> = { active: 'good', at_risk: 'warn', sleeping: 'sleep', lost: 'bad', won_back: 'won' };

export function StateBadge({ state }: { state: string | null | undefined }) {
  if (!state) return <span className="muted">—</span>;
  return <Badge tone={STATE_TONE[state] ?? ''}>{state.replace('_', ' ')}</Badge>;
}

export function Pager({ offset, limit, total, count, onChange }: { offset: number; limit: number; total?: number | null; count: number; onChange: (offset: number) => void }) {
  const from = count === 0 ? 0 : offset + 1;
  const to = offset + count;
  const hasNext = total !== undefined && total !== null ? to < total : count === limit;
  return (
    <div className="pager">
      <span className="muted">
        {from}–{to}
        {total !== undefined && total !== null ? ` of ${num(total)}` : ''}
      </span>
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        ← Previous
      </button>
      <button type="button" disabled={!hasNext} onClick={() => onChange(offset + limit)}>
        Next →
      </button>
    </div>
  );
}

export function Progress({ value, label }: { value: number | null; label: string }) {
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value === null ? undefined : Math.round(value * 100)}>
      <div className={`progress-bar ${value === null ? 'indeterminate' : ''}`} style={value === null ? undefined : { width: `${Math.min(100, value * 100)}%` }} />
    </div>
  );
}
