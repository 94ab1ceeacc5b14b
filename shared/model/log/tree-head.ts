import { canonicalJsonBytes } from './canonical-json.ts';

/**
 * A tree head: the log's size and root hash at a time. Signed (ES256, compact JWS), it is the
 * log's commitment: every record below `treeSize` is fixed by `rootHash`, and a later head
 * must extend it (a consistency proof shows that it does).
 *
 * The JWS payload is the head's RFC 8785 canonical JSON; its protected header is
 * `{ "alg": "ES256", "kid": <RFC 7638 thumbprint of the key>, "typ": TREE_HEAD_TYP }`. The
 * `typ` keeps a tree head from being taken for anything else the same key signs.
 */
export interface TreeHead {
  /** Which log: `twinguard`. */
  origin: string;
  treeSize: number;
  /** MTH of the first `treeSize` records, base64. */
  rootHash: string;
  /** When it was signed, ISO-8601 UTC. */
  timestamp: string;
}

export interface SignedTreeHead extends TreeHead {
  /** The compact JWS whose payload is this head: the only part a verifier trusts. */
  jws: string;
}

export const LOG_ORIGIN = 'twinguard';
export const TREE_HEAD_TYP = 'twinguard-tree-head+jws';

export function treeHeadPayload(head: TreeHead): Uint8Array {
  const { origin, treeSize, rootHash, timestamp } = head;
  return canonicalJsonBytes({ origin, treeSize, rootHash, timestamp });
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
