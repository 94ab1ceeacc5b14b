import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseTwinGuardEvent, type TwinGuardEvent } from './consumer.ts';
import { InvalidEventError, WebhookVerificationError } from './errors.ts';

/**
 * Verifying TwinGuard's webhook deliveries, for channel partners (EVENTS.md "Channels").
 *
 * TwinGuard POSTs the `Takedown Requested` event with the Standard Webhooks headers
 *   webhook-id: <takedownId>            (the same on every retry: deduplicate on it)
 *   webhook-timestamp: <unix seconds>
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">  (space-separated, one per active secret)
 *
 *   const { event } = verifyWebhook(rawBody, req.headers, process.env.TWINGUARD_SECRET!);
 *   // 401 on WebhookVerificationError; then take event.detail.url down and answer 2xx.
 *
 * The body must be the raw bytes as received: parsing and re-serialising JSON changes them.
 */

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/**
 * A channel's signing secret: a string as configured for the channel (its UTF-8 bytes are the
 * key), a Standard Webhooks `whsec_<base64>` secret (the decoded bytes are the key), or the
 * key bytes themselves.
 */
export type WebhookSecret = string | Uint8Array;

/** Node's `req.headers`, a fetch `Headers`, or any object with lower-case header names. */
export type WebhookHeaders = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way (replay protection). @default 300 */
  readonly toleranceSeconds?: number;
  readonly now?: () => Date;
}

export interface VerifiedDelivery {
  /** The `webhook-id`: the takedownId, the same on every retry of one takedown. */
  webhookId: string;
  timestamp: Date;
  event: TwinGuardEvent<'Takedown Requested'>;
}

/**
 * Verifies a webhook delivery and returns its event; throws `WebhookVerificationError`
 * (answer 401) when a header is missing, the timestamp is outside the tolerance, no
 * signature matches any of `secrets` (pass two while rotating), or the body is not a
 * `Takedown Requested` event.
 */
export function verifyWebhook(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secrets: WebhookSecret | readonly WebhookSecret[],
  options: VerifyWebhookOptions = {},
): VerifiedDelivery {
  const webhookId = header(headers, WEBHOOK_ID_HEADER);
  const timestampText = header(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (!/^\d{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError(`${WEBHOOK_TIMESTAMP_HEADER} must be whole seconds since 1970, got "${timestampText}"`);
  }
  const timestamp = Number(timestampText);
  const now = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      `${WEBHOOK_TIMESTAMP_HEADER} is ${now - timestamp} s from now, more than the ${tolerance} s allowed (a replay, or a clock off)`,
    );
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const keys = (Array.isArray(secrets) ? secrets : [secrets]) as readonly WebhookSecret[];
  const expected = keys.map((key) => digest(key, webhookId, timestampText, bytes));
  const given = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  const matches = given.some((sig) => expected.some((exp) => sig.length === exp.length && timingSafeEqual(sig, exp)));
  if (!matches) throw new WebhookVerificationError(`no ${WEBHOOK_SIGNATURE_HEADER} matches: a wrong secret, or the body was changed`);
  try {
    return {
      webhookId,
      timestamp: new Date(timestamp * 1000),
      event: parseTwinGuardEvent(Buffer.from(bytes).toString('utf8'), 'Takedown Requested'),
    };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    throw new WebhookVerificationError(`the signed body is not a Takedown Requested event: ${error.message}`, { cause: error });
  }
}

/**
 * The `webhook-signature` value for a body, as TwinGuard computes it: for a partner's tests,
 * and for the local runtime's stand-ins of a channel.
 */
export function signWebhook(body: string | Uint8Array, webhookId: string, timestamp: number, secret: WebhookSecret): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return `v1,${digest(secret, webhookId, String(timestamp), bytes).toString('base64')}`;
}

function digest(secret: WebhookSecret, id: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest();
}

function keyOf(secret: WebhookSecret): Uint8Array {
  if (typeof secret !== 'string') return secret;
  if (secret.startsWith('whsec_')) return Buffer.from(secret.slice('whsec_'.length), 'base64');
  return Buffer.from(secret, 'utf8');
}

function header(headers: WebhookHeaders, name: string): string {
  const raw = typeof headers.get === 'function' ? (headers as { get(name: string): string | null }).get(name) : lookup(headers, name);
  if (typeof raw !== 'string' || raw === '') throw new WebhookVerificationError(`the ${name} header is missing`);
  return raw.trim();
}

function lookup(headers: WebhookHeaders, name: string): string | undefined {
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  // A repeated header (a proxy's doing) cannot be trusted: refused as missing.
  return typeof value === 'string' ? value : undefined;
}
