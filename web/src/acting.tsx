/**
 * Who is working, until sign-in exists: the employee picked in the "acting as" selector, kept in this browser
 * (localStorage). It names the agent of calls and claims; it is not authentication.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useApi, useLocalStorage } from './hooks';

export interface Employee {
  id: number;
  code: string;
  name: string;
  role?: string | null;
  team?: string | { code: string; name?: string } | null;
}

interface Acting {
  employee: Employee | null;
  setEmployee: (e: Employee | null) => void;
}

const ActingContext = createContext<Acting>({ employee: null, setEmployee: () => {} });
export const useActing = () => useContext(ActingContext);

export function ActingProvider({ children }: { children: ReactNode }) {
  const [stored, setStored] = useLocalStorage('winback.actingAs', null);
  const value = useMemo<Acting>(() => {
    let employee: Employee | null = null;
    try {
      employee = stored ? (JSON.parse(stored) as Employee) : null;
    } catch {
      employee = null;
    }
    return { employee, setEmployee: (e) => setStored(e ? JSON.stringify({ id: e.id, code: e.code, name: e.name }) : null) };
  }, [stored, setStored]);
  return <ActingContext.Provider value={value}>{children}</ActingContext.Provider>;
}

export function employeesOf(data: unknown): Employee[] {
  if (Array.isArray(data)) return data as Employee[];
  if (data && typeof data === 'object') {
    const d = data as { employees?: Employee[]; items?: Employee[] };
    return d.employees ?? d.items ?? [];
  }
  return [];
}

export function ActingAsSelector() {
  const { employee, setEmployee } = useActing();
  const { data, error } = useApi<unknown>('/api/v1/employees');
  const employees = employeesOf(data);
  return (
    <label className="acting-as" title="Until sign-in exists, pick who you are. This only names the agent of calls and claims; it is not a login.">
      <span className="acting-tag">Acting as (no sign-in)</span>
      <select
        aria-label="Acting as employee"
        value={employee ? String(employee.id) : ''}
        onChange={(e) => setEmployee(employees.find((x) => String(x.id) === e.target.value) ?? null)}
        disabled={!!error && !employee}
      >
        <option value="">{error ? 'employees unavailable' : '— choose an employee —'}</option>
        {employee && !employees.some((e) => e.id === employee.id) ? <option value={String(employee.id)}>{employee.name}</option> : null}
        {employees.map((e) => (
          <option key={e.id} value={String(e.id)}>
            {e.name} ({e.code})
          </option>
        ))}
      </select>
    </label>
  );
}
