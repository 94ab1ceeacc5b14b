import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { JWK } from 'jose';
import type { PublicJwk, Signer } from '../../ports/signer.ts';
import { derToP1363 } from './der.ts';
import { SigningKeyError } from './errors.ts';
import { publicJwkOf } from './jwk.ts';

/** KMS signs a message of up to 4096 bytes itself; a longer one is sent as its SHA-256 digest. */
const KMS_RAW_LIMIT = 4096;

/**
 * Signs with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the private key never leaves
 * KMS. KMS hashes the JWS signing input with SHA-256 and signs it (`ECDSA_SHA_256`; inputs
 * over 4 KiB are hashed here and sent as a DIGEST) and answers in DER; the JWS gets the
 * 64-byte r || s form ES256 requires.
 */
export class KmsSigner implements Signer {
  private jwk: Promise<PublicJwk> | undefined;

  constructor(
    private readonly kms: Pick<KMSClient, 'send'>,
    private readonly keyId: string,
  ) {}

  /** Read from KMS once per instance (a cold start) and kept. */
  publicJwk(): Promise<PublicJwk> {
    this.jwk ??= publicJwkOfKmsKey(this.kms, this.keyId).catch((error: unknown) => {
      this.jwk = undefined;
      throw error;
    });
    return this.jwk;
  }

  async sign(payload: Uint8Array, typ: string): Promise<string> {
    const { kid } = await this.publicJwk();
    const header = base64url(new TextEncoder().encode(JSON.stringify({ alg: 'ES256', kid, typ })));
    const input = `${header}.${base64url(payload)}`;
    const bytes = new TextEncoder().encode(input);
    const message =
      bytes.length <= KMS_RAW_LIMIT
        ? { Message: bytes, MessageType: 'RAW' as const }
        : { Message: new Uint8Array(createHash('sha256').update(bytes).digest()), MessageType: 'DIGEST' as const };
    const out = await this.kms.send(new SignCommand({ KeyId: this.keyId, ...message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    if (out.Signature === undefined) throw new SigningKeyError(`KMS returned no signature for ${this.keyId}`);
    return `${input}.${base64url(derToP1363(out.Signature))}`;
  }
}

/** The public key of a KMS key (SubjectPublicKeyInfo DER) as the log's JWK. */
export async function publicJwkOfKmsKey(kms: Pick<KMSClient, 'send'>, keyId: string): Promise<PublicJwk> {
  const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (out.KeySpec !== 'ECC_NIST_P256' || out.KeyUsage !== 'SIGN_VERIFY' || out.PublicKey === undefined) {
    throw new SigningKeyError(
      `KMS key ${keyId} is ${out.KeySpec ?? 'unknown'} for ${out.KeyUsage ?? 'unknown'}; the log needs ECC_NIST_P256 for SIGN_VERIFY`,
    );
  }
  const jwk = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return publicJwkOf(jwk as JWK);
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
