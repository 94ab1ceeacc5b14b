import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyRanges,
  EMPTY_ROOT,
  type Hash,
  inclusionRanges,
  leafHash,
  nodeHash,
  rangeHash,
  rootOfLeafHashes,
  splitPoint,
} from '../../shared/model/log/merkle.ts';
import { appendLeaves, edgeTiles, nodeFromTiles, type Tile, tileKey } from '../../shared/model/log/tiles.ts';
import { checkConsistency, checkInclusion } from '../../verifier/merkle.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// The RFC 6962 reference leaves and roots (as published with Certificate Transparency's
// reference implementation and transparency-dev/merkle), used as data.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION = [
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CONSISTENCY = [
  {
    first: 2,
    second: 8,
    path: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const hashes = LEAVES.map(leafHash);
/** Proof hashes straight from the leaf hashes in memory: each range's MTH by the definition. */
const proofOf = (ranges: { start: number; end: number }[], leaves: Hash[]) =>
  ranges.map((r) => rootOfLeafHashes(leaves.slice(r.start, r.end)));

describe('the Merkle tree of RFC 9162', () => {
  it('gives the reference roots for every size 0..8, split at the largest power of two (not the midpoint)', () => {
    for (let n = 0; n <= 8; n++) expect(hex(rootOfLeafHashes(hashes.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
    expect([2, 3, 5, 8, 9, 1000].map(splitPoint)).toEqual([1, 2, 4, 4, 8, 512]);
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    expect(hex(nodeHash(hashes[0]!, hashes[1]!))).toBe(ROOTS[2]);
  });

  it('gives the reference inclusion and consistency proofs, which the verifier accepts', () => {
    for (const v of INCLUSION) {
      expect(proofOf(inclusionRanges(v.index, v.size), hashes).map(hex)).toEqual(v.path);
      expect(checkInclusion(hashes[v.index]!, v.index, v.size, v.path.map(unhex), unhex(ROOTS[v.size]!))).toBeUndefined();
    }
    for (const v of CONSISTENCY) {
      expect(proofOf(consistencyRanges(v.first, v.second), hashes).map(hex)).toEqual(v.path);
      const [a, b] = [unhex(ROOTS[v.first]!), unhex(ROOTS[v.second]!)];
      expect(checkConsistency(v.first, v.second, a, b, v.path.map(unhex))).toBeUndefined();
    }
  });

  const many = Array.from({ length: 40 }, (_, i) => leafHash(Uint8Array.of(i, i * 7)));
  const roots = Array.from({ length: many.length + 1 }, (_, n) => rootOfLeafHashes(many.slice(0, n)));

  it('proves every leaf of every tree up to 40, and refuses a wrong leaf, index, size or tampered path', () => {
    for (let n = 1; n <= many.length; n++) {
      for (let i = 0; i < n; i++) {
        const path = proofOf(inclusionRanges(i, n), many);
        expect(checkInclusion(many[i]!, i, n, path, roots[n]!)).toBeUndefined();
        if (n === 1) continue;
        const other = (i + 1) % n;
        expect(checkInclusion(many[other]!, i, n, path, roots[n]!)).toBeDefined();
        expect(checkInclusion(many[i]!, other, n, path, roots[n]!)).toBeDefined();
        if (n < many.length) expect(checkInclusion(many[i]!, i, n + 1, path, roots[n + 1]!)).toBeDefined();
        const flipped = path.map((h) => h.slice());
        flipped[0]![0]! ^= 1;
        expect(checkInclusion(many[i]!, i, n, flipped, roots[n]!)).toBeDefined();
        expect(checkInclusion(many[i]!, i, n, path.slice(1), roots[n]!)).toBeDefined();
        expect(checkInclusion(many[i]!, i, n, [...path, many[0]!], roots[n]!)).toBeDefined();
      }
    }
  });

  it('proves every pair of tree sizes up to 40 consistent, and refuses a changed earlier tree', () => {
    for (let n = 0; n <= many.length; n++) {
      for (let m = 0; m <= n; m++) {
        const path = proofOf(consistencyRanges(m, n), many);
        expect(checkConsistency(m, n, roots[m]!, roots[n]!, path), `${m} -> ${n}`).toBeUndefined();
        if (m === 0 || m === n) continue;
        // A log that rewrote leaf 0 after the first head was signed cannot prove it extends it.
        const rewritten = [leafHash(Uint8Array.of(255)), ...many.slice(1)];
        const forked = proofOf(consistencyRanges(m, n), rewritten);
        expect(checkConsistency(m, n, roots[m]!, rootOfLeafHashes(rewritten.slice(0, n)), forked)).toBeDefined();
        expect(checkConsistency(m, n, roots[m]!, roots[n]!, path.slice(0, -1))).toBeDefined();
      }
    }
  });

  it('computes the same root and proofs from stored tiles as from the leaves, whatever the seal sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 6 }), (batches) => {
        const all: Hash[] = [];
        const stored = new Map<string, Tile>();
        let size = 0;
        for (const count of batches) {
          const leaves = Array.from({ length: count }, (_, i) => leafHash(Uint8Array.of(all.length + i, (all.length + i) >> 8)));
          const edge = new Map(edgeTiles(size).map((ref) => [tileKey(ref), stored.get(tileKey(ref))!]));
          const appended = appendLeaves(size, edge, leaves);
          for (const tile of appended.tiles) {
            const prior = stored.get(tileKey(tile));
            // A tile only ever grows, keeping what it had.
            if (prior) expect(tile.hashes.slice(0, prior.width).map(hex)).toEqual(prior.hashes.map(hex));
            stored.set(tileKey(tile), tile);
          }
          all.push(...leaves);
          size = appended.size;
          const nodeAt = (ref: { level: number; index: number }) => nodeFromTiles(ref, size, stored);
          expect(hex(size === 0 ? EMPTY_ROOT : rangeHash({ start: 0, end: size }, nodeAt))).toBe(hex(rootOfLeafHashes(all)));
          for (const i of [0, Math.floor(size / 3), size - 1].filter((x) => x >= 0 && x < size)) {
            const path = inclusionRanges(i, size).map((r) => rangeHash(r, nodeAt));
            expect(path.map(hex)).toEqual(proofOf(inclusionRanges(i, size), all).map(hex));
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
