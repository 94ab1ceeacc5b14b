import { createHash } from 'node:crypto';

/**
 * Checking RFC 9162 Merkle proofs (Certificate Transparency 2.0, sections 2.1.3.2 and
 * 2.1.4.2), written from the RFC's steps so that it can be read beside them. SHA-256; a leaf
 * is hashed as SHA-256(0x00 || leaf), a node as SHA-256(0x01 || left || right).
 * Tree sizes may exceed 2^32: the bit steps are done with arithmetic, not 32-bit operators.
 */

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0), leaf);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(1), left, right);
}

/** Why a proof failed; `undefined` when it holds. */
export type ProofFailure = string | undefined;

/**
 * RFC 9162 section 2.1.3.2: does `path` prove that `leaf` (a leaf hash) is leaf `index` of the
 * tree of `size` leaves whose root is `root`?
 */
export function checkInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): ProofFailure {
  if (!isSize(index) || !isSize(size)) return 'the leaf index and tree size must be whole numbers';
  if (index >= size) return `leaf ${index} cannot be in a tree of ${size} leaves`;
  if (![leaf, root, ...path].every(isHash)) return 'every hash must be 32 bytes';
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return 'the proof is longer than the tree is deep';
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return 'the proof is shorter than the tree is deep';
  if (!equal(r, root)) return 'the record is not the leaf the signed root commits to at this index';
  return undefined;
}

/**
 * RFC 9162 section 2.1.4.2: does `path` prove that the tree of `second` leaves with root
 * `secondRoot` extends the tree of `first` leaves with root `firstRoot`, changing none of them?
 */
export function checkConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  path: readonly Uint8Array[],
): ProofFailure {
  if (!isSize(first) || !isSize(second)) return 'tree sizes must be whole numbers';
  if (first > second) return `a tree of ${second} leaves cannot extend one of ${first}`;
  if (![firstRoot, secondRoot, ...path].every(isHash)) return 'every hash must be 32 bytes';
  if (first === second) {
    if (path.length !== 0) return 'two heads of the same size need an empty proof';
    return equal(firstRoot, secondRoot) ? undefined : 'two heads of the same size have different roots: the log forked';
  }
  if (first === 0) {
    if (path.length !== 0) return 'a proof from the empty tree must be empty';
    return equal(firstRoot, sha256()) ? undefined : 'the empty tree has the wrong root';
  }
  // Step 1.
  if (path.length === 0) return 'the proof is empty';
  // Step 2.
  const proof = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  // Steps 3 and 4.
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = proof[0]!;
  let sr = proof[0]!;
  // Step 6.
  for (const c of proof.slice(1)) {
    if (sn === 0) return 'the proof is longer than the tree is deep';
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) return 'the proof is shorter than the tree is deep';
  if (!equal(fr, firstRoot)) return 'the proof does not lead to the earlier root: the earlier tree was changed';
  if (!equal(sr, secondRoot)) return 'the proof does not lead to the later root: the later tree does not extend the earlier one';
  return undefined;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === 32;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function odd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
