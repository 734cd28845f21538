/**
 * Model benchmark: `npm run bench:models [-- --sizes 1e4,1e5 --runs 3]`.
 *
 * Per population size: simulate customers from a BG/NBD process at daily resolution (time in
 * weeks, customer ages spread over a year, as a summary over real orders would be), then time
 *  - summarize: `summarizeTransactions` over the matching transaction rows (one row per purchase
 *    day, every third day split into two order lines, rows in time order as an orders table
 *    export would be), checked to reproduce the simulated (x, t_x, T),
 *  - compress: compressing per-customer (x, t_x, T) into weighted distinct triples,
 *  - fits of BG/NBD, Pareto/NBD (on the triples) and Gamma-Gamma (on per-customer mean spend),
 *  - scoring every customer (P(alive) and expected transactions in the next 26 weeks),
 * and the peak resident memory — of the model steps alone, and after the transaction rows were
 * generated and summarised. Each size runs in its own child process so its peak memory is its
 * own. Times are medians over `--runs` repetitions (default 3).
 *
 * Targets (2-core machine): BG/NBD and Gamma-Gamma fits on 1e6 customers < 1 s, Pareto/NBD < 3 s,
 * scoring 1e7 customers < 5 s, memory linear in customers.
 */
import { fork } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fitBgNbd, scoreBgNbd, simulateBgNbd } from '../src/stats/bgnbd.js';
import { fitGammaGamma } from '../src/stats/gammagamma.js';
import { fitParetoNbd } from '../src/stats/paretonbd.js';
import { createRng } from '../src/stats/random.js';
import { compressTriples, MS_PER_DAY, summarizeTransactions, type TransactionColumns } from '../src/stats/summary.js';
import type { SimulatedHistories } from '../src/stats/fit.js';

interface SizeResult {
  customers: number;
  triples: number;
  /** Transaction rows fed to `summarizeTransactions`. */
  rows: number;
  summarizeMs: number;
  compressMs: number;
  bgnbdMs: number;
  paretoMs: number;
  gammaGammaMs: number;
  scoreMs: number;
  /** Peak RSS after the model steps, before the transaction rows exist. */
  peakRssMb: number;
  /** Peak RSS including the transaction rows and their summary. */
  peakRssWithRowsMb: number;
}

const DAYS_PER_WEEK = 7;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function timeMs(runs: number, f: () => unknown): number {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Calibration end of the simulated population: the last day (UTC) every customer's T counts to. */
const CALIBRATION_END_DAY = Math.floor(Date.UTC(2025, 11, 31) / MS_PER_DAY);

/**
 * Transaction rows reproducing simulated daily-resolution histories: customer i's first purchase
 * is T_i·7 days before the calibration end, the last of its x_i repeat days t_x·7 days after that,
 * and the x_i − 1 others spread over the days between (distinct: x ≤ t_x·7 at daily resolution).
 * Every third purchase day is two order lines a few hours apart (merged again by the summary).
 * Repeat days carry the customer's mean spend in cents, so the summary's m̄ is that amount. Rows
 * are emitted in time order (a counting sort by day), customers interleaved.
 */
function transactionRows(sim: SimulatedHistories, meanSpend: Float64Array): TransactionColumns {
  const n = sim.x.length;
  const firstDay = new Int32Array(n);
  const lastDay = new Int32Array(n);
  let minDay = CALIBRATION_END_DAY;
  let purchaseDays = 0;
  for (let i = 0; i < n; i++) {
    const f = CALIBRATION_END_DAY - Math.round((sim.T[i] as number) * DAYS_PER_WEEK);
    firstDay[i] = f;
    lastDay[i] = f + Math.round((sim.tx[i] as number) * DAYS_PER_WEEK);
    if (f < minDay) minDay = f;
    purchaseDays += (sim.x[i] as number) + 1;
  }
  const span = CALIBRATION_END_DAY - minDay + 1;
  // The j-th purchase day (j = 0..x) of customer i: F + floor(j·(L − F)/x), strictly increasing.
  const dayOf = (i: number, j: number): number => {
    const x = sim.x[i] as number;
    return j === 0 ? (firstDay[i] as number) : (firstDay[i] as number) + Math.floor((j * ((lastDay[i] as number) - (firstDay[i] as number))) / x);
  };
  const linesOf = (j: number): number => (j % 3 === 2 ? 2 : 1);
  // Pass 1: rows per day; pass 2: scatter in day order.
  const start = new Int32Array(span + 1);
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const x = sim.x[i] as number;
    for (let j = 0; j <= x; j++) {
      const lines = linesOf(j);
      start[dayOf(i, j) - minDay + 1]! += lines;
      rows += lines;
    }
  }
  for (let d = 0; d < span; d++) start[d + 1]! += start[d] as number;
  const customer = new Int32Array(rows);
  const time = new Float64Array(rows);
  const amount = new Float64Array(rows);
  const fill = start.slice(0, span);
  for (let i = 0; i < n; i++) {
    const x = sim.x[i] as number;
    const repeatCents = x > 0 ? Math.max(1, Math.round((meanSpend[i] as number) * 100)) : 0;
    for (let j = 0; j <= x; j++) {
      const day = dayOf(i, j);
      const cents = j === 0 ? 2500 : repeatCents;
      const lines = linesOf(j);
      for (let l = 0; l < lines; l++) {
        const pos = fill[day - minDay]!++;
        customer[pos] = i;
        time[pos] = day * MS_PER_DAY + (9 + 5 * l) * 3_600_000;
        // Split the day's amount over its lines; the summary sums them back.
        amount[pos] = lines === 1 ? cents : l === 0 ? Math.floor(cents / 2) : cents - Math.floor(cents / 2);
      }
    }
  }
  return { customer, time, amount };
}

