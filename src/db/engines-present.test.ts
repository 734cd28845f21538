import { describe, expect, it } from 'vitest';
import { testEngines } from './test-support/engines.js';

// CI must never be green because the PostgreSQL half of the storage suite was silently skipped.
describe('test engines', () => {
  it('include PostgreSQL whenever CI runs', () => {
    const engines = testEngines.map((e) => e.engine);
    if (process.env.CI) {
      expect(process.env.WINBACK_TEST_DATABASE_URL, 'CI must set WINBACK_TEST_DATABASE_URL').toBeTruthy();
      expect(engines).toContain('postgresql');
    } else if (!engines.includes('postgresql')) {
      console.warn('WINBACK_TEST_DATABASE_URL is not set: the storage suite runs on PGlite only');
    }
    expect(engines).toContain('pglite');
  });
});
