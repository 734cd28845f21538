/**
 * Time helpers for the demo generator. Internally every instant is a number of milliseconds since
 * the Unix epoch (UTC); only `isoTimestamp` and `isoDate` turn instants into the CSV text forms,
 * so every file uses the same formats.
 *
 * They format by integer arithmetic instead of `Date#toISOString`: a million-customer demo prints
 * about ten million timestamps, and allocating a `Date` for each was the largest single cost.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const YEAR_MS = 365.25 * DAY_MS;

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `YYYY-MM-DD` of a day number (days since 1970-01-01), by Howard Hinnant's `civil_from_days`
 * (proleptic Gregorian; years 0–9999, which is all a demo needs).
 */
function civilDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

/**
 * `2024-03-05T14:30:00Z`. Truncated (never rounded) to whole seconds so an instant just before
 * `asOf` can never be printed as a later second than `asOf` itself.
 */
export function isoTimestamp(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const secondOfDay = seconds - days * 86400;
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay - hour * 3600) / 60);
  const second = secondOfDay - hour * 3600 - minute * 60;
  return `${civilDate(days)}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}Z`;
}

/** `2024-03-05`: the UTC calendar day of the instant. */
export function isoDate(ms: number): string {
  return civilDate(Math.floor(ms / DAY_MS));
}

/** Start (00:00 UTC) of the day containing the instant; date-only fields are compared on this. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
