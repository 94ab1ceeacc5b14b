/**
 * Webhook signatures, as channel partners verify them.
 *
 * Every webhook request carries
 *   x-twinguard-signature: sha256=<hex>
 * where <hex> is the lowercase hex HMAC-SHA256 of the raw request body bytes (exactly as
 * received, before any JSON parsing or re-serialisation), keyed with the channel's secret
 * as UTF-8. To verify: compute the same HMAC over the raw body and compare it with the
 * header in constant time. Reject the request (e.g. 401) when they differ.
 *
 * Node.js partners can use this module directly:
 *
 *   import { verifySignature } from './signature.ts'; // or copy its 15 lines
 *   const raw = await readRawBody(req); // a Buffer, not a parsed object
 *   if (!verifySignature(raw, req.headers['x-twinguard-signature'], secret)) return 401;
 *
 * The signature does not cover a timestamp: deduplicate on `x-twinguard-delivery`
 * (the takedownId), since TwinGuard may deliver the same takedown more than once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-twinguard-signature';
export const DELIVERY_HEADER = 'x-twinguard-delivery';

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/** Body as bytes; a string is taken as its UTF-8 encoding, which is what goes on the wire. */
export type SignedBody = string | Uint8Array;

function digest(body: SignedBody, secret: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** The full header value, `sha256=<lowercase hex>`. */
export function signBody(body: SignedBody, secret: string): string {
  return PREFIX + digest(body, secret).toString('hex');
}

/**
 * True when `header` is a valid signature of `body` with `secret`.
 * Accepts Node's `IncomingHttpHeaders` value type so callers need no narrowing; a repeated
 * header (string[]) is refused because a proxy that duplicates it cannot be trusted either.
 */
export function verifySignature(body: SignedBody, header: string | readonly string[] | null | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const value = header.trim();
  if (value.slice(0, PREFIX.length).toLowerCase() !== PREFIX) return false;
  const hex = value.slice(PREFIX.length);
  // Buffer.from(hex, 'hex') silently drops bad characters, so validate the shape first.
  if (!HEX_DIGEST.test(hex)) return false;
  // Both sides are 32 bytes here, so timingSafeEqual cannot throw and leaks no length.
  return timingSafeEqual(digest(body, secret), Buffer.from(hex, 'hex'));
}
