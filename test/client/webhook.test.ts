import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../../client/index.ts';
import { envelopeOf } from './support.ts';

const body = JSON.stringify(envelopeOf('Takedown Requested'));
const id = 'td-0c6f7a2e-41b9-4d0a-b8e3-9f5d2c7a1e64';
const now = new Date('2026-05-01T12:00:01Z');
const at = Math.floor(now.getTime() / 1000);
const secret = 'channel-secret-from-channels.json';

/** Signed per EVENTS.md by hand, independent of the client's code. */
function specSignature(key: string | Buffer, msgId: string, timestamp: number, payload: string): string {
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${payload}`).digest('base64')}`;
}

const headers = (signature: string, extra: Record<string, string> = {}) => ({
  'webhook-id': id,
  'webhook-timestamp': String(at),
  'webhook-signature': signature,
  ...extra,
});

describe('verifyWebhook', () => {
  it('accepts a delivery signed per EVENTS.md, and returns its parsed Takedown Requested', () => {
    const verified = verifyWebhook(body, headers(specSignature(secret, id, at, body)), secret, { now: () => now });
    expect(verified.webhookId).toBe(id);
    expect(verified.timestamp).toEqual(new Date(at * 1000));
    expect(verified.event.detail.takedownId).toBe(id);
    expect(verified.event['detail-type']).toBe('Takedown Requested');
  });

  it('takes the raw body as bytes, and headers as a fetch Headers or in any case', () => {
    const signature = specSignature(secret, id, at, body);
    const fetchHeaders = new Headers(headers(signature));
    expect(verifyWebhook(Buffer.from(body), fetchHeaders, secret, { now: () => now }).webhookId).toBe(id);
    const shouting = { 'Webhook-Id': id, 'WEBHOOK-TIMESTAMP': String(at), 'Webhook-Signature': signature };
    expect(verifyWebhook(body, shouting, secret, { now: () => now }).webhookId).toBe(id);
  });

  it('accepts any of several signatures, and any of several secrets (rotation)', () => {
    const both = `${specSignature('old-secret', id, at, body)} ${specSignature(secret, id, at, body)}`;
    expect(() => verifyWebhook(body, headers(both), secret, { now: () => now })).not.toThrow();
    expect(() =>
      verifyWebhook(body, headers(specSignature(secret, id, at, body)), ['new-secret', secret], { now: () => now }),
    ).not.toThrow();
  });

  it.each([
    ['another secret', () => verifyWebhook(body, headers(specSignature('other', id, at, body)), secret, { now: () => now })],
    [
      'a changed body',
      () => verifyWebhook(body.replace('ig-17895', 'ig-17896'), headers(specSignature(secret, id, at, body)), secret, { now: () => now }),
    ],
    [
      'another webhook-id',
      () => verifyWebhook(body, headers(specSignature(secret, id, at, body), { 'webhook-id': 'td-other' }), secret, { now: () => now }),
    ],
    [
      'a timestamp too old',
      () => verifyWebhook(body, headers(specSignature(secret, id, at, body)), secret, { now: () => new Date(now.getTime() + 301_000) }),
    ],
    [
      'a timestamp too new',
      () => verifyWebhook(body, headers(specSignature(secret, id, at, body)), secret, { now: () => new Date(now.getTime() - 301_000) }),
    ],
    [
      'a non-numeric timestamp',
      () => verifyWebhook(body, headers(specSignature(secret, id, at, body), { 'webhook-timestamp': '1e9' }), secret, { now: () => now }),
    ],
    ['a missing signature', () => verifyWebhook(body, { 'webhook-id': id, 'webhook-timestamp': String(at) }, secret, { now: () => now })],
    [
      'an unknown signature version',
      () => verifyWebhook(body, headers(specSignature(secret, id, at, body).replace('v1,', 'v2,')), secret, { now: () => now }),
    ],
    ['a repeated header', () => verifyWebhook(body, { ...headers(''), 'webhook-signature': ['a', 'b'] }, secret, { now: () => now })],
  ])('refuses %s', (_, verify) => {
    expect(verify).toThrow(WebhookVerificationError);
  });

  it('refuses a correctly signed body that is not a Takedown Requested event, naming the field', () => {
    const other = JSON.stringify(envelopeOf('Takedown Overdue'));
    expect(() => verifyWebhook(other, headers(specSignature(secret, id, at, other)), secret, { now: () => now })).toThrow(
      /not a Takedown Requested event: .*detail-type/,
    );
  });

  it('interoperates with the standardwebhooks reference library, both ways, with a whsec_ secret', () => {
    const whsec = `whsec_${Buffer.from('a 24-byte key for tests!').toString('base64')}`;
    const reference = new Webhook(whsec);
    const theirs = reference.sign(id, new Date(), body);
    expect(() => verifyWebhook(body, headers(theirs, { 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }), whsec)).not.toThrow();
    const ours = signWebhook(body, id, Math.floor(Date.now() / 1000), whsec);
    const fresh = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': ours };
    expect(reference.verify(body, fresh)).toEqual(JSON.parse(body));
    // A plain channel secret is its UTF-8 bytes, as the reference's "raw" format takes an ASCII one.
    expect(signWebhook(body, id, at, secret)).toBe(new Webhook(secret, { format: 'raw' }).sign(id, new Date(at * 1000), body));
  });

  it('verifies exactly the bodies signed with its secret (any bytes, any flipped byte refused)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat({ max: 4000 }), (key, flip) => {
        const signature = signWebhook(body, id, at, key);
        expect(signature).toBe(specSignature(Buffer.from(key, 'utf8'), id, at, body));
        const bytes = Buffer.from(body);
        bytes[flip % bytes.length]! ^= 0x01;
        expect(() => verifyWebhook(bytes, headers(signature), key, { now: () => now })).toThrow(WebhookVerificationError);
      }),
      { numRuns: 300 },
    );
  });

  it('guards a partner HTTP endpoint: 200 for a signed delivery, 401 for a forged one', async () => {
    const server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        const { event } = verifyWebhook(Buffer.concat(chunks), req.headers, secret);
        res.writeHead(200).end(event.detail.placementId);
      } catch (error) {
        res.writeHead(error instanceof WebhookVerificationError ? 401 : 500).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/takedowns`;
      const ts = Math.floor(Date.now() / 1000);
      const post = (signature: string) =>
        fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': signature,
          },
          body,
        });
      const ok = await post(specSignature(secret, id, ts, body));
      expect([ok.status, await ok.text()]).toEqual([200, 'ig-17895']);
      expect((await post(specSignature('guess', id, ts, body))).status).toBe(401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
