import { recordLeafHash, storedForm, type LoggedRecord } from '../../model/log/records.ts';
import type { Clock } from '../../ports/ports.ts';
import { systemClock } from '../system.ts';
import { logKeys } from './log-keys.ts';
import type { TableNames } from './table-names.ts';
import type { TransactItem } from './transactions.ts';

type RecordPut = { Put: { TableName: string; Item: Record<string, unknown> } };

/**
 * The writers' half of the transparency log. A transaction that writes audit or usage
 * records also puts one small marker in the log's pending queue, stamped with the time the
 * transaction is sent and listing each record's key and leaf hash (SHA-256 over its RFC 8785
 * canonical JSON, as stored), and checks its shard's fence: once the
 * sealer has closed that time, the check fails, the transaction is cancelled, and the use
 * case decides again (a `StaleReadError`) with a fresh stamp. So nothing can enter the queue
 * behind the sealer's back, and the sealer never has to delete what it has taken.
 * Two items per transaction, whatever the number of records; no extra round trip, and a
 * hash per record (microseconds). The sealer reads the markers only, never the records.
 */
export class PendingLogWriter {
  constructor(
    private readonly tables: Pick<TableNames, 'audit' | 'logNamespace'>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The record puts, then their marker and the fence check (nothing added when there are no records). */
  withMarker(puts: readonly RecordPut[]): TransactItem[] {
    if (puts.length === 0) return [];
    const keys = puts.map(({ Put: { Item } }) => ({ pk: Item['pk'] as string, sk: Item['sk'] as string }));
    const hashes = puts.map(({ Put: { Item } }) => recordLeafHash(storedForm(Item) as LoggedRecord));
    const stamp = this.clock.now().toISOString();
    const marker = logKeys.pending(stamp, keys[0]!, this.tables.logNamespace);
    const shard = Number(marker.pk.slice(marker.pk.lastIndexOf('#') + 1));
    return [
      ...puts,
      {
        Put: {
          TableName: this.tables.audit,
          Item: { ...marker, type: 'log-pending', records: keys.map((k, i) => [k.pk, k.sk, hashes[i]]) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        ConditionCheck: {
          TableName: this.tables.audit,
          Key: logKeys.fence(shard, this.tables.logNamespace),
          ConditionExpression: 'attribute_not_exists(closedThrough) OR closedThrough < :stamp',
          ExpressionAttributeValues: { ':stamp': stamp },
        },
      },
    ];
  }
}
