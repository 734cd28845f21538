// The compiled program reads its SQL migrations and web page at run time; tsc copies only code, so the build copies them.
import { cpSync } from 'node:fs';

for (const dir of ['db/migrations', 'server/public']) {
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
