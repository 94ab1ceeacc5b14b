import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** How one kind of signed document is named in reasons, and what bounds it. */
export interface SignedDocumentKind {
  /** The protected header's `typ`: a JWS of any other `typ` is refused, so no document passes for another. */
  typ: string;
  /** The document as the subject of a reason, e.g. `the tree head`. */
  label: string;
  /** The document with its article, as in "not a tree head", e.g. `a tree head`. */
  name: string;
  /** Longer is refused before anything is decoded. */
  maxLength: number;
}

/** What a JWS whose signature checked carries: its payload as parsed JSON, and the key that signed it. */
export interface SignedDocument {
  payload: unknown;
  kid: string;
}

/**
 * Checks a compact JWS signed by the log's key, the part every TwinGuard document shares:
 * a bounded string of three base64url parts, `typ` the kind's, ES256 only, signed by the key
 * its `kid` names in `jwks`, a UTF-8 JSON payload. The shape of the payload is the caller's
 * to check. Never throws: whatever is wrong comes back as the reason, worded for `kind`.
 */
export async function verifySignedDocument(jws: unknown, jwks: unknown, kind: SignedDocumentKind): Promise<Checked<SignedDocument>> {
  const { typ, label, name, maxLength } = kind;
  if (typeof jws !== 'string') return fail(`${label} is not a string`);
  if (jws.length > maxLength) return fail(`${label} is longer than ${maxLength} characters`);
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jws)) return fail(`${label} is not a compact JWS`);
  let keys: ReturnType<typeof createLocalJWKSet>;
  try {
    keys = createLocalJWKSet(jwks as JSONWebKeySet);
  } catch (error) {
    return fail(`the public keys are not a JWKS document: ${message(error)}`);
  }
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.typ !== typ) return fail(`the JWS is a ${String(header.typ ?? 'untyped')} document, not ${name} (${typ})`);
    kid = header.kid;
  } catch (error) {
    return fail(`${label}'s header cannot be read: ${message(error)}`);
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, keys, { algorithms: ['ES256'] }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY')
      return fail(`${label} was signed by key ${kid ?? '(no kid)'}, which is not among the given public keys`);
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
      return fail(`${label} signature does not verify: it was altered or signed by another key`);
    return fail(`${label} signature cannot be checked: ${message(error)}`);
  }
  try {
    return { ok: true, value: { payload: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)), kid: kid ?? '' } };
  } catch {
    return fail(`the signed ${label.replace(/^the /, '')} is not JSON`);
  }
}

export function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
