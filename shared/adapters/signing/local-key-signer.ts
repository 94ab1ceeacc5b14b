import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { PublicJwk, Signer } from '../../ports/signer.ts';
import { SigningKeyError } from './errors.ts';
import { jwksOf, publicJwkOf } from './jwk.ts';

/**
 * The signer of the local runtime: an ECDSA P-256 private key kept as a JWK file in the
 * state folder, created on first start (readable by its owner only). Deployed, the key is in
 * KMS instead and never leaves it (`KmsSigner`).
 */
export class LocalKeySigner implements Signer {
  private constructor(
    private readonly privateKey: Awaited<ReturnType<typeof importJWK>>,
    private readonly jwk: PublicJwk,
  ) {}

  static async fromJwk(privateJwk: JWK, where = 'the key'): Promise<LocalKeySigner> {
    if (typeof privateJwk.d !== 'string') throw new SigningKeyError(`${where} holds no private key (no "d")`);
    const jwk = await publicJwkOf(privateJwk);
    const key = await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256');
    return new LocalKeySigner(key, jwk);
  }

  static async fromFile(path: string): Promise<LocalKeySigner> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new SigningKeyError(`cannot read the log's signing key ${path}`, { cause: error });
    }
    let parsed: JWK;
    try {
      parsed = JSON.parse(text) as JWK;
    } catch (error) {
      throw new SigningKeyError(`${path} is not a JWK (JSON)`, { cause: error });
    }
    return LocalKeySigner.fromJwk(parsed, path);
  }

  async publicJwk(): Promise<PublicJwk> {
    return this.jwk;
  }

  async sign(payload: Uint8Array, typ: string): Promise<string> {
    return new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid: this.jwk.kid, typ }).sign(this.privateKey);
  }
}

/** A new P-256 private key as a JWK, with its `kid`. */
export async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { kid } = await publicJwkOf(jwk);
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

/**
 * The key file at `keyPath`, created if absent (mode 0600, never overwritten), and the JWKS
 * of its public half written to `jwksPath` for verifiers. Returns the public key.
 */
export async function ensureKeyFiles(keyPath: string, jwksPath: string): Promise<PublicJwk> {
  await mkdir(dirname(keyPath), { recursive: true });
  try {
    await writeFile(keyPath, `${JSON.stringify(await newPrivateJwk(), null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SigningKeyError(`cannot create ${keyPath}`, { cause: error });
  }
  await chmod(keyPath, 0o600).catch(() => undefined);
  const jwk = await (await LocalKeySigner.fromFile(keyPath)).publicJwk();
  await mkdir(dirname(jwksPath), { recursive: true });
  await writeFile(jwksPath, `${JSON.stringify(jwksOf(jwk), null, 2)}\n`);
  return jwk;
}
