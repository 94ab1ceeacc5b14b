import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import type { PlacementRef } from '../../model/records.ts';

type Item = Record<string, unknown>;

/**
 * Every item a Query answers, page after page (from `input.ExclusiveStartKey`, when given): for
 * partitions known to be small (a twin's grants, a seal's leaves).
 */
export async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined = input.ExclusiveStartKey;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** BatchGetItem reads at most 100 keys per call. */
export const BATCH_GET_LIMIT = 100;

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Reads many items, strongly consistently, 100 keys per BatchGetItem. Under load a batch
 * may come back with keys unprocessed: those are asked for again, with backoff, until none
 * is left. Items come back in no particular order; missing ones are simply absent.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  itemKeys: readonly Item[],
  options: { projection?: string; names?: Record<string, string>; sleep?: (ms: number) => Promise<void> } = {},
): Promise<Item[]> {
  const sleep = options.sleep ?? realSleep;
  const found: Item[] = [];
  for (let i = 0; i < itemKeys.length; i += BATCH_GET_LIMIT) {
    let pending = itemKeys.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      const out = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: [...pending],
              ConsistentRead: true,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
              ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
            },
          },
        }),
      );
      found.push(...(out.Responses?.[table] ?? []));
      pending = (out.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return found;
}

/** One page of the placement index items under `pk` (a twin or a grant); the cursor is opaque JSON. */
export async function placementRefsPage(
  db: DynamoDBDocumentClient,
  table: string,
  pk: string,
  cursor: string | undefined,
  limit: number,
): Promise<{ refs: PlacementRef[]; cursor?: string }> {
  const out = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.placementPrefix },
      ProjectionExpression: 'channel, placementId',
      ExclusiveStartKey: cursor === undefined ? undefined : JSON.parse(cursor),
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  const refs = (out.Items ?? []).map((i) => ({ channel: i.channel as string, placementId: i.placementId as string }));
  return { refs, ...(out.LastEvaluatedKey ? { cursor: JSON.stringify(out.LastEvaluatedKey) } : {}) };
}
