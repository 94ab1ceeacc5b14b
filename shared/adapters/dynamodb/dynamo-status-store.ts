import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BATCH_GET_LIMIT, batchGetAll, placementRefsPage, realSleep } from './batch-reads.ts';
import { keys } from './keys.ts';
import type { TableNames } from './table-names.ts';
import type { PlacementRef, PlacementStatus } from '../../model/records.ts';
import type { PlacementOwner, PlacementState, StatusStore } from '../../ports/status-store.ts';

/**
 * Placement status over the consent table: the index items under `TWIN#<twinId>` or
 * `GRANT#<grantId>` (sort key `PLACEMENT#…`, holding `channel` and `placementId`), then the
 * placement records themselves, projected to the two fields status needs.
 */
export class DynamoStatusStore implements StatusStore {
  private readonly table: string;

  /** Reads the consent table only, so a read-only tool needs no audit table name. */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    tables: Pick<TableNames, 'consent'>,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {
    this.table = tables.consent;
  }

  async placementPage(
    owner: PlacementOwner,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ refs: PlacementRef[]; cursor?: string }> {
    const pk = 'twinId' in owner ? keys.twin(owner.twinId) : keys.grantPlacements(owner.grantId);
    return placementRefsPage(this.db, this.table, pk, cursor, limit);
  }

  async placementStates(refs: readonly PlacementRef[]): Promise<PlacementState[]> {
    if (refs.length > BATCH_GET_LIMIT) throw new RangeError(`at most ${BATCH_GET_LIMIT} placements per call, got ${refs.length}`);
    const items = await batchGetAll(
      this.db,
      this.table,
      refs.map((r) => keys.placement(r.channel, r.placementId)),
      {
        projection: '#status, takedown.overdue',
        names: { '#status': 'status' },
        sleep: this.sleep,
      },
    );
    return items.map((item) => ({
      status: item.status as PlacementStatus,
      overdue: (item.takedown as { overdue?: boolean } | undefined)?.overdue === true,
    }));
  }
}
