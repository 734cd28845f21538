import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { SEGMENTS } from '../../../src/analyse/vocabulary';
import { api, ApiError } from '../api';
import { Async, Badge, Card, Empty, ErrorBox, PageHeader } from '../components/ui';
import { currencyExponent, num, offerTerms } from '../format';
import { useAction, useApi } from '../hooks';
import { useTitle } from '../router';
import type { Offer, Reason } from '../types';
import { SEGMENT_LABEL, useReasons } from './common';

// Keyed by the server's offer types, so the compiler finds a type added there and missing here.
const TYPE_LABEL: Record<Offer['terms']['type'], string> = {
  discount_percent: 'discount (percent)',
  account_credit: 'account credit',
  free_months: 'free months',
  switching_bonus: 'switching bonus',
  apology: 'apology',
  personal_advisor: 'personal advisor',
  priority_service: 'priority service',
  product_fix: 'product fix',
};
const TYPES = Object.keys(TYPE_LABEL) as Offer['terms']['type'][];

/** The terms as typed: every number as text, money in major units of its currency. */
interface TermsForm {
  type: string;
  percent: string;
  months: string;
  amount: string;
  currency: string;
}

function needsOf(type: string) {
  const perMonth = type === 'personal_advisor' || type === 'priority_service';
  return {
    percent: type === 'discount_percent',
    months: type === 'discount_percent' || type === 'free_months' || perMonth,
    amount: type === 'account_credit' || type === 'switching_bonus' || perMonth,
    perMonth,
  };
}

