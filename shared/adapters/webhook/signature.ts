/**
 * Webhook signatures, as channel partners verify them (docs/channels.md).
 *
 * Standard Webhooks (https://www.standardwebhooks.com/), what partners should verify:
 *   webhook-id: <takedownId>             the same on every retry: the partner's dedupe key
 *   webhook-timestamp: <unix seconds>    when this attempt was signed: fresh on every retry
 *   webhook-signature: v1,<base64> ...   one per active secret, space-separated
 * where <base64> is the HMAC-SHA256 of the UTF-8 text `${id}.${timestamp}.${body}` (the raw
 * body bytes), keyed with the secret's key bytes:
 *   - a secret `whsec_<base64>` (the Standard Webhooks form): the decoded bytes;
 *   - any other (plain) secret: its UTF-8 bytes.
 * The partner refuses a timestamp more than TOLERANCE_SECONDS away from its clock (replay),
 * and deduplicates on webhook-id (TwinGuard delivers at least once).
 *
 * Deprecated: sent, unchanged from before, for one more release, then removed:
 *   x-twinguard-delivery: <takedownId>
 *   x-twinguard-signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the UTF-8
 *                          bytes of the first (current) secret, as written, whsec_ included>
 * It covers neither id nor time, so a recorded request can be replayed for ever.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
/** @deprecated Sent for one more release: verify `webhook-signature` instead. */
export const SIGNATURE_HEADER = 'x-twinguard-signature';
/** @deprecated Sent for one more release: deduplicate on `webhook-id` instead. */
export const DELIVERY_HEADER = 'x-twinguard-delivery';

/** The prefix of a Standard Webhooks secret, whose rest is the base64 of the key. */
export const SECRET_PREFIX = 'whsec_';
/** How far a partner lets `webhook-timestamp` be from its clock, either way (the `standardwebhooks` default). */
export const TOLERANCE_SECONDS = 5 * 60;
/** A channel signs with at most this many secrets at once: the current one and, during a rotation, the previous one. */
export const MAX_SECRETS = 2;
/** Bounds of a secret as written: a plain one is a passphrase of at least 16 characters. */
export const MIN_PLAIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;
/** The Standard Webhooks range of a `whsec_` key, in bytes. */
export const MIN_KEY_BYTES = 24;
export const MAX_KEY_BYTES = 64;

const LEGACY_PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** Body as bytes; a string is taken as its UTF-8 encoding, which is what goes on the wire. */
export type SignedBody = string | Uint8Array;

/** Why `secret` cannot sign, or `undefined` when it can. Never quotes the secret. */
export function secretProblem(secret: string): string | undefined {
  if (secret === '') return 'must not be empty';
  if (secret.length > MAX_SECRET_LENGTH) return `must be at most ${MAX_SECRET_LENGTH} characters`;
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64').length : -1;
    if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
      return `starts with ${SECRET_PREFIX}, so the rest must be the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes`;
    }
    return undefined;
  }
  if (secret.length < MIN_PLAIN_SECRET_LENGTH) {
    return `must be at least ${MIN_PLAIN_SECRET_LENGTH} characters (or ${SECRET_PREFIX} and the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes)`;
  }
  return undefined;
}

/** The HMAC key of a secret: the decoded bytes of `whsec_<base64>`, else the UTF-8 bytes. */
export function signingKey(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    // Buffer.from(…, 'base64') skips bad characters silently: a mistyped secret must not sign.
    if (BASE64.test(encoded) && encoded.length > 0) return Buffer.from(encoded, 'base64');
    throw new RangeError(`a secret starting with ${SECRET_PREFIX} must continue in base64`);
  }
  return Buffer.from(secret, 'utf8');
}

function standardDigest(key: Buffer, id: string, timestamp: number, body: SignedBody): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

/** The `webhook-signature` value: `v1,<base64>` for each secret, in the given order, space-separated. */
export function signStandard(id: string, timestamp: number, body: SignedBody, secrets: readonly string[]): string {
  if (secrets.length === 0) throw new RangeError('at least one secret is needed to sign');
  return secrets.map((s) => `v1,${standardDigest(signingKey(s), id, timestamp, body).toString('base64')}`).join(' ');
}

export interface SignedDelivery {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: Uint8Array;
  /** Newest first; every one signs `webhook-signature`, the first also the deprecated header. */
  secrets: readonly string[];
}

/** Every signature header of one attempt: the Standard Webhooks three and the two deprecated ones. */
export function signatureHeaders({ id, timestamp, body, secrets }: SignedDelivery): Record<string, string> {
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: signStandard(id, timestamp, body, secrets),
    [DELIVERY_HEADER]: id,
    [SIGNATURE_HEADER]: signBody(body, secrets[0]!),
  };
}

type HeaderValue = string | readonly string[] | null | undefined;

export interface VerifyOptions {
  /** The verifier's clock, in ms. @default Date.now */
  now?: number;
  /** @default TOLERANCE_SECONDS */
  toleranceSeconds?: number;
}

/**
 * What a partner does (Node.js partners may copy it): true when `webhook-timestamp` is
 * within the tolerance of `now` and some `v1,` signature in `webhook-signature` is the
 * HMAC of `id.timestamp.body` with one of `secrets`. Compare in constant time, over the raw
 * body bytes as received; a repeated header (string[]) is refused.
 */
export function verifyStandard(
  body: SignedBody,
  headers: { id: HeaderValue; timestamp: HeaderValue; signature: HeaderValue },
  secrets: readonly string[],
  options: VerifyOptions = {},
): boolean {
  const { id, timestamp, signature } = headers;
  if (typeof id !== 'string' || id === '' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (!UNIX_SECONDS.test(timestamp)) return false;
  const at = Number(timestamp);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - at) > (options.toleranceSeconds ?? TOLERANCE_SECONDS)) return false;
  const offered = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,') && BASE64_DIGEST.test(s.slice(3)))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  return secrets.some((secret) => {
    const expected = standardDigest(signingKey(secret), id, at, body);
    // Both are 32 bytes, so timingSafeEqual cannot throw and leaks no length.
    return offered.some((candidate) => timingSafeEqual(expected, candidate));
  });
}

/** @deprecated The `x-twinguard-signature` value, `sha256=<lowercase hex>`, keyed with the UTF-8 bytes of `secret`. */
export function signBody(body: SignedBody, secret: string): string {
  return LEGACY_PREFIX + legacyDigest(body, secret).toString('hex');
}

function legacyDigest(body: SignedBody, secret: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/**
 * @deprecated True when `header` is a valid `x-twinguard-signature` of `body` with `secret`.
 * A repeated header (string[]) is refused because a proxy that duplicates it cannot be trusted either.
 */
export function verifySignature(body: SignedBody, header: HeaderValue, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const value = header.trim();
  if (value.slice(0, LEGACY_PREFIX.length).toLowerCase() !== LEGACY_PREFIX) return false;
  const hex = value.slice(LEGACY_PREFIX.length);
  // Buffer.from(hex, 'hex') silently drops bad characters, so validate the shape first.
  if (!HEX_DIGEST.test(hex)) return false;
  return timingSafeEqual(legacyDigest(body, secret), Buffer.from(hex, 'hex'));
}
