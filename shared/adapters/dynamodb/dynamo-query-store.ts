import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BATCH_GET_LIMIT, batchGetAll, placementRefsPage, realSleep } from './batch-reads.ts';
import { auditKeys, dueKeys, keys } from './keys.ts';
import type { TableNames } from './table-names.ts';
import type { Grant } from '../../model/consent/grant.ts';
import type { PlacementOwner } from '../../ports/query-store.ts';
import type { AuditRecord, GrantState, PlacementRecord, PlacementRef, ReevaluationJob, UsageRecord } from '../../model/records.ts';
import type { Page, QueryStore, TimeWindow, TwinDirectoryEntry } from '../../ports/query-store.ts';

type Item = Record<string, unknown>;

/** A twin holds a handful of grants; more than this many pages of them is not a twin we read whole. */
const MAX_GRANT_PAGES = 10;

/**
 * The query layer's reads over the consent and audit tables (key layout in keys.ts). Reads
 * are strongly consistent where DynamoDB allows it, so a page reflects what was just committed.
 */
export class DynamoQueryStore implements QueryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'consent' | 'audit'>,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {}

  async grantsOfTwin(twinId: string): Promise<Grant[]> {
    const grants: Grant[] = [];
    let start: Item | undefined;
    for (let page = 0; page < MAX_GRANT_PAGES; page++) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tables.consent,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :grant)',
          ExpressionAttributeValues: { ':pk': keys.twin(twinId), ':grant': keys.grantPrefix },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      grants.push(...(out.Items ?? []).map((i) => strip(i) as unknown as Grant));
      start = out.LastEvaluatedKey;
      if (start === undefined) break;
    }
    return grants;
  }

  async grantState(grantId: string): Promise<GrantState | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.consent, Key: keys.grantState(grantId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : (strip(out.Item) as unknown as GrantState);
  }

  async placementPage(owner: PlacementOwner, cursor: string | undefined, limit: number): Promise<Page<PlacementRef>> {
    const pk = 'twinId' in owner ? keys.twin(owner.twinId) : keys.grantPlacements(owner.grantId);
    const { refs, cursor: next } = await placementRefsPage(this.db, this.tables.consent, pk, cursor, limit);
    return { items: refs, ...(next === undefined ? {} : { cursor: next }) };
  }

  async placements(refs: readonly PlacementRef[]): Promise<PlacementRecord[]> {
    if (refs.length > BATCH_GET_LIMIT) throw new RangeError(`at most ${BATCH_GET_LIMIT} placements per call, got ${refs.length}`);
    const items = await batchGetAll(
      this.db,
      this.tables.consent,
      refs.map((r) => keys.placement(r.channel, r.placementId)),
      { sleep: this.sleep },
    );
    return items.map((i) => strip(i) as unknown as PlacementRecord);
  }

  async auditPage(twinId: string, window: TimeWindow, cursor: string | undefined, limit: number): Promise<Page<AuditRecord>> {
    // Sort keys are `AUDIT#<at>#<recordId>`: a window on `at` is a range on the sort key
    // ('~' sorts after every character an ISO instant or an encoded id uses).
    const low = `AUDIT#${window.from ?? ''}`;
    const high = `AUDIT#${window.to ?? '~'}~`;
    return this.page<AuditRecord>(
      {
        TableName: this.tables.audit,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ExpressionAttributeValues: { ':pk': keys.twin(twinId), ':low': low, ':high': high },
      },
      cursor,
      limit,
    );
  }

  async usagePage(talentId: string, month: string, cursor: string | undefined, limit: number): Promise<Page<UsageRecord>> {
    return this.page<UsageRecord>(
      {
        TableName: this.tables.audit,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': auditKeys.talent(talentId), ':prefix': auditKeys.usagePrefix(month) },
      },
      cursor,
      limit,
    );
  }

  async twinDirectoryPage(prefix: string, cursor: string | undefined, limit: number): Promise<Page<TwinDirectoryEntry>> {
    const page = await this.page<TwinDirectoryEntry & Item>(
      {
        TableName: this.tables.consent,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.twinDirectoryPk(), ':prefix': keys.twinDirectoryPrefix(prefix) },
      },
      cursor,
      limit,
    );
    const items = page.items.map(({ twinId, grantId, talentId, licensee }) => ({ twinId, grantId, talentId, licensee }));
    return { items, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
  }

  async job(jobId: string): Promise<ReevaluationJob | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.consent, Key: dueKeys.job(jobId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : (strip(out.Item) as unknown as ReevaluationJob);
  }

  private async page<T>(
    query: { TableName: string; KeyConditionExpression: string; ExpressionAttributeValues: Item },
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<T>> {
    const out = await this.db.send(
      new QueryCommand({
        ...query,
        ExclusiveStartKey: cursor === undefined ? undefined : (JSON.parse(cursor) as Item),
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const items = (out.Items ?? []).map((i) => strip(i) as unknown as T);
    return { items, ...(out.LastEvaluatedKey ? { cursor: JSON.stringify(out.LastEvaluatedKey) } : {}) };
  }
}

function strip(item: Item): Item {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
}
