import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { realSleep } from './batch-reads.ts';

/** BatchWriteItem takes at most 25 requests per call. */
export const BATCH_WRITE_LIMIT = 25;

/**
 * Puts many items (unconditionally, so only items whose content is fixed by their key),
 * 25 per BatchWriteItem; items left unprocessed under load are sent again with backoff.
 */
export async function putAll(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
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
