/**
 * Model benchmark: `npm run bench:models [-- --sizes 1e4,1e5 --runs 3]`.
 *
 * Per population size: simulate customers from a BG/NBD process at daily resolution (time in
 * weeks, customer ages spread over a year, as a summary over real orders would be), then time
 *  - summary: compressing per-customer (x, t_x, T) into weighted distinct triples,
 *  - fits of BG/NBD, Pareto/NBD (on the triples) and Gamma-Gamma (on per-customer mean spend),
 *  - scoring every customer (P(alive) and expected transactions in the next 26 weeks),
 * and the peak resident memory. Each size runs in its own child process so its peak memory is its
 * own. Times are medians over `--runs` repetitions (default 3).
 *
 * Targets (2-core machine): BG/NBD and Gamma-Gamma fits on 1e6 customers < 1 s, Pareto/NBD < 3 s,
 * scoring 1e7 customers < 5 s, memory linear in customers.
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fitBgNbd, scoreBgNbd, simulateBgNbd } from '../src/stats/bgnbd.js';
import { fitGammaGamma } from '../src/stats/gammagamma.js';
import { fitParetoNbd } from '../src/stats/paretonbd.js';
import { createRng } from '../src/stats/random.js';
import { compressTriples } from '../src/stats/summary.js';

interface SizeResult {
  customers: number;
  triples: number;
  summaryMs: number;
  bgnbdMs: number;
  paretoMs: number;
  gammaGammaMs: number;
  scoreMs: number;
  peakRssMb: number;
}

const DAYS_PER_WEEK = 7;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
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
  const summaryMs = timeMs(runs, () => {
    triples = compressTriples(sim.x, sim.tx, sim.T);
  });
  const bgnbdMs = timeMs(runs, () => fitBgNbd(triples));
  const paretoMs = timeMs(runs, () => fitParetoNbd(triples));
  const gammaGammaMs = timeMs(runs, () => fitGammaGamma({ x: sim.x, meanSpend }));
  const params = fitBgNbd(triples).params;
  const out = { pAlive: new Float64Array(n), expected: new Float64Array(n) };
  const scoreMs = timeMs(runs, () => scoreBgNbd(params, sim, 26, out));
  return {
    customers: n,
    triples: triples.x.length,
    summaryMs,
    bgnbdMs,
    paretoMs,
    gammaGammaMs,
    scoreMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
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
  const child = option('child');
  if (child !== undefined) {
    process.send?.(measure(Number(child), runs));
    return;
  }
  const sizes = (option('sizes') ?? '1e4,1e5,1e6,1e7').split(',').map((s) => Math.round(Number(s)));
  if (sizes.some((s) => !(s > 0))) throw new Error('--sizes takes positive numbers, e.g. --sizes 1e4,1e5');
  const header = ['customers', 'triples', 'summary ms', 'BG/NBD ms', 'Pareto ms', 'GammaGamma ms', 'score ms', 'peak RSS MB', 'RSS B/cust'];
  const widths = header.map((h) => Math.max(h.length, 10));
  console.log(`winback model benchmark — median of ${runs} runs, Node ${process.versions.node}, ${cpus().length} cores`);
  console.log(formatRow(header, widths));
  for (const n of sizes) {
    const r = await runChild(n, runs);
    console.log(
      formatRow(
        [
          r.customers.toExponential(0),
          r.triples,
          r.summaryMs.toFixed(1),
          r.bgnbdMs.toFixed(1),
          r.paretoMs.toFixed(1),
          r.gammaGammaMs.toFixed(1),
          r.scoreMs.toFixed(1),
          r.peakRssMb.toFixed(0),
          ((r.peakRssMb * 1024 * 1024) / r.customers).toFixed(0),
        ],
        widths,
      ),
    );
  }
  console.log('targets: BG/NBD & Gamma-Gamma fit @1e6 < 1000 ms, Pareto/NBD fit @1e6 < 3000 ms, score @1e7 < 5000 ms');
}

await main();
