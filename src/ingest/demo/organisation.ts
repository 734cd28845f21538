/**
 * The demo company's own people: six teams and thirty employees. The structure is fixed (so every
 * demo looks alike and the docs can refer to "the Retention team"); only the names vary with the
 * seed. Regional teams serve customers; Retention holds the recovery-call agents; executives sit
 * in Management and will personally call a handful of lost key customers.
 */
import type { Rng } from '../../stats/random.js';
import { drawStaffPerson, slug } from './people.js';

export type Role = 'agent' | 'executive' | 'manager' | 'frontline';

export interface Team {
  code: string;
  name: string;
}

export interface Employee {
  code: string;
  name: string;
  email: string;
  team: string;
  role: Role;
}

export const TEAMS = {
  north: { code: 'NORTH', name: 'North' },
  south: { code: 'SOUTH', name: 'South' },
  keyAccounts: { code: 'KEY', name: 'Key Accounts' },
  online: { code: 'ONLINE', name: 'Online' },
  retention: { code: 'RETENTION', name: 'Retention' },
  management: { code: 'MGMT', name: 'Management' },
} as const satisfies Record<string, Team>;

/** Teams whose frontline staff own customer relationships. */
export const SERVING_TEAMS = [TEAMS.north, TEAMS.south, TEAMS.keyAccounts, TEAMS.online] as const;

/** Headcount per (team, role); 30 people in total. */
const STAFFING: readonly { team: Team; role: Role; count: number }[] = [
  { team: TEAMS.management, role: 'executive', count: 4 },
  { team: TEAMS.north, role: 'manager', count: 1 },
  { team: TEAMS.north, role: 'frontline', count: 5 },
  { team: TEAMS.south, role: 'manager', count: 1 },
  { team: TEAMS.south, role: 'frontline', count: 4 },
  { team: TEAMS.keyAccounts, role: 'manager', count: 1 },
  { team: TEAMS.keyAccounts, role: 'frontline', count: 3 },
  { team: TEAMS.online, role: 'manager', count: 1 },
  { team: TEAMS.online, role: 'frontline', count: 3 },
  { team: TEAMS.retention, role: 'manager', count: 1 },
  { team: TEAMS.retention, role: 'agent', count: 6 },
];

export interface Organisation {
  teams: readonly Team[];
  employees: readonly Employee[];
  /** Frontline staff by team code: who may own and serve a customer. */
  frontlineByTeam: ReadonlyMap<string, readonly Employee[]>;
  frontline: readonly Employee[];
  agents: readonly Employee[];
}

export function buildOrganisation(rng: Rng): Organisation {
  const employees: Employee[] = [];
  const usedEmails = new Set<string>();
  for (const { team, role, count } of STAFFING) {
    for (let i = 0; i < count; i++) {
      const person = drawStaffPerson(rng);
      let local = `${slug(person.first)}.${slug(person.last)}`;
      // Two staff with the same name get distinct mailboxes, as a real mail admin would arrange.
      for (let n = 2; usedEmails.has(local); n++) local = `${slug(person.first)}.${slug(person.last)}${n}`;
      usedEmails.add(local);
      employees.push({
        code: `E${String(employees.length + 1).padStart(3, '0')}`,
        name: person.name,
        email: `${local}@winback-demo.example`,
        team: team.code,
        role,
      });
    }
  }
  const frontline = employees.filter((e) => e.role === 'frontline');
  const frontlineByTeam = new Map<string, Employee[]>();
  for (const e of frontline) frontlineByTeam.set(e.team, [...(frontlineByTeam.get(e.team) ?? []), e]);
  return {
    teams: Object.values(TEAMS),
    employees,
    frontlineByTeam,
    frontline,
    agents: employees.filter((e) => e.role === 'agent'),
  };
}
