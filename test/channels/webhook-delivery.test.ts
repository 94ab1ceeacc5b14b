import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../shared/adapters/webhook/signature.ts';
import { deliverWebhook, parseRetryAfter, type WebhookOutcome } from '../../shared/adapters/webhook/webhook-delivery.ts';
import { closedPortUrl, startPartner, type PartnerServer } from './partner-server.ts';

const secret = `whsec-${randomUUID()}`;
const takedownId = 'td-7f3a';
// Odd spacing and non-ASCII on purpose: the partner must get these exact bytes, not a re-serialisation.
const body =
  '{"version":"0", "id":"e-1","detail-type":"Takedown Requested","source":"twinguard",' +
  '"account":"000000000000","time":"2026-05-01T12:00:00Z","region":"eu-north-1","resources":[],' +
  '"detail":{"takedownId":"td-7f3a","assetId":"asset-123","channel":"instagram","placementId":"ig-17895",' +
  '"url":"https://example.invalid/p/17895","twinIds":["twin-mathilda"],"grantIds":["grant-0001"],' +
  '"reason":"CONSENT_REVOKED","requestedAt":"2026-05-01T12:00:00Z","deadline":"2026-05-01T13:00:00Z",' +
  '"note":"Malmö ✓ 🎭"}}';

let partner: PartnerServer;
beforeAll(async () => {
  partner = await startPartner(secret);
});
afterAll(async () => {
  await partner.close();
});

async function deliverTo(path: string, timeoutMs = 5000): Promise<WebhookOutcome> {
  return deliverWebhook(body, { url: partner.url(path), secret }, { deliveryId: takedownId, timeoutMs });
}

function lastRequest() {
  const request = partner.received.at(-1);
  if (request === undefined) throw new Error('the partner received nothing');
  return request;
}

describe('deliverWebhook against a real partner server', () => {
  it('sends the exact body, signed, with the delivery id', async () => {
    const outcome = await deliverTo('/status/200');
    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.signatureValid).toBe(true);
    expect(request.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-twinguard-delivery']).toBe(takedownId);
    expect(request.headers['x-twinguard-signature']).toBe(signBody(body, secret));
  });

  it.each([
    ['/status/200', { kind: 'delivered', status: 200 }],
    ['/status/204', { kind: 'delivered', status: 204 }],
    ['/status/503', { kind: 'retryable', status: 503, error: 'HTTP 503 Service Unavailable', retryAfterMs: 3000 }],
    ['/status/429', { kind: 'retryable', status: 429, error: 'HTTP 429 Too Many Requests', retryAfterMs: 3000 }],
    ['/status/408', { kind: 'retryable', status: 408, error: 'HTTP 408 Request Timeout' }],
    ['/status/500', { kind: 'retryable', status: 500, error: 'HTTP 500 Internal Server Error' }],
    ['/status/410', { kind: 'rejected', status: 410, error: 'HTTP 410 Gone' }],
    ['/status/400', { kind: 'rejected', status: 400, error: 'HTTP 400 Bad Request' }],
    ['/status/404', { kind: 'rejected', status: 404, error: 'HTTP 404 Not Found' }],
  ] satisfies [string, WebhookOutcome][])('%s gives %o', async (path, expected) => {
    const before = partner.received.length;
    await expect(deliverTo(path)).resolves.toEqual(expected);
    expect(partner.received.length).toBe(before + 1);
    expect(lastRequest().signatureValid).toBe(true);
  });

  it('does not follow a redirect: 302 is rejected and the target never called', async () => {
    const before = partner.received.length;
    const outcome = await deliverTo('/status/302');
    expect(outcome).toEqual({ kind: 'rejected', status: 302, error: 'HTTP 302 Found' });
    expect(partner.received.map((r) => r.path).slice(before)).toEqual(['/status/302']);
  });

  it('a partner that never answers is a retryable timeout', async () => {
    const before = partner.received.length;
    const outcome = await deliverTo('/hang', 300);
    expect(outcome).toEqual({ kind: 'retryable', error: 'timeout after 300 ms' });
    expect(partner.received.length).toBe(before + 1);
  });

  it('a reset connection is retryable', async () => {
    const outcome = await deliverTo('/reset');
    expect(outcome).toEqual({ kind: 'retryable', error: 'connection reset' });
  });

  it('a refused connection is retryable', async () => {
    const url = await closedPortUrl();
    const outcome = await deliverWebhook(body, { url, secret }, { deliveryId: takedownId, timeoutMs: 5000 });
    expect(outcome).toEqual({ kind: 'retryable', error: 'connection refused' });
  });

  it('a host that does not resolve is retryable', async () => {
    // .invalid never resolves (RFC 6761); resolvers answer at once, offline ones too.
    const url = 'https://partner.twinguard-test.invalid/takedowns';
    const outcome = await deliverWebhook(body, { url, secret }, { deliveryId: takedownId, timeoutMs: 8000 });
    expect(outcome).toEqual({ kind: 'retryable', error: 'DNS lookup failed' });
  }, 10_000);

  it('a wrong secret is caught by the partner (401, rejected)', async () => {
    const outcome = await deliverWebhook(
      body,
      { url: partner.url('/status/200'), secret: 'not-the-secret' },
      { deliveryId: takedownId, timeoutMs: 5000 },
    );
    expect(outcome).toEqual({ kind: 'rejected', status: 401, error: 'HTTP 401 Unauthorized' });
    expect(lastRequest().signatureValid).toBe(false);
  });

  it('never puts the secret in an error, whatever happened', async () => {
    const refused = await closedPortUrl();
    const credentialed = partner.url('/status/200').replace('http://', `http://user:${secret}@`);
    const targets = [partner.url('/status/503'), partner.url('/status/400'), partner.url('/hang'), refused, credentialed];
    const outcomes = await Promise.all(
      targets.map((url) => deliverWebhook(body, { url, secret }, { deliveryId: takedownId, timeoutMs: 300 })),
    );
    for (const outcome of outcomes) {
      expect(outcome.kind).not.toBe('delivered');
      expect(JSON.stringify(outcome)).not.toContain(secret);
    }
  });

  it('refuses a non-positive timeout as a programming error', async () => {
    await expect(deliverTo('/status/200', 0)).rejects.toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, ignores junk', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Fri, 01 May 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
