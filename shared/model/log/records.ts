import { canonicalJsonBytes } from './canonical-json.ts';
import { type Hash, leafHash } from './merkle.ts';

/**
 * What the log holds: every item of the audit table that is a record (an audit line or a
 * usage line), exactly as stored, every attribute and its key included. Its leaf is the
 * record's RFC 8785 canonical JSON, so anyone holding the record can recompute the leaf
 * hash, and any change to any attribute, or a record moved to another key, changes it.
 */
export interface RecordKey {
  pk: string;
  sk: string;
}

export type LoggedRecord = RecordKey & Record<string, unknown>;

/** The leaf of a record whose marker was found but whose item was gone when it was sealed (deleted before sealing). */
export function absentRecord(key: RecordKey): LoggedRecord {
  return { pk: key.pk, sk: key.sk, type: 'absent' };
}

export function leafOf(record: LoggedRecord): Uint8Array {
  return canonicalJsonBytes(record);
}

export function recordLeafHash(record: LoggedRecord): Hash {
  return leafHash(leafOf(record));
}

export function keyOf(record: RecordKey): RecordKey {
  return { pk: record.pk, sk: record.sk };
}

/**
 * The order a seal appends what it takes: by the time the record states (`at`), then by
 * key. Fixed, so the same pending records always make the same tree, whichever sealer runs.
 */
export function compareForLog(a: LoggedRecord, b: LoggedRecord): number {
  return compare(String(a['at'] ?? ''), String(b['at'] ?? '')) || compare(a.pk, b.pk) || compare(a.sk, b.sk);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
