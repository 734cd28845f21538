import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 180_000, // CLI tests spawn several processes each; a loaded 2-core CI machine needs the margin
    hookTimeout: 120_000,
    // PGlite instances are memory-hungry WASM; a couple of workers keep a 2-core machine responsive.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
