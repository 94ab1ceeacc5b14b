import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

/** The `typ` of a TwinGuard tree head JWS; anything else the same key signs is refused here. */
export const TREE_HEAD_TYP = 'twinguard-tree-head+jws';

/** A tree head whose signature was checked: only these values are trusted. */
export interface VerifiedTreeHead {
  origin: string;
  treeSize: number;
  rootHash: Uint8Array;
  timestamp: string;
  /** The key that signed it. */
  kid: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Checks a signed tree head (a compact JWS) against the log's public keys: ES256 only, the
 * key named by its `kid` in `jwks`, `typ` a tree head, and a payload of the right shape.
 * Never throws: whatever is wrong comes back as the reason.
 */
export async function verifyTreeHead(jws: unknown, jwks: unknown): Promise<Checked<VerifiedTreeHead>> {
  if (typeof jws !== 'string' || jws.split('.').length !== 3) return fail('the tree head is not a compact JWS');
  let keys: ReturnType<typeof createLocalJWKSet>;
  try {
    keys = createLocalJWKSet(jwks as JSONWebKeySet);
  } catch (error) {
    return fail(`the public keys are not a JWKS document: ${message(error)}`);
  }
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.typ !== TREE_HEAD_TYP)
      return fail(`the JWS is a ${String(header.typ ?? 'untyped')} document, not a tree head (${TREE_HEAD_TYP})`);
    kid = header.kid;
  } catch (error) {
    return fail(`the tree head's header cannot be read: ${message(error)}`);
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, keys, { algorithms: ['ES256'] }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY')
      return fail(`the tree head was signed by key ${kid ?? '(no kid)'}, which is not among the given public keys`);
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
      return fail('the tree head signature does not verify: it was altered or signed by another key');
    return fail(`the tree head signature cannot be checked: ${message(error)}`);
  }
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as Record<string, unknown>;
  } catch {
    return fail('the signed tree head is not JSON');
  }
  const { origin, treeSize, rootHash, timestamp } = head ?? {};
  if (typeof origin !== 'string') return fail('the signed tree head has no origin');
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 0)
    return fail('the signed tree size is not a whole number');
  const root = decodeHash(rootHash);
  if (root === undefined) return fail('the signed root hash is not 32 bytes of base64');
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) return fail('the signed timestamp is not a time');
  return { ok: true, value: { origin, treeSize, rootHash: root, timestamp, kid: kid ?? '' } };
}

/** Base64 of exactly 32 bytes, strictly (no stray characters), else undefined. */
export function decodeHash(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(text)) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  return bytes.length === 32 && Buffer.from(bytes).toString('base64') === text ? bytes : undefined;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
