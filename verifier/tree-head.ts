import { type Checked, fail, type SignedDocumentKind, verifySignedDocument } from './signed-document.ts';

export type { Checked };

/** The `typ` of a TwinGuard tree head JWS; anything else the same key signs is refused here. */
export const TREE_HEAD_TYP = 'twinguard-tree-head+jws';

/**
 * Longer is refused unread. A head is about 400 characters (a fixed, small payload), but
 * the verifier reads heads from files an agency was handed, which may be hostile: without a
 * bound, a head of megabytes would be base64-decoded, hashed and parsed before being refused.
 */
export const MAX_TREE_HEAD_LENGTH = 4_096;

const TREE_HEAD: SignedDocumentKind = { typ: TREE_HEAD_TYP, label: 'the tree head', name: 'a tree head', maxLength: MAX_TREE_HEAD_LENGTH };

/** A tree head whose signature was checked: only these values are trusted. */
export interface VerifiedTreeHead {
  origin: string;
  treeSize: number;
  rootHash: Uint8Array;
  timestamp: string;
  /** The key that signed it. */
  kid: string;
}

/**
 * Checks a signed tree head (a compact JWS) against the log's public keys: ES256 only, the
 * key named by its `kid` in `jwks`, `typ` a tree head, and a payload of the right shape.
 * Never throws: whatever is wrong comes back as the reason.
 */
export async function verifyTreeHead(jws: unknown, jwks: unknown): Promise<Checked<VerifiedTreeHead>> {
  const signed = await verifySignedDocument(jws, jwks, TREE_HEAD);
  if (!signed.ok) return signed;
  const { kid } = signed.value;
  const head = signed.value.payload as Record<string, unknown> | null;
  const { origin, treeSize, rootHash, timestamp } = head ?? {};
  if (typeof origin !== 'string') return fail('the signed tree head has no origin');
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 0)
    return fail('the signed tree size is not a whole number');
  const root = decodeHash(rootHash);
  if (root === undefined) return fail('the signed root hash is not 32 bytes of base64');
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) return fail('the signed timestamp is not a time');
  return { ok: true, value: { origin, treeSize, rootHash: root, timestamp, kid } };
}

/** Base64 of exactly 32 bytes, strictly (no stray characters), else undefined. */
export function decodeHash(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(text)) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  return bytes.length === 32 && Buffer.from(bytes).toString('base64') === text ? bytes : undefined;
}
