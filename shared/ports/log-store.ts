import type { Hash } from '../model/log/merkle.ts';
import type { LoggedRecord, RecordKey } from '../model/log/records.ts';
import type { Tile, TileRef } from '../model/log/tiles.ts';
import type { SignedTreeHead } from '../model/log/tree-head.ts';

/**
 * Where the log stands. `cursor` and `closedThrough` describe the pending queue: every
 * transaction that writes records also writes a marker stamped with the time it was sent,
 * and checks that the sealer has not closed that time yet.
 */
export interface LogState {
  /** Records in the tree. */
  size: number;
  /** MTH of those records, base64. */
  rootHash: string;
  /** Markers up to this key (in the order `pending` returns them) are in the tree; '' before the first seal. */
  cursor: string;
  /** The time up to which the queue was closed when this state was committed; '' before the first seal. */
  closedThrough: string;
  /**
   * Leaves below this can be found from their record (`leafOf`). The index is written after a
   * head is committed, so it never names a leaf that is not in the tree; a sealer that died
   * in between leaves it behind, and the next one completes it from `leaves`.
   */
  indexedThrough: number;
}

/** Records taken from the pending queue, whole transactions at a time. */
export interface PendingBatch {
  /** The records, in the order of their markers and, within one, as their transaction wrote them. */
  records: PendingRecord[];
  /** The key of the last marker taken: the cursor once they are sealed. */
  cursor: string;
}

/** A record as its writer announced it in the pending queue: its key and its leaf hash. */
export interface PendingRecord {
  key: RecordKey;
  leafHash: Hash;
}

/** Where a record is in the log, and the leaf hash sealed for it. */
export interface Leaf {
  index: number;
  key: RecordKey;
  leafHash: Hash;
}

/**
 * Storage of the transparency log: the pending queue, the tree (tiles), the index from leaf
 * to record and back, and the signed heads. The records themselves stay where the writers
 * put them; the log never changes them.
 */
export interface LogStore {
  /** Takes the sealer's lease unless another holder's has not expired; false when busy. */
  acquireLease(owner: string, now: Date, until: Date): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;

  state(): Promise<LogState>;
  /**
   * From now on refuses every write stamped at or before `through` (the writers' transactions
   * check it), so that everything stamped up to then is in the queue for good. Returns the
   * time actually closed: never earlier than a close made before.
   */
  closeThrough(through: string): Promise<string>;
  /** Whether any marker lies after `cursor` and is stamped at or before `through`. */
  hasPending(cursor: string, through: string): Promise<boolean>;
  /** Markers after `cursor` stamped at or before `through`, in key order, whole, until about `maxRecords` records; none: undefined. */
  pending(cursor: string, through: string, maxRecords: number): Promise<PendingBatch | undefined>;
  /** The stored records, in the order asked; `undefined` where none is stored (for proofs and audits; sealing reads none). */
  records(keys: readonly RecordKey[]): Promise<(LoggedRecord | undefined)[]>;

  /** The tiles asked for, by `tileKey`; a tile not stored is absent. */
  tiles(refs: readonly TileRef[]): Promise<Map<string, Tile>>;
  /** Stores a seal's new and wider tiles, before its head is committed. Idempotent. */
  writeTiles(tiles: readonly Tile[]): Promise<void>;
  /**
   * Commits `next` and its signed head if the state is still `previous`; throws StaleReadError
   * when another sealer got there first. The head remembers which markers it sealed (after
   * `previous.cursor` up to `next.cursor`): they are the record of which record each leaf is.
   */
  commitHead(previous: LogState, next: LogState, head: SignedTreeHead): Promise<void>;
  /** Indexes committed leaves by record (`keys[i]` is leaf `firstLeaf + i`), then notes `state.indexedThrough` as the tree size. */
  indexLeaves(state: LogState, firstLeaf: number, keys: readonly RecordKey[]): Promise<void>;

  latestHead(): Promise<SignedTreeHead | undefined>;
  head(treeSize: number): Promise<SignedTreeHead | undefined>;

  /**
   * The keys of the audit records with this recordId (`<kind>:<business id>`, one per twin),
   * or of the usage record a `usage:…` id names (model/log/usage-record-id.ts), stored or not.
   */
  keysOfRecordId(recordId: string): Promise<RecordKey[]>;
  /** The leaf of a record, if it was sealed; `at` (the time the record states) narrows the search. */
  leafOf(key: RecordKey, at: string | undefined): Promise<number | undefined>;
  /** Every sealed leaf of a record partition (a twin's audit trail, a talent's usage), by sort key. */
  leavesOfPartition(pk: string): Promise<Map<string, number>>;
  /** Which record each leaf of [from, to) is, with the leaf hash its writer announced; `to` at most the latest head's size. */
  leaves(from: number, to: number): Promise<Leaf[]>;

  /** Every audit record of a twin, oldest first. */
  twinRecords(twinId: string): Promise<LoggedRecord[]>;
  /** The usage records of a talent for one twin. */
  usageRecords(talentId: string, twinId: string): Promise<LoggedRecord[]>;
}
