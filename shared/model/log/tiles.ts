import { type Hash, type NodeRef, perfectRoot } from './merkle.ts';

/**
 * How the tree is stored: in tiles, as in C2SP tlog-tiles (the layout of Go's checksum
 * database and of Sigstore's Rekor v2). A tile of level L holds up to 256 consecutive
 * hashes of tree level 8L: level-0 tiles hold leaf hashes, a level-1 tile the roots of
 * 256-leaf subtrees, and so on. Any perfect subtree is one tile's hashes folded up at most 7
 * levels, so a proof in a tree of 2^24 leaves reads at most a handful of tiles.
 *
 * A tile is full at 256 hashes and never changes again; the right edge of the tree ends in a
 * partial tile of each level, stored under its width, so every stored tile is immutable and
 * the tiles of a tree size say exactly which (level, index, width) to read.
 */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TileRef {
  /** Tile level L: its hashes are nodes of tree level 8L. */
  level: number;
  index: number;
  /** Hashes it holds, 1..256. */
  width: number;
}

export interface Tile extends TileRef {
  hashes: Hash[];
}

/** Complete nodes of tree level 8L in a tree of `size` leaves. */
export function nodesAtTileLevel(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** The partial tile of each level at the right edge of a tree of `size` leaves (levels whose nodes fill whole tiles have none). */
export function edgeTiles(size: number): TileRef[] {
  const refs: TileRef[] = [];
  for (let level = 0; nodesAtTileLevel(size, level) > 0; level++) {
    const nodes = nodesAtTileLevel(size, level);
    const width = nodes % TILE_WIDTH;
    if (width > 0) refs.push({ level, index: Math.floor(nodes / TILE_WIDTH), width });
  }
  return refs;
}

/** The tile of a tree of `size` leaves holding node `ref`, and where in it: `count` hashes from `offset`. */
export function tileOf(ref: NodeRef, size: number): { tile: TileRef; offset: number; count: number } {
  const level = Math.floor(ref.level / TILE_HEIGHT);
  const count = 2 ** (ref.level - level * TILE_HEIGHT);
  const first = ref.index * count;
  if ((ref.index + 1) * 2 ** ref.level > size) throw new RangeError(`node ${ref.level}/${ref.index} is not complete in a tree of ${size}`);
  const index = Math.floor(first / TILE_WIDTH);
  const width = Math.min(TILE_WIDTH, nodesAtTileLevel(size, level) - index * TILE_WIDTH);
  return { tile: { level, index, width }, offset: first - index * TILE_WIDTH, count };
}

export function tileKey(ref: Pick<TileRef, 'level' | 'index'>): string {
  return `${ref.level}/${ref.index}`;
}

/**
 * The hash of a complete node read from tiles of a tree of `size` leaves; `tiles` maps
 * `tileKey` to a tile at least as wide as that size needs (a wider one holds the same hashes).
 */
export function nodeFromTiles(ref: NodeRef, size: number, tiles: ReadonlyMap<string, Tile>): Hash {
  const { tile, offset, count } = tileOf(ref, size);
  const found = tiles.get(tileKey(tile));
  if (found === undefined || found.hashes.length < offset + count) {
    throw new RangeError(`tile ${tileKey(tile)} of width ${tile.width} is needed for node ${ref.level}/${ref.index}`);
  }
  return count === 1 ? found.hashes[offset]! : perfectRoot(found.hashes.slice(offset, offset + count));
}

/**
 * Appends leaf hashes to a tree of `size` leaves whose right-edge tiles are `edge` (as
 * `edgeTiles(size)` names them). Returns every tile that is new or wider: the full tiles
 * completed on the way and the new edge, which is all a seal writes.
 */
export function appendLeaves(size: number, edge: ReadonlyMap<string, Tile>, leaves: readonly Hash[]): { size: number; tiles: Tile[] } {
  const tiles: Tile[] = [];
  const newSize = size + leaves.length;
  let row: Hash[] = [...edgeHashes(size, 0, edge), ...leaves];
  for (let level = 0; row.length > 0; level++) {
    // The row starts at the first hash of the tile holding the old edge of this level.
    const firstTile = Math.floor(nodesAtTileLevel(size, level) / TILE_WIDTH);
    const changed = nodesAtTileLevel(newSize, level) > nodesAtTileLevel(size, level);
    if (!changed) break;
    for (let i = 0; i < row.length; i += TILE_WIDTH) {
      const hashes = row.slice(i, i + TILE_WIDTH);
      tiles.push({ level, index: firstTile + i / TILE_WIDTH, width: hashes.length, hashes });
    }
    const completed: Hash[] = [];
    for (let i = 0; i + TILE_WIDTH <= row.length; i += TILE_WIDTH) completed.push(perfectRoot(row.slice(i, i + TILE_WIDTH)));
    row = completed.length === 0 ? [] : [...edgeHashes(size, level + 1, edge), ...completed];
  }
  return { size: newSize, tiles };
}

/** The hashes of the partial edge tile of `level` of a tree of `size` leaves (none when the level ends on a tile boundary). */
function edgeHashes(size: number, level: number, edge: ReadonlyMap<string, Tile>): Hash[] {
  const nodes = nodesAtTileLevel(size, level);
  const width = nodes % TILE_WIDTH;
  if (width === 0) return [];
  const key = tileKey({ level, index: Math.floor(nodes / TILE_WIDTH) });
  const tile = edge.get(key);
  if (tile === undefined || tile.hashes.length < width) throw new RangeError(`edge tile ${key} of width ${width} is missing`);
  return tile.hashes.slice(0, width);
}
