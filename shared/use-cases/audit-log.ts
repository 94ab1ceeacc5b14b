import { EMPTY_ROOT, type Hash, nodeHash } from '../model/log/merkle.ts';
import { type RecordKey, recordLeafHash } from '../model/log/records.ts';
import { TILE_WIDTH } from '../model/log/tiles.ts';
import { type SignedTreeHead, toBase64 } from '../model/log/tree-head.ts';
import type { LogStore } from '../ports/log-store.ts';

/** A leaf whose record no longer matches what was sealed. */
export interface LogFinding {
  leafIndex: number;
  key: RecordKey;
  problem: 'deleted' | 'altered';
  /** For a person: which record, and what is wrong with it. */
  detail: string;
}

export interface LogAudit {
  head: SignedTreeHead | undefined;
  leavesChecked: number;
  findings: LogFinding[];
  /** The root recomputed from the records as they are now stored. */
  recomputedRoot: string;
  /** It equals the signed head's root: every sealed record is as it was sealed. */
  intact: boolean;
}

const CHUNK = 1024;

/**
 * Checks the stored log against the records it covers, as an auditor with read access would:
 * every leaf's record is read as it is stored now and hashed again; a record deleted or
 * changed after it was sealed is reported with its leaf index and key (twin or talent, time,
 * record id), and the root recomputed from the records must equal the signed head's root.
 * The signature of the head is checked by verifier/, with the public key alone.
 */
export async function auditLog(
  deps: { log: LogStore },
  options: { onProgress?: (checked: number, of: number) => void } = {},
): Promise<LogAudit> {
  const { log } = deps;
  const head = await log.latestHead();
  const size = head?.treeSize ?? 0;
  const root = new RootBuilder();
  const findings: LogFinding[] = [];
  for (let from = 0; from < size; from += CHUNK) {
    const to = Math.min(size, from + CHUNK);
    const leaves = await log.leaves(from, to);
    const tiles = await log.tiles(
      Array.from({ length: Math.ceil(to / TILE_WIDTH) - Math.floor(from / TILE_WIDTH) }, (_, i) => {
        const index = Math.floor(from / TILE_WIDTH) + i;
        return { level: 0, index, width: Math.min(TILE_WIDTH, size - index * TILE_WIDTH) };
      }),
    );
    const records = await log.records(leaves.map((l) => l.key));
    leaves.forEach((leaf, i) => {
      const record = records[i];
      const sealed = tiles.get(`0/${Math.floor(leaf.index / TILE_WIDTH)}`)?.hashes[leaf.index % TILE_WIDTH];
      const where = `leaf ${leaf.index}: ${leaf.key.pk} ${leaf.key.sk}`;
      if (record === undefined) {
        findings.push({ leafIndex: leaf.index, key: leaf.key, problem: 'deleted', detail: `${where} was sealed, and is no longer stored` });
        root.push(sealed ?? EMPTY_ROOT);
        return;
      }
      const now = recordLeafHash(record);
      if (sealed !== undefined && !equal(now, sealed)) {
        findings.push({ leafIndex: leaf.index, key: leaf.key, problem: 'altered', detail: `${where} was changed after it was sealed` });
      }
      root.push(now);
    });
    options.onProgress?.(to, size);
  }
  const recomputed = toBase64(root.root());
  return {
    head,
    leavesChecked: size,
    findings,
    recomputedRoot: recomputed,
    intact: head === undefined ? true : recomputed === head.rootHash && findings.length === 0,
  };
}

/** MTH of leaves pushed one by one, in O(log n) memory: the perfect subtrees of the left edge, merged as they fill. */
class RootBuilder {
  private readonly stack: { size: number; hash: Hash }[] = [];

  push(leaf: Hash): void {
    let node = { size: 1, hash: leaf };
    while (this.stack.length > 0 && this.stack.at(-1)!.size === node.size) {
      const left = this.stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
  }

  root(): Hash {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let hash = this.stack.at(-1)!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i]!.hash, hash);
    return hash;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
