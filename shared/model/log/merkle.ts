import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: SHA-256, a leaf
 * hashed as SHA-256(0x00 || leaf), an interior node as SHA-256(0x01 || left || right), and a
 * tree of n leaves split at the largest power of two smaller than n, so that any size, not
 * only powers of two, has one root (MTH) and proofs of logarithmic length.
 *
 * Proofs are produced here as lists of leaf ranges whose MTH the proof carries, in the
 * order of the RFC's PATH and SUBPROOF; the hashes come from stored nodes (`NodeRef`), so a
 * proof reads O(log n) stored hashes, never the leaves.
 */

export type Hash = Uint8Array;
export const HASH_BYTES = 32;

/** MTH({}): the hash of the empty string. */
export const EMPTY_ROOT: Hash = sha256([]);

export function leafHash(leaf: Uint8Array): Hash {
  return sha256([LEAF_PREFIX, leaf]);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256([NODE_PREFIX, left, right]);
}

/** The RFC's k for a tree of n > 1 leaves: the largest power of two smaller than n. */
export function splitPoint(n: number): number {
  if (!(Number.isSafeInteger(n) && n > 1)) throw new RangeError(`a tree of ${n} leaves has no split point`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A perfect subtree: the 2^level leaves from index * 2^level on. Its hash never changes once it is complete. */
export interface NodeRef {
  level: number;
  index: number;
}

/** The leaves [start, end): a subtree of the RFC's recursion, whose MTH a proof carries. */
export interface LeafRange {
  start: number;
  end: number;
}

/**
 * The audit path of leaf `m` in the tree of the first `n` leaves, RFC 9162 section 2.1.3.1
 * (PATH(m, D[n])): the sibling subtrees from the leaf up to the root.
 */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m < n)) {
    throw new RangeError(`leaf ${m} is not in a tree of ${n} leaves`);
  }
  const out: LeafRange[] = [];
  const path = (start: number, end: number) => {
    if (end - start <= 1) return;
    const k = splitPoint(end - start);
    if (m - start < k) {
      path(start, start + k);
      out.push({ start: start + k, end });
    } else {
      path(start + k, end);
      out.push({ start, end: start + k });
    }
  };
  path(0, n);
  return out;
}

/**
 * The consistency proof from the tree of the first `m` leaves to that of the first `n`,
 * RFC 9162 section 2.1.4.1 (PROOF(m, D[n]) = SUBPROOF(m, D[n], true)); empty when m is 0 or n.
 */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m <= n)) {
    throw new RangeError(`no consistency proof from ${m} to ${n} leaves`);
  }
  const out: LeafRange[] = [];
  if (m === 0 || m === n) return out;
  const subproof = (size: number, start: number, end: number, complete: boolean) => {
    if (size === end - start) {
      if (!complete) out.push({ start, end });
      return;
    }
    const k = splitPoint(end - start);
    if (size <= k) {
      subproof(size, start, start + k, complete);
      out.push({ start: start + k, end });
    } else {
      subproof(size - k, start + k, end, false);
      out.push({ start, end: start + k });
    }
  };
  subproof(m, 0, n, true);
  return out;
}

/** The stored nodes whose hashes make up MTH of `range`: its perfect subtrees, left to right. */
export function nodesOfRange(range: LeafRange): NodeRef[] {
  const out: NodeRef[] = [];
  walk(range.start, range.end, (ref) => {
    out.push(ref);
    return EMPTY_ROOT;
  });
  return out;
}

/** MTH of `range`, from the hashes of its perfect subtrees. */
export function rangeHash(range: LeafRange, nodeAt: (ref: NodeRef) => Hash): Hash {
  if (range.end <= range.start) throw new RangeError(`empty range [${range.start}, ${range.end})`);
  return walk(range.start, range.end, nodeAt);
}

/** MTH over leaf hashes held in memory: the definition itself, for small trees and for checking the stored tree. */
export function rootOfLeafHashes(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  return walk(0, hashes.length, (ref) => perfectRoot(hashes.slice(ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level)));
}

/** The root of a perfect subtree from its 2^k bottom hashes (leaf hashes, or the nodes of a lower level). */
export function perfectRoot(hashes: readonly Hash[]): Hash {
  let row = [...hashes];
  if (row.length === 0 || (row.length & (row.length - 1)) !== 0) throw new RangeError(`${row.length} hashes are not a perfect subtree`);
  while (row.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i]!, row[i + 1]!));
    row = next;
  }
  return row[0]!;
}

/** The RFC's recursion over [start, end); a perfect subtree aligned on its size is one stored node. */
function walk(start: number, end: number, nodeAt: (ref: NodeRef) => Hash): Hash {
  const size = end - start;
  if (isPowerOfTwo(size) && start % size === 0) return nodeAt({ level: Math.log2(size), index: start / size });
  const k = splitPoint(size);
  return nodeHash(walk(start, start + k, nodeAt), walk(start + k, end, nodeAt));
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

function sha256(parts: readonly Uint8Array[]): Hash {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}
