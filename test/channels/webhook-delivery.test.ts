import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signBody, signStandard } from '../../shared/adapters/webhook/signature.ts';
import {
  createHttpWebhookSender,
  deliverWebhook,
  parseRetryAfter,
  type WebhookOutcome,
} from '../../shared/adapters/webhook/webhook-delivery.ts';
import { readFile } from 'node:fs/promises';
import { closedPortUrl, startPartner, type PartnerServer, type ReceivedRequest } from './partner-server.ts';
import { verifyTwinGuard } from './verify-by-hand.ts';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const secret = whsec();
const secrets = [secret];
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
  return deliverWebhook(body, { url: partner.url(path), secrets }, { deliveryId: takedownId, timeoutMs });
}

function lastRequest() {
  const request = partner.received.at(-1);
  if (request === undefined) throw new Error('the partner received nothing');
  return request;
}

describe('deliverWebhook against a real partner server', () => {
  it('sends the exact body with the Standard Webhooks headers, which the standardwebhooks library verifies, and the deprecated pair', async () => {
    const before = Math.floor(Date.now() / 1000);
    const outcome = await deliverTo('/status/200');
    const after = Math.floor(Date.now() / 1000);
    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.signatureValid).toBe(true);
    expect(request.legacySignatureValid).toBe(true);
    expect(request.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(takedownId);
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(request.headers['webhook-signature']).toBe(signStandard(takedownId, timestamp, body, [secret]));
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
    const outcome = await deliverWebhook(body, { url, secrets }, { deliveryId: takedownId, timeoutMs: 5000 });
    expect(outcome).toEqual({ kind: 'retryable', error: 'connection refused' });
  });

  it('a host that does not resolve is retryable', async () => {
    // .invalid never resolves (RFC 6761); resolvers answer at once, offline ones too.
    const url = 'https://partner.twinguard-test.invalid/takedowns';
    const outcome = await deliverWebhook(body, { url, secrets }, { deliveryId: takedownId, timeoutMs: 8000 });
    expect(outcome).toEqual({ kind: 'retryable', error: 'DNS lookup failed' });
  }, 10_000);

  it('a wrong secret is caught by the partner (401, rejected)', async () => {
    const outcome = await deliverWebhook(
      body,
      { url: partner.url('/status/200'), secrets: [whsec()] },
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
      targets.map((url) => deliverWebhook(body, { url, secrets }, { deliveryId: takedownId, timeoutMs: 300 })),
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

describe('signing: secrets, rotation, retries and replays, as partners verify them', () => {
  const partners: PartnerServer[] = [];
  const partnerWith = async (accepted: string | string[]) => {
    const p = await startPartner(accepted);
    partners.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(partners.splice(0).map((p) => p.close()));
  });
  const only = (p: PartnerServer): ReceivedRequest => {
    expect(p.received).toHaveLength(1);
    return p.received[0]!;
  };

  it('a plain secret keys with its UTF-8 bytes: the library verifies it in raw format', async () => {
    const plain = 'a plain passphrase, Malmö ✓';
    const p = await partnerWith(plain);
    const outcome = await deliverWebhook(
      body,
      { url: p.url('/status/204'), secrets: [plain] },
      { deliveryId: takedownId, timeoutMs: 5000 },
    );
    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(only(p)).toMatchObject({ signatureValid: true, legacySignatureValid: true });
  });

  it('during a rotation one header carries a v1 signature per secret: a partner holding either accepts', async () => {
    const [next, previous] = [whsec(), whsec()];
    for (const held of [next, previous]) {
      const p = await partnerWith(held);
      const outcome = await deliverWebhook(
        body,
        { url: p.url('/status/200'), secrets: [next, previous] },
        { deliveryId: takedownId, timeoutMs: 5000 },
      );
      expect(outcome).toEqual({ kind: 'delivered', status: 200 });
      const request = only(p);
      expect(request.signatureValid).toBe(true);
      const signatures = String(request.headers['webhook-signature']).split(' ');
      expect(signatures).toHaveLength(2);
      expect(signatures.every((sig) => /^v1,[A-Za-z0-9+/]{43}=$/.test(sig))).toBe(true);
      // The deprecated header has room for one signature: the new secret's.
      expect(request.headers['x-twinguard-signature']).toBe(signBody(body, next));
    }
    const stranger = await partnerWith(whsec());
    await deliverWebhook(
      body,
      { url: stranger.url('/status/200'), secrets: [next, previous] },
      { deliveryId: takedownId, timeoutMs: 5000 },
    );
    expect(only(stranger)).toMatchObject({ signatureValid: false, verifyError: 'No matching signature found' });
  });

  it('each attempt is signed when sent: a retry has the same id and bytes, a fresh timestamp and signature', async () => {
    const p = await partnerWith(secret);
    let clock = Date.now();
    const sender = createHttpWebhookSender({ now: () => clock });
    const channel = { url: p.url('/script/503,200'), secrets };
    expect((await sender.send(body, channel, { deliveryId: takedownId, timeoutMs: 5000 })).kind).toBe('retryable');
    clock += 90_000; // well within the partner's 5 minutes either way
    expect(await sender.send(body, channel, { deliveryId: takedownId, timeoutMs: 5000 })).toEqual({ kind: 'delivered', status: 200 });
    const [first, retry] = p.received;
    expect(first!.signatureValid && retry!.signatureValid).toBe(true);
    expect(retry!.body.equals(first!.body)).toBe(true);
    expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(Number(retry!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp'])).toBe(90);
    expect(retry!.headers['webhook-signature']).not.toBe(first!.headers['webhook-signature']);
  });

  it('the by-hand verifier of docs/channels.md, shown there verbatim, accepts real deliveries and nothing else', async () => {
    const doc = await readFile(new URL('../../docs/channels.md', import.meta.url), 'utf8');
    const code = await readFile(new URL('./verify-by-hand.ts', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`ts\n${code}\`\`\``);

    const [next, previous, plain] = [whsec(), whsec(), 'a plain passphrase, Malmö ✓'];
    const p = await partnerWith([next, plain]);
    for (const held of [[next, previous], [plain]]) {
      await deliverWebhook(body, { url: p.url('/status/200'), secrets: held }, { deliveryId: takedownId, timeoutMs: 5000 });
    }
    const [rotating, plainly] = p.received.map((r) => ({ raw: r.body, headers: r.headers }));
    expect(verifyTwinGuard(rotating!.raw, rotating!.headers, next)).toBe(true);
    expect(verifyTwinGuard(rotating!.raw, rotating!.headers, previous)).toBe(true);
    expect(verifyTwinGuard(plainly!.raw, plainly!.headers, plain)).toBe(true);
    expect(verifyTwinGuard(plainly!.raw, plainly!.headers, next)).toBe(false);
    const tampered = Buffer.from(plainly!.raw.toString('utf8').replace('CONSENT_REVOKED', 'CONSENT_EXPIRED'));
    expect(verifyTwinGuard(tampered, plainly!.headers, plain)).toBe(false);
    const sentAt = Number(plainly!.headers['webhook-timestamp']) * 1000;
    expect(verifyTwinGuard(plainly!.raw, plainly!.headers, plain, sentAt + 300_000)).toBe(true);
    expect(verifyTwinGuard(plainly!.raw, plainly!.headers, plain, sentAt + 301_000)).toBe(false);
    expect(verifyTwinGuard(plainly!.raw, { ...plainly!.headers, 'webhook-id': 'td-other' }, plain)).toBe(false);
  });

  it('a request replayed after the tolerance window is refused by the partner, however well signed', async () => {
    const p = await partnerWith(secret);
    const captured = createHttpWebhookSender({ now: () => Date.now() - 301_000 });
    const outcome = await captured.send(body, { url: p.url('/status/200'), secrets }, { deliveryId: takedownId, timeoutMs: 5000 });
    expect(outcome).toEqual({ kind: 'rejected', status: 401, error: 'HTTP 401 Unauthorized' });
    // The deprecated signature alone would have let it through: it covers no time.
    expect(only(p)).toMatchObject({ signatureValid: false, verifyError: 'Message timestamp too old', legacySignatureValid: true });
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
