/**
 * Who is working, until sign-in exists: the employee picked in the "acting as" selector, kept in this browser
 * (localStorage). It names the agent of calls and claims; it is not authentication.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { ApiError } from './api';
import { useApi, useLocalStorage } from './hooks';
import type { Employee } from './types';

/** What this browser keeps of the employee acting. */
export type ActingEmployee = Pick<Employee, 'id' | 'code' | 'name'>;

interface Acting {
  employee: ActingEmployee | null;
  setEmployee: (e: ActingEmployee | null) => void;
}

const ActingContext = createContext<Acting>({ employee: null, setEmployee: () => {} });
export const useActing = () => useContext(ActingContext);

export function ActingProvider({ children }: { children: ReactNode }) {
  const [stored, setStored] = useLocalStorage('winback.actingAs', null);
  const value = useMemo<Acting>(() => {
    let employee: ActingEmployee | null = null;
    try {
      employee = stored ? (JSON.parse(stored) as ActingEmployee) : null;
    } catch {
      employee = null;
    }
    return { employee, setEmployee: (e) => setStored(e ? JSON.stringify({ id: e.id, code: e.code, name: e.name }) : null) };
  }, [stored, setStored]);
  return <ActingContext.Provider value={value}>{children}</ActingContext.Provider>;
}

/** The employees (GET /api/v1/employees); none while they load or when they cannot be read. */
export function useEmployees(): { employees: Employee[]; error: ApiError | undefined } {
  const { data, error } = useApi<{ employees: Employee[] }>('/api/v1/employees');
  return { employees: data?.employees ?? [], error };
}

export function ActingAsSelector() {
  const { employee, setEmployee } = useActing();
  const { employees, error } = useEmployees();
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