/** Everything for one population size (runs inside the child process). */
function measure(n: number, runs: number): SizeResult {
  const rng = createRng(`bench-models-${n}`);
  // CDNOW-like purchasing, ages uniform over 0..364 whole days.
  const sim = simulateBgNbd(
    { r: 0.25, alpha: 4.4, a: 0.8, b: 2.4 },
    n,
    { T: (g) => g.int(365) / DAYS_PER_WEEK, resolution: 1 / DAYS_PER_WEEK },
    rng,
  );
  // Mean repeat spend from the Gamma-Gamma process (Fader, Hardie & Lee 2005, JMR): ν ~ Gamma(q, γ),
  // the mean of x spends z ~ Gamma(p, ν) is Gamma(px, xν).
  const meanSpend = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = sim.x[i] as number;
    if (x === 0) continue;
    const nu = rng.gamma(3.7, 1 / 15.4);
    meanSpend[i] = rng.gamma(6.25 * x, 1 / (nu * x));
  }

  let triples = compressTriples(sim.x, sim.tx, sim.T);
  const compressMs = timeMs(runs, () => {
    triples = compressTriples(sim.x, sim.tx, sim.T);
  });
  const bgnbdMs = timeMs(runs, () => fitBgNbd(triples));
  const paretoMs = timeMs(runs, () => fitParetoNbd(triples));
  const gammaGammaMs = timeMs(runs, () => fitGammaGamma({ x: sim.x, meanSpend }));
  const params = fitBgNbd(triples).params;
  const out = { pAlive: new Float64Array(n), expected: new Float64Array(n) };
  const scoreMs = timeMs(runs, () => scoreBgNbd(params, sim, 26, out));
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // The full summary from transaction rows (generated last, so the model columns' memory is their own).
  const transactions = transactionRows(sim, meanSpend);
  const summaryOptions = { calibrationEnd: CALIBRATION_END_DAY * MS_PER_DAY, unit: 'week', customerCount: n } as const;
  let summary = summarizeTransactions(transactions, summaryOptions);
  const summarizeMs = timeMs(runs, () => {
    summary = summarizeTransactions(transactions, summaryOptions);
  });
  for (let i = 0; i < n; i++) {
    const same =
      summary.x[i] === sim.x[i] &&
      Math.abs((summary.tx[i] as number) - (sim.tx[i] as number)) < 1e-9 &&
      Math.abs((summary.T[i] as number) - (sim.T[i] as number)) < 1e-9;
    if (!same) {
      throw new Error(
        `summary of the generated rows differs from the simulation at customer ${i}: ` +
          `(${summary.x[i]}, ${summary.tx[i]}, ${summary.T[i]}) vs (${sim.x[i]}, ${sim.tx[i]}, ${sim.T[i]})`,
      );
    }
  }
  return {
    customers: n,
    triples: triples.x.length,
    rows: transactions.customer.length,
    summarizeMs,
    compressMs,
    bgnbdMs,
    paretoMs,
    gammaGammaMs,
    scoreMs,
    peakRssMb,
    peakRssWithRowsMb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(n: number, runs: number): Promise<SizeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', String(n), '--runs', String(runs)]);
    child.once('message', (m) => resolve(m as SizeResult));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`benchmark for ${n} customers exited with code ${code}`));
    });
  });
}

function formatRow(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i] as number)).join('  ');
}

async function main(): Promise<void> {
  const runs = Number(option('runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
  const child = option('child');
  if (child !== undefined) {
    process.send?.(measure(Number(child), runs));
    return;
  }
  const sizes = (option('sizes') ?? '1e4,1e5,1e6,1e7').split(',').map((s) => Math.round(Number(s)));
  if (sizes.some((s) => !(s > 0))) throw new Error('--sizes takes positive numbers, e.g. --sizes 1e4,1e5');
  const header = ['customers', 'triples', 'txn rows', 'summarize ms', 'compress ms', 'BG/NBD ms', 'Pareto ms', 'GammaGamma ms', 'score ms', 'peak RSS MB', 'RSS B/cust', 'RSS+rows MB'];
  const widths = header.map((h) => Math.max(h.length, 10));
  const cpu = cpus();
  console.log(
    `winback model benchmark — median of ${runs} run${runs === 1 ? '' : 's'} per size; Node ${process.versions.node}, ` +
      `${process.platform}/${process.arch}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  );
  console.log(formatRow(header, widths));
  for (const n of sizes) {
    const r = await runChild(n, runs);
    console.log(
      formatRow(
        [
          r.customers.toExponential(0),
          r.triples,
          r.rows,
          r.summarizeMs.toFixed(1),
          r.compressMs.toFixed(1),
          r.bgnbdMs.toFixed(1),
          r.paretoMs.toFixed(1),
          r.gammaGammaMs.toFixed(1),
          r.scoreMs.toFixed(1),
          r.peakRssMb.toFixed(0),
          ((r.peakRssMb * 1024 * 1024) / r.customers).toFixed(0),
          r.peakRssWithRowsMb.toFixed(0),
        ],
        widths,
      ),
    );
  }
  console.log('targets: BG/NBD & Gamma-Gamma fit @1e6 < 1000 ms, Pareto/NBD fit @1e6 < 3000 ms, score @1e7 < 5000 ms');
}

await main();
