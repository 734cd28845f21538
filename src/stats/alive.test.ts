import { describe, expect, it } from 'vitest';
import { pAliveCrossing, pAliveFunction } from './alive.js';
import { bgNbdPAlive } from './bgnbd.js';
import { paretoNbdPAlive } from './paretonbd.js';

// CDNOW estimates (FHL 2005, SMC via Fader-Hardie notes), weeks.
const bg = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const pnbd = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

describe('the moment P(alive) fell below a threshold', () => {
  it('is where the model puts P(alive) at the threshold, between the last purchase and now', () => {
    for (const m of [{ model: 'bgnbd', params: bg } as const, { model: 'paretonbd', params: pnbd } as const]) {
      const f = pAliveFunction(m);
      const T = pAliveCrossing(f, 4, 10, 70, 0.3)!;
      expect(T).toBeGreaterThan(10);
      expect(T).toBeLessThan(70);
      expect(f(4, 10, T)).toBeLessThanOrEqual(0.3);
      expect(f(4, 10, T - 0.01)).toBeGreaterThan(0.3);
    }
    expect(pAliveFunction({ model: 'bgnbd', params: bg })(4, 10, 70)).toBe(bgNbdPAlive(bg, 4, 10, 70));
    expect(pAliveFunction({ model: 'paretonbd', params: pnbd })(4, 10, 70)).toBe(paretoNbdPAlive(pnbd, 4, 10, 70));
  });

  it('is null while P(alive) is still above the threshold, and the last purchase when it was never above', () => {
    const f = pAliveFunction({ model: 'bgnbd', params: bg });
    expect(pAliveCrossing(f, 4, 10, 12, 0.3)).toBeNull();
    // BG/NBD: nobody dies before the first repeat purchase (x = 0 keeps P(alive) = 1).
    expect(pAliveCrossing(f, 0, 0, 70, 0.3)).toBeNull();
    expect(pAliveCrossing(() => 0.1, 4, 10, 70, 0.3)).toBe(10);
  });
});
