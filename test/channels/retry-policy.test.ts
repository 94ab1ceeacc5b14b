import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEPLOYED_RETRY_POLICY,
  LOCAL_RETRY_POLICY,
  nextStep,
  retryCapMs,
  retryDelayMs,
  type RetryPolicy,
} from '../../shared/model/delivery/retry-policy.ts';
import type { WebhookOutcome } from '../../shared/adapters/webhook/webhook-delivery.ts';

const retryable: WebhookOutcome = { kind: 'retryable', status: 503, error: 'HTTP 503 Service Unavailable' };
const rejected: WebhookOutcome = { kind: 'rejected', status: 410, error: 'HTTP 410 Gone' };
const delivered: WebhookOutcome = { kind: 'delivered', status: 200 };

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const policy = fc
  .record({ baseDelayMs: fc.integer({ min: 1, max: 600_000 }), extra: fc.integer({ min: 0, max: 10_000_000 }) })
  .map(({ baseDelayMs, extra }) => ({ baseDelayMs, maxDelayMs: baseDelayMs + extra }));
const attempt = fc.integer({ min: 1, max: 200 });

describe('retryDelayMs', () => {
  it('is a whole number within [cap/2, cap] and never above maxDelayMs', () => {
    fc.assert(
      fc.property(attempt, policy, unit, (n, p, r) => {
        const cap = retryCapMs(n, p);
        const delay = retryDelayMs(n, p, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(delay).toBeLessThanOrEqual(cap);
        expect(delay).toBeLessThanOrEqual(p.maxDelayMs);
      }),
    );
  });

  it('has caps that never decrease and double until maxDelayMs', () => {
    fc.assert(
      fc.property(attempt, policy, (n, p) => {
        const cap = retryCapMs(n, p);
        const next = retryCapMs(n + 1, p);
        expect(next).toBeGreaterThanOrEqual(cap);
        expect(next).toBe(Math.min(p.maxDelayMs, 2 * cap));
      }),
    );
  });

  it('waits at least as long as the previous retry while below the max (equal jitter)', () => {
    fc.assert(
      fc.property(attempt, policy, unit, unit, (n, p, r1, r2) => {
        fc.pre(2 * retryCapMs(n, p) <= p.maxDelayMs);
        expect(retryDelayMs(n + 1, p, () => r2)).toBeGreaterThanOrEqual(retryDelayMs(n, p, () => r1));
      }),
    );
  });

  it('stays within bounds even when the random source misbehaves', () => {
    for (const r of [-1, 1, 2, Number.NaN, Number.POSITIVE_INFINITY]) {
      const delay = retryDelayMs(3, LOCAL_RETRY_POLICY, () => r);
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('rejects nonsense input loudly', () => {
    expect(() => retryDelayMs(0, LOCAL_RETRY_POLICY)).toThrow(RangeError);
    expect(() => retryDelayMs(1.5, LOCAL_RETRY_POLICY)).toThrow(RangeError);
    expect(() => retryDelayMs(1, { baseDelayMs: 0, maxDelayMs: 10 })).toThrow(RangeError);
    expect(() => retryDelayMs(1, { baseDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
  });
});

describe('the default policies', () => {
  it('local: first retry within 2 s, caps double, 5 attempts', () => {
    fc.assert(
      fc.property(unit, (r) => {
        const step = nextStep(1, retryable, LOCAL_RETRY_POLICY, () => r);
        expect(step.action).toBe('retry');
        expect(step.action === 'retry' && step.delayMs).toBeLessThan(2000);
      }),
    );
    expect([1, 2, 3, 4].map((n) => retryCapMs(n, LOCAL_RETRY_POLICY))).toEqual([1000, 2000, 4000, 8000]);
    expect(LOCAL_RETRY_POLICY.maxAttempts).toBe(5);
  });

  it('deployed: the whole retry budget spans hours', () => {
    const retries = Array.from({ length: DEPLOYED_RETRY_POLICY.maxAttempts - 1 }, (_, i) => i + 1);
    const shortest = retries.reduce((sum, n) => sum + retryDelayMs(n, DEPLOYED_RETRY_POLICY, () => 0), 0);
    const longest = retries.reduce((sum, n) => sum + retryCapMs(n, DEPLOYED_RETRY_POLICY), 0);
    expect(shortest).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(longest).toBeLessThanOrEqual(5 * 3_600_000);
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(LOCAL_RETRY_POLICY)).toBe(true);
    expect(Object.isFrozen(DEPLOYED_RETRY_POLICY)).toBe(true);
  });
});

describe('nextStep', () => {
  const anyPolicy: fc.Arbitrary<RetryPolicy> = fc
    .tuple(policy, fc.integer({ min: 1, max: 30 }))
    .map(([p, maxAttempts]) => ({ ...p, maxAttempts }));

  it('retries a retryable outcome until maxAttempts attempts, then fails for good', () => {
    fc.assert(
      fc.property(anyPolicy, unit, (p, r) => {
        const steps = Array.from({ length: p.maxAttempts }, (_, i) => nextStep(i + 1, retryable, p, () => r));
        expect(steps.slice(0, -1).every((s) => s.action === 'retry')).toBe(true);
        expect(steps.at(-1)).toEqual({ action: 'fail', final: true });
        expect(nextStep(p.maxAttempts + 1, retryable, p, () => r)).toEqual({ action: 'fail', final: true });
      }),
    );
  });

  it('fails a rejected outcome at once, and completes a delivered one, at any attempt', () => {
    fc.assert(
      fc.property(anyPolicy, fc.integer({ min: 1, max: 40 }), (p, n) => {
        expect(nextStep(n, rejected, p)).toEqual({ action: 'fail', final: true });
        expect(nextStep(n, delivered, p)).toEqual({ action: 'complete' });
      }),
    );
  });

  it("waits at least the partner's Retry-After, but never beyond maxDelayMs", () => {
    fc.assert(
      fc.property(anyPolicy, fc.nat({ max: 100_000_000 }), unit, (p, retryAfterMs, r) => {
        fc.pre(p.maxAttempts > 1);
        const step = nextStep(1, { ...retryable, retryAfterMs }, p, () => r);
        if (step.action !== 'retry') throw new Error(`expected a retry, got ${step.action}`);
        expect(step.delayMs).toBeGreaterThanOrEqual(Math.min(retryAfterMs, p.maxDelayMs));
        expect(step.delayMs).toBeGreaterThanOrEqual(retryDelayMs(1, p, () => r));
        expect(step.delayMs).toBeLessThanOrEqual(p.maxDelayMs);
      }),
    );
  });
});
