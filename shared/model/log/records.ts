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

/**
 * A record as DynamoDB will store it, as the writer holds it: `undefined` members and list
 * items dropped (the document client is set to remove them), everything else as is. Its leaf
 * hash is what the writer puts in the pending marker, so the log commits to the record as
 * written, and a change made to it even before it is sealed is found.
 */
export function storedForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(storedForm);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && typeof v !== 'function')
        .map(([k, v]) => [k, storedForm(v)]),
    );
  }
  return value;
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
