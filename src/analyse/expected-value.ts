/**
 * The arithmetic of "worth winning back", pure (no I/O):
 *
 *   expected value = P(recovery) · value if recovered − cost of the attempt            (minor units, rounded)
 *
 * P(recovery) is the posterior mean of a Beta(α, β) prior updated with the recorded outcomes of the
 * customer's cell (segment × reason): (α + wins) / (α + β + attempts) — the beta-binomial update, which shrinks
 * the observed win rate towards the prior mean with the prior weighing as much as α + β attempts.
 *
 * The prior of a cell is the most specific row of recovery_priors: (segment, reason), (segment, parent reason)
 * … then (any segment, reason), (any segment, parent reason) … then (segment, any reason), then (any, any);
 * when none exists, FALLBACK_PRIOR.
 */
import type { SegmentName } from '../db/schema.js';

export interface RecoveryPrior {
  id: number | null;
  segment: SegmentName | null;
  reasonCode: string | null;
  alpha: number;
  beta: number;
  rationale: string | null;
}

/** Used only when recovery_priors has no matching row at all (not even the (any, any) row). */
export const FALLBACK_PRIOR: RecoveryPrior = { id: null, segment: null, reasonCode: null, alpha: 1, beta: 9, rationale: 'built-in fallback: 10 % with the weight of 10 attempts' };

/** 'service.poor_support' → ['service.poor_support', 'service']. */
export function reasonAncestors(code: string): string[] {
  const parts = code.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

export function findPrior(priors: readonly RecoveryPrior[], segment: SegmentName | null, reasonCode: string): RecoveryPrior {
  const find = (s: SegmentName | null, r: string | null) => priors.find((p) => p.segment === s && p.reasonCode === r);
  const reasons = reasonAncestors(reasonCode);
  const candidates: [SegmentName | null, string | null][] = [
    ...(segment ? reasons.map((r) => [segment, r] as [SegmentName, string]) : []),
    ...reasons.map((r) => [null, r] as [null, string]),
    ...(segment ? [[segment, null] as [SegmentName, null]] : []),
    [null, null],
  ];
  for (const [s, r] of candidates) {
    const p = find(s, r);
    if (p) return p;
  }
  return FALLBACK_PRIOR;
}

export interface PRecovery {
  value: number;
  prior: { id: number | null; segment: SegmentName | null; reasonCode: string | null; alpha: number; beta: number; mean: number; rationale: string | null };
  outcomes: { attempts: number; wins: number };
  posterior: { alpha: number; beta: number };
}

export function pRecovery(prior: RecoveryPrior, outcomes: { attempts: number; wins: number }): PRecovery {
  const alpha = prior.alpha + outcomes.wins;
  const beta = prior.beta + (outcomes.attempts - outcomes.wins);
  return {
    value: alpha / (alpha + beta),
    prior: { id: prior.id, segment: prior.segment, reasonCode: prior.reasonCode, alpha: prior.alpha, beta: prior.beta, mean: prior.alpha / (prior.alpha + prior.beta), rationale: prior.rationale },
    outcomes,
    posterior: { alpha, beta },
  };
}

/** round(p · value) − cost, minor units (the SQL computes the same). */
export function expectedRecoveryValue(p: number, valueIfRecovered: number, cost: number): number {
  return Math.round(p * valueIfRecovered) - cost;
}
