import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import type { PlacementRef, PlacementStatus } from './records.ts';
import type { PlacementOwner, PlacementState, StatusStore } from './status-store.ts';

/** BatchGetItem reads at most 100 keys per call. */
export const BATCH_GET_LIMIT = 100;

/**
 * Placement status over the consent table: the index items under `TWIN#<twinId>` or
 * `GRANT#<grantId>` (sort key `PLACEMENT#…`, holding `channel` and `placementId`), then the
 * placement records themselves, projected to the two fields status needs.
 */
export class DynamoStatusStore implements StatusStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async placementPage(owner: PlacementOwner, cursor: string | undefined, limit: number): Promise<{ refs: PlacementRef[]; cursor?: string }> {
    const pk = 'twinId' in owner ? keys.twin(owner.twinId) : keys.grantPlacements(owner.grantId);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
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

  async placementStates(refs: readonly PlacementRef[]): Promise<PlacementState[]> {
    if (refs.length > BATCH_GET_LIMIT) throw new RangeError(`at most ${BATCH_GET_LIMIT} placements per call, got ${refs.length}`);
    const states: PlacementState[] = [];
    let pending: Record<string, unknown>[] = refs.map((r) => keys.placement(r.channel, r.placementId));
    // BatchGetItem may leave keys unprocessed under load: ask again for those, backing off.
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await this.sleep(Math.min(1000, 20 * 2 ** attempt));
      const out = await this.db.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: '#status, takedown.overdue',
              ExpressionAttributeNames: { '#status': 'status' },
            },
          },
        }),
      );
      for (const item of out.Responses?.[this.table] ?? []) {
        states.push({ status: item.status as PlacementStatus, overdue: (item.takedown as { overdue?: boolean } | undefined)?.overdue === true });
      }
      pending = (out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return states;
  }
}
