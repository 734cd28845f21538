/**
 * The people of the company — teams and employees — for the web app's "acting as" selector and the list's team
 * and employee filters. Small reference tables, read whole.
 */
import type { Database } from '../db/engine.js';
import type { EmployeeRole } from '../db/schema.js';
import { CustomersError } from './errors.js';
import { employeeListQuerySchema, parseInput, type EmployeeListQueryInput } from './schemas.js';

export interface Team {
  id: number;
  code: string;
  name: string;
  employees: number;
}

export interface Employee {
  id: number;
  code: string;
  name: string;
  email: string | null;
  role: EmployeeRole;
  team: string | null;
  teamName: string | null;
}

export async function listTeams(database: Database): Promise<Team[]> {
  const rows = await database.db
    .selectFrom('teams as t')
    .leftJoin('employees as e', 'e.team_id', 't.id')
    .select(['t.id', 't.code', 't.name', (eb) => eb.fn.count<number>('e.id').as('employees')])
    .groupBy(['t.id', 't.code', 't.name'])
    .orderBy('t.code')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), code: r.code, name: r.name, employees: Number(r.employees) }));
}

export async function listEmployees(database: Database, input: EmployeeListQueryInput = {}): Promise<Employee[]> {
  const q = parseInput(employeeListQuerySchema, input, 'employee list query');
  let query = database.db
    .selectFrom('employees as e')
    .leftJoin('teams as t', 't.id', 'e.team_id')
    .select(['e.id', 'e.code', 'e.name', 'e.email', 'e.role', 't.code as team', 't.name as team_name'])
    .orderBy('e.code');
  if (q.team !== undefined) {
    const team = await database.db.selectFrom('teams').select('id').where('code', '=', q.team).executeTakeFirst();
    if (!team) throw new CustomersError('unknown_team', `no team with code "${q.team}"`);
    query = query.where('e.team_id', '=', Number(team.id));
  }
  const rows = await query.execute();
  return rows.map((r) => ({ id: Number(r.id), code: r.code, name: r.name, email: r.email, role: r.role, team: r.team, teamName: r.team_name }));
}
