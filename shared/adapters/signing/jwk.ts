import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PublicJwk } from '../../ports/signer.ts';
import { SigningKeyError } from './errors.ts';

/** The public half of a P-256 key as the log publishes it, `kid` its RFC 7638 thumbprint. */
export async function publicJwkOf(jwk: JWK): Promise<PublicJwk> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new SigningKeyError(`the log signs with ECDSA P-256 (ES256); this key is ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''}`);
  }
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
}

/** The JWKS document (RFC 7517 section 5) a verifier is given. */
export function jwksOf(...keys: PublicJwk[]): { keys: PublicJwk[] } {
  return { keys };
}
