/**
 * One attempt to deliver a `Takedown Requested` envelope to a webhook channel, signed at
 * the moment it is sent (a retry carries a fresh `webhook-timestamp` and signatures over
 * the same body bytes; see signature.ts). It decides nothing about retries (see retry-policy.ts) and never rejects for network or
 * HTTP failures, so the caller can always record the attempt and move on. It does reject
 * with RangeError for a timeoutMs that is not a positive integer: that is a wiring bug.
 */
import { STATUS_CODES } from 'node:http';
import { signatureHeaders } from './signature.ts';
import { describeFetchError } from './fetch-errors.ts';
import type { WebhookOutcome } from '../../model/delivery/webhook-outcome.ts';
import type { WebhookChannel } from '../../ports/channel-directory.ts';
import type { WebhookSender } from '../../ports/webhook-sender.ts';

export type { WebhookOutcome };

export type WebhookTarget = WebhookChannel;

export interface DeliveryOptions {
  /** Sent as `webhook-id` (and `x-twinguard-delivery`): the takedownId, the partner's idempotency key. */
  deliveryId: string;
  /** Budget until the response headers arrive; the response body is never awaited. */
  timeoutMs: number;
  /** The wall clock that stamps `webhook-timestamp`, in ms; partners compare it with theirs. @default Date.now */
  now?: () => number;
}

// 408 and 429 are the 4xx codes that say "not now" rather than "not this".
const RETRYABLE_4XX = new Set([408, 429]);
const MAX_REASON_LENGTH = 80;

export async function deliverWebhook(body: string, channel: WebhookTarget, opts: DeliveryOptions): Promise<WebhookOutcome> {
  // A bad timeout is a wiring bug, not a partner outage: fail loudly instead of retrying it.
  if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive integer, got ${opts.timeoutMs}`);
  }
  // Encode once so the signed bytes and the sent bytes cannot differ.
  const bytes = Buffer.from(body, 'utf8');
  // Signed here, just before the POST (after any wait for a concurrency slot), so the
  // timestamp is as fresh as it can be.
  const timestamp = Math.floor((opts.now ?? Date.now)() / 1000);
  const signed = signatureHeaders({ id: opts.deliveryId, timestamp, body: bytes, secrets: channel.secrets });
  let response: Response;
  try {
    response = await fetch(channel.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body: bytes,
      // A redirect would re-send a signed takedown to a host nobody configured.
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (error) {
    return { kind: 'retryable', error: describeFetchError(error, opts.timeoutMs) };
  }
  // Only the status matters; dropping the body frees the socket and cannot hang on a slow body.
  await response.body?.cancel().catch(() => undefined);
  return classify(response);
}

function classify(response: Response): WebhookOutcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const error = `HTTP ${status} ${reasonPhrase(response)}`.trimEnd();
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return retryAfterMs === undefined ? { kind: 'retryable', status, error } : { kind: 'retryable', status, error, retryAfterMs };
  }
  return { kind: 'rejected', status, error };
}

// The standard phrase keeps errors uniform and short whatever the partner's server sends.
function reasonPhrase(response: Response): string {
  return (STATUS_CODES[response.status] ?? response.statusText).slice(0, MAX_REASON_LENGTH);
}

/** `Retry-After` as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface HttpWebhookSenderOptions {
  /** The wall clock that stamps `webhook-timestamp`, in ms. @default Date.now */
  now?: () => number;
}

/** The `WebhookSender` port over `fetch`, with its own wall clock (a test may set one). */
export function createHttpWebhookSender(options: HttpWebhookSenderOptions = {}): WebhookSender {
  const { now } = options;
  return { send: (body, channel, opts) => deliverWebhook(body, channel, now === undefined ? opts : { ...opts, now }) };
}

/** The `WebhookSender` port over `fetch`, stamping with `Date.now`. */
export const httpWebhookSender: WebhookSender = createHttpWebhookSender();
