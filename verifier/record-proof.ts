import { canonicalJson } from './canonical-json.ts';
import { checkInclusion, leafHash } from './merkle.ts';
import { decodeHash, type VerifiedTreeHead } from './tree-head.ts';

/**
 * Whether a stored record is the leaf `leafIndex` of the signed tree, by its inclusion proof:
 * the reason it is not, or undefined when it is. Shared by every document that carries records.
 */
export function checkRecordProof(record: unknown, leafIndex: unknown, proof: unknown, head: VerifiedTreeHead): string | undefined {
  if (!isObject(record) || typeof record['pk'] !== 'string' || typeof record['sk'] !== 'string')
    return 'the record is not a stored record (pk, sk)';
  if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0) return 'the leaf index is not a whole number';
  if (leafIndex >= head.treeSize) return `leaf ${leafIndex} is beyond the signed tree of ${head.treeSize} records`;
  const path = proofHashes(proof);
  if (path === undefined) return 'the proof is not a list of base64 SHA-256 hashes';
  let leaf: Uint8Array;
  try {
    leaf = leafHash(new TextEncoder().encode(canonicalJson(record)));
  } catch (error) {
    return `the record cannot be canonicalized: ${error instanceof Error ? error.message : String(error)}`;
  }
  const problem = checkInclusion(leaf, leafIndex, head.treeSize, path, head.rootHash);
  if (problem === undefined) return undefined;
  return problem.startsWith('the record is not the leaf')
    ? `leaf ${leafIndex}: the record differs from the one sealed there (altered, or another record), or the proof was altered`
    : `leaf ${leafIndex}: ${problem}`;
}

/** A proof's hashes, or undefined unless it is a list of at most 64 base64 SHA-256 hashes. */
export function proofHashes(proof: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(proof) || proof.length > 64) return undefined;
  const out = proof.map(decodeHash);
  return out.every((h): h is Uint8Array => h !== undefined) ? out : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