/** Minor units as major-unit text with the currency's decimals, exactly (5000 EUR → "50.00"). */
export function minorToText(minor: number, currency: string): string {
  const digits = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  return digits === 0 ? sign + s : `${sign}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** Major-unit text as minor units, exactly ("50.00" EUR → 5000); a message when it is not an amount of that currency. */
export function textToMinor(text: string, currency: string): number | { message: string } {
  const digits = currencyExponent(currency);
  const m = /^(-?)(\d*)(?:[.,](\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) return { message: `enter an amount such as ${minorToText(5000, currency)}` };
  const fraction = m[3] ?? '';
  if (fraction.length > digits) return { message: `${currency} has ${digits} decimal place${digits === 1 ? '' : 's'}: "${text.trim()}" has more` };
  const minor = Number((m[2] || '0') + fraction.padEnd(digits, '0'));
  return m[1] === '-' ? -minor : minor;
}

type Problem = { field: string; message: string };

/** A problem the form found before sending, shown as the API's own errors are. */
function FormProblem({ problem, title }: { problem: Problem | null; title: string }) {
  if (!problem) return null;
  return (
    <div className="error-box" role="alert" data-error-code="form.invalid">
      <strong>{title}</strong>
      <p>
        {problem.field}: {problem.message}
      </p>
    </div>
  );
}

/** Terms as sent: the API checks them (an empty number goes as null, and the API names the missing field). */
type TermsBody = { type: string } & Record<string, unknown>;

/** The API's terms from the form, or the problem that keeps them from being sent. */
function termsOf(f: TermsForm): { terms: TermsBody } | { problem: Problem } {
  const needs = needsOf(f.type);
  const field = needs.perMonth ? 'terms.costPerMonth' : 'terms.amount';
  // Empty numbers go as null: the API says which field is missing.
  const number = (v: string) => (v.trim() === '' ? null : Number(v));
  let amount: { amount: number; currency: string } | undefined;
  if (needs.amount) {
    const minor = textToMinor(f.amount, f.currency);
    if (typeof minor !== 'number') return { problem: { field: `${field}.amount`, message: minor.message } };
    amount = { amount: minor, currency: f.currency };
  }
  switch (f.type) {
    case 'discount_percent':
      return { terms: { type: f.type, percent: number(f.percent), months: number(f.months) } };
    case 'account_credit':
    case 'switching_bonus':
      return { terms: { type: f.type, amount } };
    case 'free_months':
      return { terms: { type: f.type, months: number(f.months) } };
    case 'personal_advisor':
    case 'priority_service':
      return { terms: { type: f.type, months: number(f.months), costPerMonth: amount } };
    default:
      return { terms: { type: f.type } };
  }
}

function termsForm(t: Offer['terms']): TermsForm {
  const m = 'amount' in t ? t.amount : 'costPerMonth' in t ? t.costPerMonth : undefined;
  const currency = m?.currency ?? 'EUR';
  return { type: t.type, percent: 'percent' in t ? String(t.percent) : '10', months: 'months' in t ? String(t.months) : '3', amount: m ? minorToText(m.amount, currency) : '', currency };
}

/** The fields (API paths) an error names: the 422's details, or the form's own problem. */
function fieldsOf(error: ApiError | undefined, problem: Problem | null): string[] {
  const fields = problem ? [problem.field] : [];
  if (error && Array.isArray(error.details)) for (const d of error.details as { field?: unknown }[]) if (d && typeof d.field === 'string') fields.push(d.field);
  if (error?.code === 'unknown_reason') fields.push('eligibleReasons');
  return fields;
}
const names = (fields: string[], path: string) => fields.some((f) => f === path || f.startsWith(`${path}.`));

/** The type and its type-specific fields; `bad` marks the ones an error names. */
function TermsFields({ value, onChange, bad, idPrefix }: { value: TermsForm; onChange: (v: TermsForm) => void; bad: string[]; idPrefix: string }) {
  const needs = needsOf(value.type);
  const moneyPath = needs.perMonth ? 'terms.costPerMonth' : 'terms.amount';
  const set = (changes: Partial<TermsForm>) => onChange({ ...value, ...changes });
  return (
    <>
      <label>
        Type
        <select value={value.type} onChange={(e) => set({ type: e.target.value })} aria-invalid={names(bad, 'terms.type') || undefined} id={`${idPrefix}-type`}>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t]}
            </option>
          ))}
        </select>
      </label>
      {needs.percent ? (
        <label>
          Percent off
          <input type="number" step="any" value={value.percent} onChange={(e) => set({ percent: e.target.value })} aria-invalid={names(bad, 'terms.percent') || undefined} style={{ width: 80 }} />
        </label>
      ) : null}
      {needs.months ? (
        <label>
          Months
          <input type="number" step="1" value={value.months} onChange={(e) => set({ months: e.target.value })} aria-invalid={names(bad, 'terms.months') || undefined} style={{ width: 70 }} />
        </label>
      ) : null}
      {needs.amount ? (
        <>
          <label>
            {needs.perMonth ? 'Cost per month' : 'Amount'}
            <input
              inputMode="decimal"
              value={value.amount}
              placeholder={minorToText(5000, value.currency || 'EUR')}
              onChange={(e) => set({ amount: e.target.value })}
              aria-invalid={names(bad, `${moneyPath}.amount`) || undefined}
              style={{ width: 100 }}
            />
          </label>
          <label>
            Currency
            <input value={value.currency} onChange={(e) => set({ currency: e.target.value.toUpperCase() })} aria-invalid={names(bad, `${moneyPath}.currency`) || undefined} size={4} maxLength={3} />
          </label>
        </>
      ) : (
        <span className="muted small terms-none">{value.type === 'apology' || value.type === 'product_fix' ? 'no terms' : ''}</span>
      )}
    </>
  );
}

interface EditForm {
  name: string;
  description: string;
  terms: TermsForm;
  segments: string[];
  reasons: string[];
  uplift: string;
  active: boolean;
}

const editForm = (o: Offer): EditForm => ({
  name: o.name,
  description: o.description ?? '',
  terms: termsForm(o.terms),
  segments: o.eligibleSegments ?? [],
  reasons: o.eligibleReasons ?? [],
  uplift: String(o.uplift),
  active: o.active,
});

const sameList = (a: string[] | null, b: string[] | null) => JSON.stringify(a ? [...a].sort() : null) === JSON.stringify(b ? [...b].sort() : null);

/** What changed, as the PATCH body; or the problem that keeps it from being sent. */
function changesOf(o: Offer, f: EditForm, reasonOrder: string[]): { body: Record<string, unknown> } | { problem: Problem } {
  const body: Record<string, unknown> = {};
  if (f.name !== o.name) body.name = f.name;
  const description = f.description.trim() || null;
  if (description !== (o.description ?? null)) body.description = description;
  const terms = termsOf(f.terms);
  if ('problem' in terms) return terms;
  const before = termsOf(termsForm(o.terms));
  if (!('terms' in before) || JSON.stringify(before.terms) !== JSON.stringify(terms.terms)) body.terms = terms.terms;
  const segments = f.segments.length ? SEGMENTS.filter((s) => f.segments.includes(s)) : null;
  if (!sameList(segments, o.eligibleSegments)) body.eligibleSegments = segments;
  const order = (r: string) => (reasonOrder.includes(r) ? reasonOrder.indexOf(r) : Infinity);
  const reasons = f.reasons.length ? [...f.reasons].sort((a, b) => order(a) - order(b)) : null;
  if (!sameList(reasons, o.eligibleReasons)) body.eligibleReasons = reasons;
  const uplift = f.uplift.trim() === '' ? null : Number(f.uplift);
  if (uplift !== o.uplift) body.uplift = uplift;
  if (f.active !== o.active) body.active = f.active;
  return { body };
}

function Checks({ legend, options, value, onChange, invalid, hint }: { legend: string; options: { value: string; label: string; code?: string; child?: boolean }[]; value: string[]; onChange: (v: string[]) => void; invalid: boolean; hint: string }) {
  const groups: (typeof options)[] = [];
  for (const o of options) {
    if (o.child && groups.length) groups[groups.length - 1]!.push(o);
    else groups.push([o]);
  }
  return (
    <fieldset className="checks" aria-invalid={invalid || undefined}>
      <legend>
        {legend} <span className="muted">({value.length ? `${value.length} chosen` : 'none: any'})</span>
      </legend>
      <div className="checks-grid">
        {groups.map((g) => (
          // A reason with its sub-reasons stays together in one column.
          <div key={g[0]!.value} className="checks-group">
            {g.map((o) => (
              <label key={o.value} className={o.child ? 'child' : undefined}>
                <input type="checkbox" checked={value.includes(o.value)} onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))} />{' '}
                <span>
                  {o.label}
                  {o.code ? <span className="muted small"> {o.code}</span> : null}
                </span>
              </label>
            ))}
          </div>
        ))}
      </div>
      <div className="muted small">{hint}</div>
    </fieldset>
  );
}

/** One offer edited in place: every field but its code (offers are never deleted; deactivate them). */
function OfferEditor({ offer, reasons, onSaved, onCancel }: { offer: Offer; reasons: Reason[]; onSaved: (o: Offer | null) => void; onCancel: () => void }) {
  const [form, setForm] = useState(() => editForm(offer));
  const [problem, setProblem] = useState<Problem | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const save = useAction(async () => {
    const changes = changesOf(
      offer,
      form,
      reasons.map((r) => r.code),
    );
    if ('problem' in changes) {
      setProblem(changes.problem);
      return;
    }
    setProblem(null);
    if (Object.keys(changes.body).length === 0) return onSaved(null);
    onSaved(await api.patch<Offer>(`/api/v1/offers/${offer.id}`, changes.body));
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run();
  };
  const onKeyDown = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    }
  };
  const bad = fieldsOf(save.error, problem);
  const set = (changes: Partial<EditForm>) => setForm({ ...form, ...changes });
  const id = `offer-${offer.id}`;
  return (
    // noValidate: the API's rules are the ones that count, and its messages name the field.
    <form className="offer-edit" onSubmit={submit} onKeyDown={onKeyDown} noValidate aria-label={`Edit offer ${offer.code}`} data-testid={`offer-edit-${offer.code}`}>
      <div className="filters">
        <label>
          Name
          <input ref={first} value={form.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={names(bad, 'name') || undefined} size={28} />
        </label>
        <label className="grow">
          Description
          <input value={form.description} onChange={(e) => set({ description: e.target.value })} aria-invalid={names(bad, 'description') || undefined} />
        </label>
      </div>
      <div className="filters">
        <TermsFields value={form.terms} onChange={(terms) => set({ terms })} bad={bad} idPrefix={id} />
        <label>
          Uplift on P(recovery)
          <input type="number" step="0.05" value={form.uplift} onChange={(e) => set({ uplift: e.target.value })} aria-invalid={names(bad, 'uplift') || undefined} style={{ width: 80 }} />
        </label>
        <label className="inline-check">
          <input type="checkbox" checked={form.active} onChange={(e) => set({ active: e.target.checked })} /> Active (proposed in calls)
        </label>
      </div>
      <div className="offer-edit-eligibility">
        <Checks
          legend="For segments"
          options={SEGMENTS.map((s) => ({ value: s, label: SEGMENT_LABEL[s] ?? s }))}
          value={form.segments}
          onChange={(segments) => set({ segments })}
          invalid={names(bad, 'eligibleSegments')}
          hint="No segment chosen: the offer is for every segment."
        />
        <Checks
          legend="For reasons"
          options={reasons.map((r) => ({ value: r.code, label: r.label, code: r.code, child: !!r.parentCode }))}
          value={form.reasons}
          onChange={(reasons) => set({ reasons })}
          invalid={names(bad, 'eligibleReasons')}
          hint="A reason covers its sub-reasons. None chosen: any reason."
        />
      </div>
      <div className="row">
        <button className="primary" type="submit" disabled={save.running}>
          {save.running ? 'Saving…' : 'Save offer'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <span className="muted small">
          <span className="kbd">Enter</span> saves · <span className="kbd">Esc</span> cancels · code <code>{offer.code}</code> stays
        </span>
      </div>
      <FormProblem problem={problem} title="The offer was not saved" />
      {save.error ? <ErrorBox error={save.error} title="The offer was not saved" /> : null}
    </form>
  );
}

export default function Offers() {
  useTitle('Offers');
  const offers = useApi<{ offers: Offer[] }>('/api/v1/offers');
  const reasons = useReasons();
  const [editing, setEditing] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [focusEdit, setFocusEdit] = useState<number | null>(null);
  const [form, setForm] = useState({ code: '', name: '', uplift: '1.2', description: '' });
  const [terms, setTerms] = useState<TermsForm>({ type: 'discount_percent', percent: '10', months: '3', amount: '50.00', currency: 'EUR' });
  const [addProblem, setAddProblem] = useState<Problem | null>(null);
  const create = useAction(async () => {
    const t = termsOf(terms);
    if ('problem' in t) {
      setAddProblem(t.problem);
      return;
    }
    setAddProblem(null);
    const created = await api.post<Offer>('/api/v1/offers', { code: form.code, name: form.name, terms: t.terms, uplift: Number(form.uplift), description: form.description || null });
    setNotice(`Added “${created.name}”.`);
    offers.reload();
  });
  const toggle = useAction(async (o: Offer) => {
    await api.patch(`/api/v1/offers/${o.id}`, { active: !o.active });
    offers.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  // Back on the row's Edit button after saving or cancelling, so the keyboard does not lose its place.
  useEffect(() => {
    if (focusEdit === null) return;
    document.querySelector<HTMLButtonElement>(`[data-edit-offer="${focusEdit}"]`)?.focus();
    setFocusEdit(null);
  }, [focusEdit, editing]);
  const close = (id: number) => {
    setEditing(null);
    setFocusEdit(id);
  };
  const addBad = fieldsOf(create.error, addProblem);
  return (
    <>
      <PageHeader title="Offer catalogue" />
      {notice ? (
        <div className="notice" role="status" data-testid="offers-notice">
          {notice}
        </div>
      ) : null}
      <Card title="Offers" testId="offers" actions={<span className="muted small">Offers are never deleted (calls refer to them): deactivate them instead.</span>}>
        <Async data={offers.data} error={offers.error} loading={offers.loading}>
          {({ offers: list }) =>
            list.length === 0 ? (
              <Empty>No offers yet.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Offer</th>
                    <th>Kind</th>
                    <th>Terms</th>
                    <th>For segments</th>
                    <th>For reasons</th>
                    <th className="num">Uplift on P(recovery)</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((o) =>
                    editing === o.id ? (
                      <tr key={o.id} className="editing" data-offer={o.code}>
                        <td colSpan={7}>
                          <OfferEditor
                            offer={o}
                            reasons={reasons}
                            onCancel={() => close(o.id)}
                            onSaved={(saved) => {
                              setNotice(saved ? `Saved “${saved.name}”.` : `No changes to “${o.name}”.`);
                              close(o.id);
                              if (saved) offers.reload();
                            }}
                          />
                        </td>
                      </tr>
                    ) : (
                      <tr key={o.id} data-offer={o.code} style={o.active ? undefined : { opacity: 0.55 }}>
                        <td>
                          <strong>{o.name}</strong> <span className="muted small">{o.code}</span>
                          {o.active ? null : (
                            <>
                              {' '}
                              <Badge>inactive</Badge>
                            </>
                          )}
                          {o.description ? <div className="muted small">{o.description}</div> : null}
                        </td>
                        <td>
                          <Badge tone={o.kind === 'material' ? 'warn' : 'good'}>{o.kind}</Badge>
                        </td>
                        <td>{offerTerms(o.terms)}</td>
                        <td>{o.eligibleSegments ? o.eligibleSegments.map((s) => SEGMENT_LABEL[s] ?? s).join(', ') : 'any'}</td>
                        <td>{o.eligibleReasons ? o.eligibleReasons.join(', ') : 'any'}</td>
                        <td className="num">× {num(o.uplift, 2)}</td>
                        <td className="nowrap">
                          <button type="button" data-edit-offer={o.id} aria-label={`Edit ${o.name}`} onClick={() => {
                              setNotice(null);
                              setEditing(o.id);
                            }}>
                            Edit
                          </button>{' '}
                          <button type="button" onClick={() => void toggle.run(o)}>
                            {o.active ? 'Deactivate' : 'Activate'}
                          </button>
                        </td>
                      </tr>
                    ),
                  )}
                </tbody>
              </table>
            )
          }
        </Async>
        {toggle.error ? <ErrorBox error={toggle.error} /> : null}
      </Card>
      <Card title="Add an offer">
        <form className="filters" onSubmit={submit} noValidate>
          <label>
            Code
            <input value={form.code} onChange={(e) => setForm({ ...form, code: e.target.value })} aria-invalid={names(addBad, 'code') || undefined} size={12} />
          </label>
          <label>
            Name
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-invalid={names(addBad, 'name') || undefined} size={26} />
          </label>
          <TermsFields value={terms} onChange={setTerms} bad={addBad} idPrefix="new-offer" />
          <label>
            Uplift
            <input type="number" step="0.05" value={form.uplift} onChange={(e) => setForm({ ...form, uplift: e.target.value })} aria-invalid={names(addBad, 'uplift') || undefined} style={{ width: 70 }} />
          </label>
          <label>
            Description
            <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} size={26} />
          </label>
          <button className="primary" type="submit" disabled={create.running}>
            Add offer
          </button>
        </form>
        <FormProblem problem={addProblem} title="The offer was not added" />
        {create.error ? <ErrorBox error={create.error} title="The offer was not added" /> : null}
      </Card>
    </>
  );
}
