import { createHmac, timingSafeEqual } from 'node:crypto';

type Headers = Record<string, string | string[] | undefined>;

/** True when a TwinGuard webhook is authentic and fresh; `raw` is the body exactly as received. */
export function verifyTwinGuard(raw: Buffer, headers: Headers, secret: string, now = Date.now()): boolean {
  const [id, ts, sigs] = [headers['webhook-id'], headers['webhook-timestamp'], headers['webhook-signature']];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string' || !/^\d+$/.test(ts)) return false;
  if (Math.abs(now / 1000 - Number(ts)) > 5 * 60) return false; // older or newer than 5 minutes: a replay
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.`).update(raw).digest();
  return sigs.split(' ').some((sig) => {
    const given = Buffer.from(sig.slice(3), 'base64');
    return sig.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
