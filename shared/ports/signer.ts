/** The public half of the log's signing key, as published in its JWKS (RFC 7517). */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  /** RFC 7638 thumbprint of the key (SHA-256, base64url): the same for the same key wherever it is kept. */
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/**
 * Signs with the log's ECDSA P-256 key: an asymmetric KMS key deployed, a key file locally.
 * The private key never leaves its keeper.
 */
export interface Signer {
  publicJwk(): Promise<PublicJwk>;
  /** A compact JWS (RFC 7515), ES256, over `payload`; protected header `{ alg: 'ES256', kid, typ }`. */
  sign(payload: Uint8Array, typ: string): Promise<string>;
}
