// The compiled program reads its SQL migrations at run time; tsc copies only code, so the build copies them.
import { cpSync } from 'node:fs';

cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true, filter: (src) => !src.endsWith('.ts') });
