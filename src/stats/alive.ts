/**
 * When did a customer fall asleep? For a fixed history (x, t_x) the probability of being alive falls as the
 * customer stays silent: P(alive | x, t_x, T) is decreasing in the age T in BG/NBD (Fader, Hardie & Lee 2005,
 * eq. 13: 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})) and in Pareto/NBD (Schmittlein, Morrison & Colombo 1987,
 * eq. 11). So the moment it crossed a threshold is the root of a monotone function, found by bisection.
 */
import { bgNbdPAliveFunction, type BgNbdParams } from './bgnbd.js';
import { paretoNbdPAlive, type ParetoNbdParams } from './paretonbd.js';

/** P(alive | x, t_x, T) of one fitted purchase model; t_x and T in the model's time unit. */
export type PAliveFunction = (x: number, tx: number, T: number) => number;

export type PurchaseModel = { model: 'bgnbd'; params: BgNbdParams } | { model: 'paretonbd'; params: ParetoNbdParams };

export function pAliveFunction(m: PurchaseModel): PAliveFunction {
  switch (m.model) {
    case 'bgnbd':
      return bgNbdPAliveFunction(m.params);
    case 'paretonbd':
      return (x, tx, T) => paretoNbdPAlive(m.params, x, tx, T);
    default: {
      const unreachable: never = m;
      return unreachable;
    }
  }
}

/**
 * The age T* in [t_x, T] at which P(alive | x, t_x, ·) fell to `threshold` (to within `tolerance` time units), or
 * null when P(alive) at T is still at or above it. P(alive) at T* is ≤ threshold, so the customer counts as asleep
 * from T* on, never earlier.
 */
export function pAliveCrossing(pAlive: PAliveFunction, x: number, tx: number, T: number, threshold: number, tolerance = 1e-3): number | null {
  if (!(pAlive(x, tx, T) < threshold)) return null;
  if (pAlive(x, tx, tx) <= threshold) return tx;
  let alive = tx; // P(alive) above the threshold here
  let asleep = T; // and below it here
  while (asleep - alive > tolerance) {
    const mid = (alive + asleep) / 2;
    if (pAlive(x, tx, mid) > threshold) alive = mid;
    else asleep = mid;
  }
  return asleep;
}
