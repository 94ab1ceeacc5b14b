/**
 * When to try a webhook delivery again (EVENTS.md, "Channels").
 *
 * Backoff is exponential with EQUAL jitter: retry n waits a random time in [cap/2, cap],
 * where cap = min(maxDelayMs, baseDelayMs * 2^(n-1)). Why not full jitter ([0, cap])?
 * - a partner that answered 429 or 503 gets at least half the cap to recover, whereas full
 *   jitter may retry almost at once;
 * - below the cap, each wait is at least as long as the one before (retry n+1 waits at
 *   least cap_n, retry n at most cap_n), so "delays double" holds for every run, not
 *   only on average;
 * - the random half still spreads out the hundreds of takedowns that one revocation
 *   starts together, which is what jitter is for.
 */
import type { WebhookOutcome } from './webhook-outcome.ts';

export interface BackoffPolicy {
  /** Cap of the first retry; each later cap doubles. */
  baseDelayMs: number;
  /** No wait is longer than this, whatever the attempt or the partner's Retry-After. */
  maxDelayMs: number;
}

export interface RetryPolicy extends BackoffPolicy {
  /** Total attempts including the first delivery; after the last one, failure is final. */
  maxAttempts: number;
  /**
   * A final failure is not the end: the takedown is delivered again every this many
   * milliseconds, one attempt at a time, until it succeeds, its channel confirms it on the
   * bus, or an operator closes it (`npm run takedowns -- close`).
   * @default DEFAULT_REDELIVERY_INTERVAL_MS (6 h)
   */
  redeliveryIntervalMs?: number;
}

/** Deployed: a finally failed takedown is delivered again every 6 hours. */
export const DEFAULT_REDELIVERY_INTERVAL_MS = 6 * 3_600_000;
/** Local runtime: every 5 seconds. */
export const LOCAL_REDELIVERY_INTERVAL_MS = 5_000;

/** The wait before the next redelivery of a finally failed takedown. */
export function redeliveryDelayMs(policy: Pick<RetryPolicy, 'redeliveryIntervalMs'>): number {
  const ms = policy.redeliveryIntervalMs ?? DEFAULT_REDELIVERY_INTERVAL_MS;
  if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`redeliveryIntervalMs must be positive, got ${ms}`);
  return ms;
}

/** Local runtime: first retry within 1 s, then 2, 4, 8 s caps; gives up after ~15 s. */
export const LOCAL_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxAttempts: 5,
});

/** Deployed: caps 1, 2, 4, ... 32 min then 1 h; the nine waits add up to about 2 to 4 hours. */
export const DEPLOYED_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 60_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 10,
});

export type NextStep = { action: 'complete' } | { action: 'retry'; delayMs: number } | { action: 'fail'; final: true };

/** Upper bound of the wait before retry `attempt` (1 = first retry). */
export function retryCapMs(attempt: number, policy: BackoffPolicy): number {
  assertBackoff(policy);
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  // 2 ** large is Infinity, which min() turns into maxDelayMs: no overflow to guard.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/** Wait before retry `attempt` (1 = first retry), in whole milliseconds within [cap/2, cap]. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const cap = retryCapMs(attempt, policy);
  const half = cap / 2;
  return Math.floor(half + clampUnit(random()) * half);
}

/**
 * What to do after delivery attempt number `attempt` (1 = the first delivery) ended in
 * `outcome`. A partner's Retry-After is honoured as a floor, still capped by maxDelayMs so a
 * hostile or confused partner cannot park a takedown for days.
 */
export function nextStep(attempt: number, outcome: WebhookOutcome, policy: RetryPolicy, random: () => number = Math.random): NextStep {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  switch (outcome.kind) {
    case 'delivered':
      return { action: 'complete' };
    case 'rejected':
      return { action: 'fail', final: true };
    case 'retryable': {
      if (attempt >= policy.maxAttempts) return { action: 'fail', final: true };
      // After attempt n comes retry n.
      const backoff = retryDelayMs(attempt, policy, random);
      const asked = Math.min(outcome.retryAfterMs ?? 0, policy.maxDelayMs);
      return { action: 'retry', delayMs: Math.max(backoff, asked) };
    }
  }
}

function assertBackoff(policy: BackoffPolicy): void {
  const { baseDelayMs, maxDelayMs } = policy;
  if (!(Number.isFinite(baseDelayMs) && baseDelayMs > 0 && Number.isFinite(maxDelayMs) && maxDelayMs >= baseDelayMs)) {
    throw new RangeError(`need 0 < baseDelayMs <= maxDelayMs, got ${baseDelayMs} and ${maxDelayMs}`);
  }
}

// A custom random source returning 1 or NaN must not push a delay past its cap.
function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}
