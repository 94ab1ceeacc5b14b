import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  secretProblem,
  signatureHeaders,
  signBody,
  signingKey,
  signStandard,
  verifySignature,
  verifyStandard,
} from '../../shared/adapters/webhook/signature.ts';
import { verifierFor } from './partner-server.ts';

// The published test vector of the Standard Webhooks specification (and of Svix's libraries).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const PLAIN = 'a plain passphrase, ünïcode too';

describe('signStandard: webhook-signature', () => {
  it('reproduces the Standard Webhooks test vector', () => {
    expect(signStandard(VECTOR.id, VECTOR.timestamp, VECTOR.body, [VECTOR.secret])).toBe(VECTOR.signature);
  });

  it('a whsec_ secret keys with its decoded bytes, a plain one with its UTF-8 bytes', () => {
    expect(signingKey(VECTOR.secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
    expect(signingKey(PLAIN)).toEqual(Buffer.from(PLAIN, 'utf8'));
    expect(() => signingKey('whsec_not base64!')).toThrow(RangeError);
  });

  it('agrees with the standardwebhooks library for both kinds of secret', () => {
    for (const secret of [whsec(), PLAIN]) {
      const at = new Date(1_900_000_000_000);
      const mine = signStandard('td-1', 1_900_000_000, VECTOR.body, [secret]);
      expect(mine).toBe(verifierFor(secret).sign('td-1', at, VECTOR.body));
    }
  });

  it('signs once per secret, in order, space-separated', () => {
    const [a, b] = [whsec(), PLAIN];
    expect(signStandard('td-1', 1, 'x', [a, b])).toBe(`${signStandard('td-1', 1, 'x', [a])} ${signStandard('td-1', 1, 'x', [b])}`);
    expect(() => signStandard('td-1', 1, 'x', [])).toThrow(RangeError);
  });

  it('all five headers of an attempt: the deprecated pair keyed with the first secret as text', () => {
    const body = Buffer.from(VECTOR.body);
    const headers = signatureHeaders({ id: 'td-9', timestamp: 1_900_000_000, body, secrets: [VECTOR.secret, PLAIN] });
    expect(headers).toEqual({
      'webhook-id': 'td-9',
      'webhook-timestamp': '1900000000',
      'webhook-signature': signStandard('td-9', 1_900_000_000, body, [VECTOR.secret, PLAIN]),
      'x-twinguard-delivery': 'td-9',
      'x-twinguard-signature': signBody(body, VECTOR.secret),
    });
  });
});

describe('verifyStandard: what partners do', () => {
  const now = 1_900_000_000_000;
  const signed = (secrets: string[], timestamp = now / 1000, body = VECTOR.body) => ({
    id: 'td-1',
    timestamp: String(timestamp),
    signature: signStandard('td-1', timestamp, body, secrets),
  });

  it('accepts the vector at its own time, and any of several signatures or secrets', () => {
    const h = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: `v1,bm9wZQ== ${VECTOR.signature}` };
    expect(verifyStandard(VECTOR.body, h, [VECTOR.secret], { now: VECTOR.timestamp * 1000 })).toBe(true);
    const [a, b] = [whsec(), whsec()];
    expect(verifyStandard(VECTOR.body, signed([a, b]), [b], { now })).toBe(true);
    expect(verifyStandard(VECTOR.body, signed([a]), [PLAIN, a], { now })).toBe(true);
  });

  it.each([
    ['5 minutes old: accepted', -300, true],
    ['5 minutes and 1 s old: a replay', -301, false],
    ['5 minutes ahead: accepted', 300, true],
    ['5 minutes and 1 s ahead', 301, false],
  ])('timestamp %s', (_, offset, ok) => {
    const secret = whsec();
    expect(verifyStandard(VECTOR.body, signed([secret], now / 1000 + offset), [secret], { now })).toBe(ok);
  });

  it.each([
    ['another secret', (h: ReturnType<typeof signed>) => h, [whsec()]],
    ['another id', (h: ReturnType<typeof signed>) => ({ ...h, id: 'td-2' }), undefined],
    ['another timestamp', (h: ReturnType<typeof signed>) => ({ ...h, timestamp: String(Number(h.timestamp) + 1) }), undefined],
    ['a v2 signature', (h: ReturnType<typeof signed>) => ({ ...h, signature: h.signature.replace('v1,', 'v2,') }), undefined],
    ['a truncated signature', (h: ReturnType<typeof signed>) => ({ ...h, signature: h.signature.slice(0, -2) }), undefined],
    ['a timestamp that is not a number', (h: ReturnType<typeof signed>) => ({ ...h, timestamp: `${h.timestamp}.0` }), undefined],
    ['a missing header', (h: ReturnType<typeof signed>) => ({ ...h, id: undefined }), undefined],
    ['a repeated header', (h: ReturnType<typeof signed>) => ({ ...h, signature: [h.signature, h.signature] }), undefined],
  ] as const)('refuses %s', (_, change, others) => {
    const secret = whsec();
    expect(verifyStandard(VECTOR.body, change(signed([secret])), others ?? [secret], { now })).toBe(false);
  });

  it('refuses a changed body', () => {
    const secret = whsec();
    expect(verifyStandard(`${VECTOR.body} `, signed([secret]), [secret], { now })).toBe(false);
  });

  it('round-trips for any body, id and secret, and the library agrees; any flipped byte breaks it', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((id) => !id.includes('.')),
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        (key, id, text, at) => {
          const secret = `whsec_${Buffer.from(key).toString('base64')}`;
          const body = Buffer.from(text, 'utf8');
          const timestamp = Math.floor(Date.now() / 1000);
          const headers = { id, timestamp: String(timestamp), signature: signStandard(id, timestamp, body, [secret]) };
          expect(verifyStandard(body, headers, [secret])).toBe(true);
          expect(() =>
            new Webhook(secret).verify(
              body,
              {
                'webhook-id': id,
                'webhook-timestamp': headers.timestamp,
                'webhook-signature': headers.signature,
              },
              { jsonParse: false },
            ),
          ).not.toThrow();
          const tampered = Uint8Array.from(body);
          const index = at % tampered.length;
          tampered[index] = (tampered[index] ?? 0) ^ 0x01;
          expect(verifyStandard(tampered, headers, [secret])).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('secretProblem: what a channel may sign with', () => {
  it.each([
    ['a whsec_ secret of 24 bytes', VECTOR.secret, undefined],
    ['a whsec_ secret of 64 bytes', `whsec_${randomBytes(64).toString('base64')}`, undefined],
    ['a plain passphrase of 16 characters', 'x'.repeat(16), undefined],
    ['a plain passphrase of 256 characters', 'x'.repeat(256), undefined],
    ['an empty secret', '', 'must not be empty'],
    ['a plain passphrase of 15 characters', 'x'.repeat(15), /at least 16 characters/],
    ['257 characters', 'x'.repeat(257), 'must be at most 256 characters'],
    ['a whsec_ secret of 23 bytes', `whsec_${randomBytes(23).toString('base64')}`, /base64 of 24 to 64 random bytes/],
    ['a whsec_ secret of 65 bytes', `whsec_${randomBytes(65).toString('base64')}`, /base64 of 24 to 64 random bytes/],
    ['a whsec_ secret that is not base64', `whsec_${'*'.repeat(32)}`, /base64 of 24 to 64 random bytes/],
    ['a whsec_ secret without padding', `whsec_${randomBytes(25).toString('base64').replace(/=+$/, '')}`, /base64/],
  ])('%s', (_, secret, problem) => {
    const found = secretProblem(secret);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
    if (secret.length > 6) expect(found ?? '').not.toContain(secret.slice(6, 12));
  });
});

describe('signBody (deprecated x-twinguard-signature)', () => {
  it('matches RFC 4231 test case 2, so partners can check their own code against it', () => {
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('signs a string as its UTF-8 bytes', () => {
    const text = '{"note":"Malmö ✓ 🎭"}';
    expect(signBody(text, 's')).toBe(signBody(Buffer.from(text, 'utf8'), 's'));
  });
});

describe('verifySignature (deprecated x-twinguard-signature)', () => {
  const body = '{"detail":{"takedownId":"td-1"}}';
  const good = signBody(body, 'secret');

  it('accepts the signature of the same bytes and secret', () => {
    expect(verifySignature(body, good, 'secret')).toBe(true);
    expect(verifySignature(Buffer.from(body), good, 'secret')).toBe(true);
    expect(verifySignature(body, good.toUpperCase(), 'secret')).toBe(true);
  });

  it.each([
    ['another secret', body, good, 'other'],
    ['a changed body', body.replace('td-1', 'td-2'), good, 'secret'],
    ['a missing header', body, undefined, 'secret'],
    ['no sha256= prefix', body, good.slice('sha256='.length), 'secret'],
    ['another algorithm', body, good.replace('sha256=', 'sha1='), 'secret'],
    ['a truncated digest', body, good.slice(0, -2), 'secret'],
    ['non-hex characters', body, `${good.slice(0, -2)}zz`, 'secret'],
    ['a repeated header', body, [good, good], 'secret'],
  ] as const)('refuses %s', (_, signedBody, header, secret) => {
    expect(verifySignature(signedBody, header, secret)).toBe(false);
  });

  it('round-trips for any body and secret, and any flipped byte breaks it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.string(), fc.nat(), (bytes, secret, at) => {
        const header = signBody(bytes, secret);
        expect(verifySignature(bytes, header, secret)).toBe(true);
        const tampered = Uint8Array.from(bytes);
        const index = at % tampered.length;
        tampered[index] = (tampered[index] ?? 0) ^ 0x01;
        expect(verifySignature(tampered, header, secret)).toBe(false);
      }),
    );
  });
});
