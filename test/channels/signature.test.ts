import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../shared/adapters/webhook/signature.ts';

describe('signBody', () => {
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

describe('verifySignature', () => {
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
