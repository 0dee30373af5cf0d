/** Exponential backoff with jitter, shared by reconnects (Kubernetes) and retries (pushes). */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Wait before attempt `attempt` (1 = first retry): the exponential step capped at maxMs, then
 * "equal jitter" (half fixed, half random) so a fleet of agents does not retry in lockstep while
 * the wait still grows with every failure.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
