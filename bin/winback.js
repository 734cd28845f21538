#!/usr/bin/env node
// Entry point of the installed CLI: runs the compiled program (built by `npm run build`, which `npm install` runs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('winback is not built yet: run `npm run build` (npm install does it for you).');
  process.exit(1);
}
await import(main.href);
