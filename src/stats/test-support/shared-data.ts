/**
 * Test support: locate the reference data in `../shared/` (beside the repository root) and load it.
 * When the folder is absent, tests skip with a visible message — except under CI, where a missing
 * folder fails the run so CI is never green by skipping silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeTransactions, type CustomerSummary, type TransactionColumns } from '../summary.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');

/**
 * The absolute path of a file under `../shared/`, or null when absent (outside CI).
 * Under CI a missing file throws, failing the suite.
 */
export function sharedFile(relative: string): string | null {
  const file = path.join(sharedDir, relative);
  if (existsSync(file)) return file;
  const message = `shared data not found: ${file}`;
  if (process.env.CI) throw new Error(`${message} (CI must have ../shared/; refusing to skip)`);
  console.warn(`SKIPPED — ${message}`);
  return null;
}

/** Parse YYYYMMDD into UTC epoch milliseconds. */
function ymdToEpochMs(ymd: string): number {
  return Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)) - 1, Number(ymd.slice(6, 8)));
}

/**
 * Load `CDNOW_sample.txt` as transaction columns: customer index = sample id − 1, amount in cents.
 * The file's columns are `original_id sample_id YYYYMMDD cds dollars` (e.g. `00004 0001 …`: the
 * sample ids 1..2357 are the SECOND column, whatever ../shared/README.md says).
 */
export function loadCdnowSample(file: string): TransactionColumns & { customerCount: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const customer: number[] = [];
  const time: number[] = [];
  const amount: number[] = [];
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    customer.push(Number(f[1]) - 1);
    time.push(ymdToEpochMs(f[2] as string));
    amount.push(Math.round(Number(f[4]) * 100));
  }
  const cols = {
    customer: Int32Array.from(customer),
    time: Float64Array.from(time),
    amount: Float64Array.from(amount),
  };
  let max = -1;
  for (const c of customer) if (c > max) max = c;
  return { ...cols, customerCount: max + 1 };
}

/** CDNOW periods used in the papers: calibration to 1997-09-30, holdout to 1998-06-30 (weeks). */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30);
export const CDNOW_HOLDOUT_END = Date.UTC(1998, 5, 30);

/** Where the CDNOW 1/10 sample lives under `../shared/`. */
export const CDNOW_SAMPLE = 'data/cdnow/CDNOW_sample.txt';

/**
 * The CDNOW sample (`loadCdnowSample`) summarised in weeks as in the papers: calibration to CDNOW_CALIBRATION_END and,
 * unless `holdout` is false, the holdout to CDNOW_HOLDOUT_END.
 */
export function cdnowWeeklySummary(data: TransactionColumns & { customerCount: number }, holdout = true): CustomerSummary {
  return summarizeTransactions(data, {
    calibrationEnd: CDNOW_CALIBRATION_END,
    ...(holdout ? { holdoutEnd: CDNOW_HOLDOUT_END } : {}),
    unit: 'week',
    customerCount: data.customerCount,
  });
}

/** Parse a small CSV with a header row into columns of numbers. */
export function readNumericCsv(file: string): Record<string, number[]> {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const names = (header as string).split(',').map((s) => s.trim());
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  for (const row of rows) {
    const cells = row.split(',');
    names.forEach((n, i) => out[n]!.push(Number(cells[i])));
  }
  return out;
}
