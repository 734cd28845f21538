import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Async, Badge, Card, Empty, ErrorBox, PageHeader } from '../components/ui';
import { currencyDigits, money, num } from '../format';
import { useAction, useApi } from '../hooks';
import { useTitle } from '../router';
import { SEGMENT_LABEL } from './common';

export interface Offer {
  id: number;
  code: string;
  name: string;
  kind: 'material' | 'immaterial';
  terms: { type: string; percent?: number; months?: number; amount?: { amount: number; currency: string }; costPerMonth?: { amount: number; currency: string } };
  eligibleSegments: string[] | null;
  eligibleReasons: string[] | null;
  uplift: number;
  active: boolean;
  description: string | null;
}

export function describeTerms(t: Offer['terms']): string {
  switch (t.type) {
    case 'discount_percent':
      return `${t.percent} % off for ${t.months} months`;
    case 'account_credit':
      return `credit of ${money(t.amount!.amount, t.amount!.currency, true)}`;
    case 'free_months':
      return `${t.months} months free`;
    case 'switching_bonus':
      return `switching bonus ${money(t.amount!.amount, t.amount!.currency, true)}`;
    case 'personal_advisor':
    case 'priority_service':
      return `${t.months} months at ${money(t.costPerMonth!.amount, t.costPerMonth!.currency, true)} a month`;
    default:
      return t.type.replace('_', ' ');
  }
}

const TYPES = ['discount_percent', 'account_credit', 'free_months', 'switching_bonus', 'apology', 'personal_advisor', 'priority_service', 'product_fix'];

export default function Offers() {
  useTitle('Offers');
  const offers = useApi<{ offers: Offer[] }>('/api/v1/offers');
  const [form, setForm] = useState({ code: '', name: '', type: 'discount_percent', percent: '10', months: '3', amount: '50', currency: 'EUR', uplift: '1.2', description: '' });
  const minor = (v: string) => Math.round(Number(v) * 10 ** currencyDigits(form.currency));
  const terms = () => {
    const m = Number(form.months);
    const amount = { amount: minor(form.amount), currency: form.currency };
    switch (form.type) {
      case 'discount_percent':
        return { type: form.type, percent: Number(form.percent), months: m };
      case 'account_credit':
      case 'switching_bonus':
        return { type: form.type, amount };
      case 'free_months':
        return { type: form.type, months: m };
      case 'personal_advisor':
      case 'priority_service':
        return { type: form.type, months: m, costPerMonth: amount };
      default:
        return { type: form.type };
    }
  };
  const create = useAction(async () => {
    await api.post('/api/v1/offers', { code: form.code, name: form.name, terms: terms(), uplift: Number(form.uplift), description: form.description || null });
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
  const needs = { percent: form.type === 'discount_percent', months: ['discount_percent', 'free_months', 'personal_advisor', 'priority_service'].includes(form.type), amount: ['account_credit', 'switching_bonus', 'personal_advisor', 'priority_service'].includes(form.type) };
  return (
    <>
      <PageHeader title="Offer catalogue" />
      <Card title="Offers" testId="offers">
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
                  {list.map((o) => (
                    <tr key={o.id} style={o.active ? undefined : { opacity: 0.55 }}>
                      <td>
                        <strong>{o.name}</strong> <span className="muted small">{o.code}</span>
                        {o.description ? <div className="muted small">{o.description}</div> : null}
                      </td>
                      <td>
                        <Badge tone={o.kind === 'material' ? 'warn' : 'good'}>{o.kind}</Badge>
                      </td>
                      <td>{describeTerms(o.terms)}</td>
                      <td>{o.eligibleSegments ? o.eligibleSegments.map((s) => SEGMENT_LABEL[s] ?? s).join(', ') : 'any'}</td>
                      <td>{o.eligibleReasons ? o.eligibleReasons.join(', ') : 'any'}</td>
                      <td className="num">× {num(o.uplift, 2)}</td>
                      <td>
                        <button type="button" onClick={() => void toggle.run(o)}>
                          {o.active ? 'Deactivate' : 'Activate'}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
        {toggle.error ? <ErrorBox error={toggle.error} /> : null}
      </Card>
      <Card title="Add an offer">
        <form className="filters" onSubmit={submit}>
          <label>
            Code
            <input value={form.code} onChange={(e) => setForm({ ...form, code: e.target.value })} required size={12} />
          </label>
          <label>
            Name
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required size={26} />
          </label>
          <label>
            Type
            <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
              {TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          {needs.percent ? (
            <label>
              Percent
              <input type="number" value={form.percent} onChange={(e) => setForm({ ...form, percent: e.target.value })} style={{ width: 70 }} />
            </label>
          ) : null}
          {needs.months ? (
            <label>
              Months
              <input type="number" value={form.months} onChange={(e) => setForm({ ...form, months: e.target.value })} style={{ width: 70 }} />
            </label>
          ) : null}
          {needs.amount ? (
            <>
              <label>
                Amount{form.type.startsWith('personal') || form.type.startsWith('priority') ? ' per month' : ''}
                <input type="number" step="any" value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} style={{ width: 90 }} />
              </label>
              <label>
                Currency
                <input value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value.toUpperCase() })} size={4} maxLength={3} />
              </label>
            </>
          ) : null}
          <label>
            Uplift
            <input type="number" step="0.05" value={form.uplift} onChange={(e) => setForm({ ...form, uplift: e.target.value })} style={{ width: 70 }} />
          </label>
          <label>
            Description
            <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} size={26} />
          </label>
          <button className="primary" type="submit" disabled={create.running}>
            Add offer
          </button>
        </form>
        {create.error ? <ErrorBox error={create.error} title="The offer was not added" /> : null}
      </Card>
    </>
  );
}
