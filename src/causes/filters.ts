import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { CausesError } from './errors.js';
import { employeesByCode, teamByCode, type LossFilter } from './repository.js';
import type { LossState, TrendPeriod } from './schemas.js';

type Db = Kysely<DB> | Transaction<DB>;

/** The same instant `months` calendar months earlier (UTC; the 31st falls back to the month's last day). */
export function monthsBefore(d: Date, months: number): Date {
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target;
}

/**
 * The default period: the 12 months before `to`. For trends, whole periods: from the start of the month (or
 * quarter) eleven months (three quarters) before the one `to` falls in.
 */
export function defaultFrom(to: Date, by?: TrendPeriod): Date {
  if (!by) return monthsBefore(to, 12);
  const month = by === 'month' ? to.getUTCMonth() : to.getUTCMonth() - (to.getUTCMonth() % 3);
  return new Date(Date.UTC(to.getUTCFullYear(), month - (by === 'month' ? 11 : 9), 1));
}

/** Codes of the catalogue equal to `code` or below it ('service' → 'service', 'service.slow_response', …). */
export function codeAndDescendants(catalogue: Iterable<string>, code: string): string[] {
  return [...catalogue].filter((c) => c === code || c.startsWith(`${code}.`));
}

export interface ResolvedFilter {
  filter: LossFilter;
  team: { code: string; name: string } | null;
  employee: { code: string; name: string } | null;
}

/** Turns codes into ids (unknown ones are coded errors) and fills in the default period. */
export async function resolveLossFilter(
  db: Db,
  catalogue: Map<string, string>,
  q: { from?: Date | undefined; to?: Date | undefined; level?: number | undefined; state?: LossState | undefined; team?: string | undefined; employee?: string | undefined; reason?: string | undefined },
  by?: TrendPeriod,
): Promise<ResolvedFilter> {
  const to = q.to ?? new Date();
  const from = q.from ?? defaultFrom(to, by);
  if (from >= to) throw new CausesError('invalid_options', `the period is empty: from ${from.toISOString()} is not before to ${to.toISOString()}`);
  let team: ResolvedFilter['team'] = null;
  let teamId: number | undefined;
  if (q.team !== undefined) {
    const row = await teamByCode(db, q.team);
    if (!row) {
      const known = (await db.selectFrom('teams').select('code').orderBy('code').limit(21).execute()).map((t) => t.code);
      const list = known.length === 0 ? 'there are no teams (import teams first)' : `teams: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`;
      throw new CausesError('unknown_team', `no team with code "${q.team}"; ${list}`);
    }
    team = { code: row.code, name: row.name };
    teamId = Number(row.id);
  }
  let employee: ResolvedFilter['employee'] = null;
  let employeeId: number | undefined;
  if (q.employee !== undefined) {
    const [row] = await employeesByCode(db, [q.employee]);
    if (!row) throw new CausesError('unknown_employee', `no employee with code "${q.employee}"`);
    employee = { code: row.code, name: row.name };
    employeeId = row.id;
  }
  let reasonCodes: string[] | undefined;
  if (q.reason !== undefined) {
    reasonCodes = codeAndDescendants(catalogue.keys(), q.reason);
    if (reasonCodes.length === 0) throw new CausesError('unknown_reason', `no reason code "${q.reason}" in the catalogue (see \`winback reasons\`)`);
  }
  return { filter: { from, to, state: q.state, teamId, employeeId, reasonCodes, level: q.level }, team, employee };
}
