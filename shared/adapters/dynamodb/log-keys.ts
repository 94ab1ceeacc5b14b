/**
 * Key layout of the transparency log, in the audit table beside the records it covers. Every
 * key starts with `LOG#`, so the sealer may be allowed to write those and nothing else.
 *
 * | item                        | pk                           | sk                          |
 * |-----------------------------|------------------------------|-----------------------------|
 * | pending marker (per write)  | LOG#PENDING#<shard>          | <stamp>#<first record key>  |
 *   (lists each record's key and leaf hash)
 * | fence of a shard            | LOG#FENCE#<shard>            | FENCE                       |
 * | state                       | LOG#STATE                    | STATE                       |
 * | sealer's lease              | LOG#LEASE                    | LEASE                       |
 * | signed tree head            | LOG#HEAD                     | <tree size, 16 digits>      |
 *   (and the markers it sealed: leaf → record is read from them)
 * | tile (hashes)               | LOG#TILE#<level>#<index>     | <width, 3 digits>           |
 * | record → leaf (a partition) | LOG#PART#<record pk>         | <closed through>#<1st leaf> |
 *
 * Markers and fences are spread over shards like the due queue, so that busy writers do
 * not all hit one partition. Tests that share a table give each world a namespace, which
 * follows the kind (`LOG#PENDING#<namespace>#<shard>`).
 */
export const LOG_SHARDS = 8;
/** The audit table's index of audit records by `recordId` (keys only), to prove a fact by its id. */
export const RECORD_ID_INDEX = 'byRecordId';

/** `LOG#<kind>#`, then the namespace if any: the kind leads, so IAM can tell markers and fences from the sealer's items. */
const kind = (name: string, namespace: string | undefined) => `LOG#${name}#${namespace ? `${encodeURIComponent(namespace)}#` : ''}`;
const pad = (n: number, digits: number) => String(n).padStart(digits, '0');

export const logKeys = {
  prefix: 'LOG#',
  pendingShard: (shard: number, ns?: string) => `${kind('PENDING', ns)}${shard}`,
  pending: (stamp: string, first: { pk: string; sk: string }, ns?: string) => {
    const sk = `${stamp}#${first.pk}#${first.sk}`;
    return { pk: logKeys.pendingShard(shardOf(`${first.pk}#${first.sk}`), ns), sk };
  },
  fence: (shard: number, ns?: string) => ({ pk: `${kind('FENCE', ns)}${shard}`, sk: 'FENCE' }),
  state: (ns?: string) => ({ pk: kind('STATE', ns).slice(0, -1), sk: 'STATE' }),
  lease: (ns?: string) => ({ pk: kind('LEASE', ns).slice(0, -1), sk: 'LEASE' }),
  heads: (ns?: string) => kind('HEAD', ns).slice(0, -1),
  head: (treeSize: number, ns?: string) => ({ pk: logKeys.heads(ns), sk: pad(treeSize, 16) }),
  tile: (level: number, index: number, width: number, ns?: string) => ({ pk: `${kind('TILE', ns)}${level}#${index}`, sk: pad(width, 3) }),
  /** The first head of a tree larger than `leaf` leaves sorts at or after this. */
  headAfter: (leaf: number) => pad(leaf + 1, 16),
  partition: (recordPk: string, ns?: string) => `${kind('PART', ns)}${recordPk}`,
  partitionSort: (closedThrough: string, firstLeaf: number) => `${closedThrough}#${pad(firstLeaf, 16)}`,
  /** Sorts after every marker stamped at `stamp` and before any stamped later (ISO-8601 times of one length). */
  afterStamp: (stamp: string) => `${stamp}~`,
};

/** The marker shard of a record key (FNV-1a): fixed, so a marker's shard never depends on when it was written. */
export function shardOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash % LOG_SHARDS;
}
