import { DEPLOYED_RETRY_POLICY, type RetryPolicy } from '../../shared/model/delivery/retry-policy.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { ConfigurationError } from './errors.ts';

const WEBHOOK_ENV = ENV.webhook;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY_PER_CHANNEL = 4;

export interface WebhookConfig {
  policy: RetryPolicy;
  /** Budget of one POST until the response headers arrive. */
  timeoutMs: number;
  /** POSTs in flight per channel in one process. */
  concurrencyPerChannel: number;
}

/**
 * Reads the webhook settings, each defaulting to the deployed policy (retries over hours,
 * then a redelivery every 6 hours), a 10 s timeout and 4 POSTs per channel at a time. A bad
 * value fails at cold start.
 */
export function webhookConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const baseDelayMs = positiveInt(env, WEBHOOK_ENV.baseDelayMs, DEPLOYED_RETRY_POLICY.baseDelayMs);
  // Without an explicit cap, a base above the deployed cap raises the cap rather than failing.
  const maxDelayMs = positiveInt(env, WEBHOOK_ENV.maxDelayMs, Math.max(DEPLOYED_RETRY_POLICY.maxDelayMs, baseDelayMs));
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigurationError(`${WEBHOOK_ENV.maxDelayMs} (${maxDelayMs}) must be at least ${WEBHOOK_ENV.baseDelayMs} (${baseDelayMs})`);
  }
  // Absent: the policy's default (6 h).
  const redelivery = env[WEBHOOK_ENV.redeliveryIntervalMs]
    ? { redeliveryIntervalMs: positiveInt(env, WEBHOOK_ENV.redeliveryIntervalMs, 1) }
    : {};
  return {
    policy: {
      baseDelayMs,
      maxDelayMs,
      maxAttempts: positiveInt(env, WEBHOOK_ENV.maxAttempts, DEPLOYED_RETRY_POLICY.maxAttempts),
      ...redelivery,
    },
    timeoutMs: positiveInt(env, WEBHOOK_ENV.timeoutMs, DEFAULT_WEBHOOK_TIMEOUT_MS),
    concurrencyPerChannel: positiveInt(env, WEBHOOK_ENV.concurrencyPerChannel, DEFAULT_CONCURRENCY_PER_CHANNEL),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}
