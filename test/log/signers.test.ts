import { createServer } from 'node:http';
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { compactVerify, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { derToP1363 } from '../../shared/adapters/signing/der.ts';
import { SignatureFormatError, SigningKeyError } from '../../shared/adapters/signing/errors.ts';
import { jwksOf } from '../../shared/adapters/signing/jwk.ts';
import { KmsSigner } from '../../shared/adapters/signing/kms-signer.ts';
import { ensureKeyFiles, LocalKeySigner } from '../../shared/adapters/signing/local-key-signer.ts';
import { answer } from '../../functions/log-public-key.ts';

/**
 * KMS cannot run here: this stands in for its two calls with a real P-256 key and node:crypto,
 * answering as KMS does (SubjectPublicKeyInfo DER; DER signatures over the SHA-256 of RAW messages).
 */
function kmsStandIn(keySpec = 'ECC_NIST_P256') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const calls: string[] = [];
  return {
    calls,
    publicKey,
    send: async (command: unknown) => {
      if (command instanceof GetPublicKeyCommand) {
        calls.push('GetPublicKey');
        return { KeySpec: keySpec, KeyUsage: 'SIGN_VERIFY', PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) };
      }
      if (command instanceof SignCommand) {
        const input = command.input;
        calls.push(`Sign ${input.MessageType} ${input.SigningAlgorithm}`);
        if (input.MessageType !== 'RAW') throw new Error('the stand-in signs RAW messages only');
        return { Signature: new Uint8Array(nodeSign('sha256', input.Message!, { key: privateKey, dsaEncoding: 'der' })) };
      }
      throw new Error('unexpected command');
    },
  } as const;
}

describe('the signers of the log', () => {
  it('turns DER signatures of any shape into the 64-byte ES256 form', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const lengths = new Set<number>();
    // Enough signatures that some r or s have a leading zero byte (shorter DER) and many a sign byte (longer).
    for (let i = 0; i < 400; i++) {
      const message = Buffer.from(`message ${i}`);
      const der = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
      lengths.add(der.length);
      const p1363 = derToP1363(der);
      expect(p1363).toHaveLength(64);
      expect(nodeVerify('sha256', message, { key: publicKey as KeyObject, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
    }
    expect(lengths.size).toBeGreaterThan(2);
    for (const bad of [
      Uint8Array.of(),
      Uint8Array.of(0x31, 0),
      Uint8Array.of(0x30, 3, 2, 1, 1),
      Uint8Array.of(0x30, 6, 2, 1, 1, 2, 1, 1, 0),
    ]) {
      expect(() => derToP1363(bad)).toThrow(SignatureFormatError);
    }
  });

  it('signs through KMS a JWS that jose verifies with the published JWKS, kid its thumbprint, header typ kept', async () => {
    const kms = kmsStandIn();
    const signer = new KmsSigner(kms, 'arn:aws:kms:eu-west-1:111122223333:key/log');
    const jwk = await signer.publicJwk();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.stringMatching(/^[\w-]{43}$/) });
    const payload = new TextEncoder().encode('{"treeSize":1}');
    const jws = await signer.sign(payload, 'twinguard-tree-head+jws');
    const verified = await compactVerify(jws, createLocalJWKSet(jwksOf(jwk)), { algorithms: ['ES256'] });
    expect(new TextDecoder().decode(verified.payload)).toBe('{"treeSize":1}');
    expect(verified.protectedHeader).toEqual({ alg: 'ES256', kid: jwk.kid, typ: 'twinguard-tree-head+jws' });
    await signer.sign(payload, 'x');
    // The public key is read once; each signature is one KMS call.
    expect(kms.calls).toEqual(['GetPublicKey', 'Sign RAW ECDSA_SHA_256', 'Sign RAW ECDSA_SHA_256']);
    await expect(new KmsSigner(kmsStandIn('RSA_2048'), 'k').publicJwk()).rejects.toThrow(SigningKeyError);
  });

  it('keeps the local key in a file readable by its owner only, created once, its JWKS beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'log-key-'));
    const [keyFile, jwksFile] = [join(dir, 'log', 'signing-key.jwk'), join(dir, 'log', 'jwks.json')];
    const first = await ensureKeyFiles(keyFile, jwksFile);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await ensureKeyFiles(keyFile, jwksFile)).toEqual(first);
    const jwks = JSON.parse(await readFile(jwksFile, 'utf8'));
    expect(jwks).toEqual({ keys: [first] });
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const jws = await (await LocalKeySigner.fromFile(keyFile)).sign(Uint8Array.of(1, 2, 3), 't');
    expect((await compactVerify(jws, createLocalJWKSet(jwks))).protectedHeader.kid).toBe(first.kid);
    await expect(LocalKeySigner.fromJwk({ ...first })).rejects.toThrow('no private key');
    await expect(LocalKeySigner.fromFile(join(dir, 'missing.jwk'))).rejects.toThrow(SigningKeyError);
  });

  it('answers CloudFormation with the JWKS of the KMS key, and with FAILED and the reason when it cannot', async () => {
    const bodies: Record<string, any>[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/response`;
    const event = {
      RequestType: 'Create' as const,
      ResponseURL: url,
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'LogJwks',
      ResourceProperties: { KeyArn: 'k' },
    };
    try {
      const kms = kmsStandIn();
      await answer(event, kms);
      await answer(event, kmsStandIn('RSA_2048'));
      await answer({ ...event, RequestType: 'Delete', PhysicalResourceId: 'p' }, kms);
    } finally {
      server.close();
    }
    const jwks = JSON.parse(bodies[0]!.Data.Jwks);
    expect(jwks.keys).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ Status: 'SUCCESS', RequestId: 'r', Data: { Kid: jwks.keys[0].kid } });
    expect(bodies[1]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('ECC_NIST_P256') });
    expect(bodies[2]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'p' });
  });
});
