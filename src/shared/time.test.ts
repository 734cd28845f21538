import { describe, expect, it } from 'vitest';
import { isValidTimeZone, wallClockAt, zonedToUtc } from './time.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => ({ year: y, month: mo, day: d, hour: h, minute: mi, second: s });

describe('zoned time', () => {
  it('converts a Berlin winter and summer wall-clock time to UTC', () => {
    expect(new Date(zonedToUtc(at(2024, 1, 15, 9), 'Europe/Berlin')).toISOString()).toBe('2024-01-15T08:00:00.000Z');
    expect(new Date(zonedToUtc(at(2024, 7, 15, 9), 'Europe/Berlin')).toISOString()).toBe('2024-07-15T07:00:00.000Z');
  });

  it('moves a wall-clock time inside the spring-forward gap to after the gap', () => {
    // 2024-03-31 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00).
    expect(new Date(zonedToUtc(at(2024, 3, 31, 2, 30), 'Europe/Berlin')).toISOString()).toBe('2024-03-31T01:30:00.000Z');
  });

  it('picks the first occurrence of a wall-clock time in the autumn overlap', () => {
    // 2024-11-03 01:30 happens twice in New York: first at EDT (UTC-4).
    expect(new Date(zonedToUtc(at(2024, 11, 3, 1, 30), 'America/New_York')).toISOString()).toBe('2024-11-03T05:30:00.000Z');
  });

  it('reads the wall clock of a zone at an instant', () => {
    expect(wallClockAt(Date.parse('2024-07-01T23:30:00Z'), 'Asia/Tokyo')).toEqual(at(2024, 7, 2, 8, 30));
  });

  it('knows valid and invalid zone names', () => {
    expect(isValidTimeZone('Europe/Vienna')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
