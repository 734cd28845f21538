// The compiled program reads its SQL migrations at run time; tsc copies only code, so the build copies them.
// (The web application is built by Vite into dist/web: `npm run build:web`.)
import { cpSync } from 'node:fs';

for (const dir of ['db/migrations']) {
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
