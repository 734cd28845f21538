import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder of CSV files for a test; `write` returns the path of the file written. */
export function csvFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'winback-import-'));
  return {
    dir,
    write(name: string, lines: string[]): string {
      const path = join(dir, name);
      writeFileSync(path, lines.join('\n') + '\n');
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const basicCompany = {
  teams: ['code,name', 'north,North', 'retention,Retention'],
  employees: ['code,name,email,team,role', 'E1,Anna Berg,anna@example.com,north,frontline', 'E2,Ben Cole,,retention,agent'],
  customers: [
    'external_id,name,email,country,timezone,acquired_at,team,employee,currency,industry',
    'C1,Alpha GmbH,alpha@example.com,DE,Europe/Berlin,2022-01-15,north,E1,EUR,retail',
    'C2,Beta Ltd,beta@example.com,GB,Europe/London,2022-03-01T10:00:00Z,north,E1,GBP,',
    'C3,Gamma Inc,,US,America/New_York,2023-07-04,,,USD,software',
  ],
  orders: [
    'external_id,customer_id,occurred_at,amount,margin,currency',
    'O1,C1,2023-01-05T10:00:00Z,100.00,30.00,EUR',
    'O2,C1,2023-02-05T10:00:00Z,0.10,,EUR',
    ',C2,2023-03-01,19.99,,GBP',
    ',C2,2023-03-01,19.99,,GBP',
    'O3,C3,2023-04-01,-5.5,,USD',
  ],
};
