/** Pieces several pages share: the reason, team, employee and segment choices, read from the API. */
import { SEGMENTS } from '../../../src/analyse/vocabulary';
import { useEmployees } from '../acting';
import { useApi } from '../hooks';
import type { Reason, Team } from '../types';

export const SEGMENT_LABEL: Record<string, string> = {
  true_friends: 'True friends',
  butterflies: 'Butterflies',
  barnacles: 'Barnacles',
  strangers: 'Strangers',
} satisfies Record<(typeof SEGMENTS)[number], string>;

export function useReasons() {
  return useApi<{ reasons: Reason[] }>('/api/v1/reasons').data?.reasons ?? [];
}
export function useTeams() {
  return useApi<{ teams: Team[] }>('/api/v1/teams').data?.teams ?? [];
}

export function ReasonSelect({ value, onChange, label = 'Reason', any = 'any reason' }: { value: string; onChange: (v: string) => void; label?: string; any?: string }) {
  const reasons = useReasons();
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label}>
        <option value="">{any}</option>
        {reasons.map((r) => (
          <option key={r.code} value={r.code}>
            {r.parentCode ? '\u00a0\u00a0' : ''}
            {r.label} ({r.code})
          </option>
        ))}
      </select>
    </label>
  );
}

export function TeamSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const teams = useTeams();
  return (
    <label>
      Team
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label="Team">
        <option value="">any team</option>
        {teams.map((t) => (
          <option key={t.code} value={t.code}>
            {t.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** An employee by code, or nobody (`none` names that choice). */
export function EmployeeSelect({ value, onChange, label, none }: { value: string; onChange: (v: string) => void; label: string; none: string }) {
  const { employees } = useEmployees();
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label}>
        <option value="">{none}</option>
        {employees.map((e) => (
          <option key={e.code} value={e.code}>
            {e.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function SegmentSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <label>
      Segment
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label="Segment">
        <option value="">any segment</option>
        {SEGMENTS.map((s) => (
          <option key={s} value={s}>
            {SEGMENT_LABEL[s]}
          </option>
        ))}
      </select>
    </label>
  );
}
