import { describe, expect, it } from 'vitest';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import { TREE_HEAD_TYP, treeHeadPayload } from '../../shared/model/log/tree-head.ts';
import { MAX_TREE_HEAD_LENGTH, verifyTreeHead } from '../../verifier/index.ts';

const head = { origin: 'twinguard', treeSize: 3, rootHash: Buffer.alloc(32, 7).toString('base64'), timestamp: '2026-03-01T12:00:00.000Z' };

describe('verifyTreeHead', () => {
  it('accepts a head signed by the key, and is bounded: 300 KB of input is refused with a reason, unread', async () => {
    const signer = await LocalKeySigner.fromJwk(await newPrivateJwk());
    const jwks = { keys: [await signer.publicJwk()] };
    const jws = await signer.sign(treeHeadPayload(head), TREE_HEAD_TYP);
    const good = await verifyTreeHead(jws, jwks);
    expect(good.ok && good.value.treeSize).toBe(3);
    expect(jws.length).toBeLessThan(MAX_TREE_HEAD_LENGTH);

    const [h, p, s] = jws.split('.');
    const huge = [`${h}.${p}${'A'.repeat(300_000)}.${s}`, 'x'.repeat(300_000), `${'a'.repeat(150_000)}.${'b'.repeat(150_000)}.c`];
    for (const input of huge) {
      expect(await verifyTreeHead(input, jwks)).toEqual({
        ok: false,
        reason: `the tree head is longer than ${MAX_TREE_HEAD_LENGTH} characters`,
      });
    }
    expect(await verifyTreeHead(42, jwks)).toEqual({ ok: false, reason: 'the tree head is not a string' });
  });
});
