/**
 * The floor of a fan-out (issue 12): what any revocation of N placements must do, with raw SDK
 * calls and no guarantees beyond them. Per page of 100: the same Query of the grant's placement
 * index and BatchGetItem of the placements as TwinGuard, then the placements' new state with
 * BatchWriteItem (25 a call) and one `Takedown Requested` each with PutEvents (10 a call), the
 * writes of a page side by side, as TwinGuard's chunks are.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, placementRefsPage } from '../shared/adapters/dynamodb/batch-reads.ts';
import { keys } from '../shared/adapters/dynamodb/keys.ts';
import { TWINGUARD_SOURCE } from '../shared/model/events/envelope.ts';

const PAGE = 100;

export async function floorFanout(
  db: DynamoDBDocumentClient,
  table: string,
  bus: { client: EventBridgeClient; name: string },
  grantId: string,
): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  const requestedAt = new Date().toISOString();
  do {
    const page = await placementRefsPage(db, table, keys.grantPlacements(grantId), cursor, PAGE);
    const items = await batchGetAll(
      db,
      table,
      page.refs.map((r) => keys.placement(r.channel, r.placementId)),
    );
    const taken = items.map((item) => ({
      ...(item as { channel: string; placementId: string; assetId: string; publicationId?: string; twinIds: string[]; revision: number }),
      ...item,
      status: 'takedown-requested',
      revision: (item.revision as number) + 1,
      takedown: { takedownId: `floor-${item.placementId}`, reason: 'CONSENT_REVOKED', grantIds: [grantId], requestedAt },
    }));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < taken.length; i += 25) writes.push(batchWrite(db, table, taken.slice(i, i + 25)));
    for (let i = 0; i < taken.length; i += 10) {
      const entries = taken.slice(i, i + 10).map((p) => ({
        EventBusName: bus.name,
        Source: TWINGUARD_SOURCE,
        DetailType: 'Takedown Requested',
        Detail: JSON.stringify({
          takedownId: p.takedown.takedownId,
          assetId: p.assetId,
          channel: p.channel,
          placementId: p.placementId,
          publicationId: p.publicationId,
          twinIds: p.twinIds,
          grantIds: [grantId],
          reason: 'CONSENT_REVOKED',
          requestedAt,
        }),
      }));
      writes.push(bus.client.send(new PutEventsCommand({ Entries: entries })).then(() => {}));
    }
    await Promise.all(writes);
    count += taken.length;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return count;
}

async function batchWrite(db: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]): Promise<void> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  while (pending.length > 0) {
    const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (out.UnprocessedItems?.[table] as typeof pending | undefined) ?? [];
  }
}
