import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { realSleep } from './batch-reads.ts';

type Item = Record<string, unknown>;

/** BatchWriteItem writes at most 25 items per call. */
export const BATCH_WRITE_LIMIT = 25;

/**
 * Puts many items, 25 per BatchWriteItem, unconditionally: only for items whose every write
 * is the same (idempotent), since a batch has no conditions and no order. Items DynamoDB
 * leaves unprocessed under load are sent again, with backoff, until none is left.
 */
export async function batchPutAll(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Item[],
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
    let pending = items.slice(i, i + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] as typeof pending | undefined) ?? [];
    }
  }
}
