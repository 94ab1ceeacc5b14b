import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, placementRefsPage, realSleep } from './batch-reads.ts';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { transact, type TransactItem } from './transactions.ts';
import type { GrantRef } from '../../model/consent/grant.ts';
import type { DueItem } from '../../model/due-item.ts';
import { duePut } from './due-queue.ts';
import { StaleReadError } from '../../ports/errors.ts';
import type { FanoutStore } from '../../ports/fanout-store.ts';
import { dueKeys, keys } from './keys.ts';
import type { AuditRecord, PlacementRecord, PlacementRef, ReevaluationJob } from '../../model/records.ts';
import { auditPut } from './audit-put.ts';
import { takedownItems } from './placement-items.ts';
import type { TableNames } from './table-names.ts';
import { PendingLogWriter } from './pending-log.ts';

type Item = Record<string, unknown>;

export class DynamoFanoutStore implements FanoutStore {
  private readonly table: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
    /** Adds each transaction's pending-log marker; the wiring passes one on the domain's clock. */
    private readonly pendingLog = new PendingLogWriter(tables),
  ) {
    this.table = tables.consent;
  }

  async getJob(jobId: string): Promise<ReevaluationJob | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: dueKeys.job(jobId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : (strip(out.Item) as unknown as ReevaluationJob);
  }

  async saveJob(job: ReevaluationJob, isNew: boolean): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          // Written whole, without `sentInPage`: a saved page starts the next with an empty list.
          Item: { ...dueKeys.job(job.jobId), type: 'job', ...withoutSent(job), seq: job.seq + 1 },
          ...(isNew
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': job.seq } }),
        }),
      );
      job.seq += 1;
      delete job.sentInPage;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StaleReadError(`job ${job.jobId} was saved by another worker`, { cause: error });
      throw error;
    }
  }

  async placementsOfGrant(grantId: string, cursor: string | undefined, limit: number): Promise<{ refs: PlacementRef[]; cursor?: string }> {
    return placementRefsPage(this.db, this.table, keys.grantPlacements(grantId), cursor, limit);
  }

  async getPlacements(refs: readonly PlacementRef[]): Promise<PlacementRecord[]> {
    const items = await batchGetAll(
      this.db,
      this.table,
      refs.map((r) => keys.placement(r.channel, r.placementId)),
      { sleep: this.sleep },
    );
    return items.map((item) => strip(item) as unknown as PlacementRecord);
  }

  async commitTakedowns(placements: readonly PlacementRecord[], due: readonly DueItem[], audit: readonly AuditRecord[]): Promise<void> {
    if (placements.length === 0) return;
    await this.transact([
      ...placements.map((p) => ({
        Put: {
          TableName: this.table,
          Item: { ...keys.placement(p.channel, p.placementId), ...p, revision: p.revision + 1 },
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeValues: { ':revision': p.revision },
        },
      })),
      ...takedownItems(placements).map((Item) => ({ Put: { TableName: this.table, Item } })),
      ...due.map((d) => duePut(this.table, d, this.tables.dueNamespace)),
      ...this.pendingLog.withMarker(audit.map((r) => auditPut(this.tables.audit, r))),
    ]);
  }

  async commitReliance(placement: PlacementRecord, reliesOn: GrantRef[]): Promise<void> {
    const { channel, placementId } = placement;
    const sk = keys.placementSort(channel, placementId);
    await this.transact([
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.placement(channel, placementId), ...placement, reliesOn, revision: placement.revision + 1 },
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeValues: { ':revision': placement.revision },
        },
      },
      ...reliesOn
        .filter((g) => !placement.reliesOn.some((old) => old.grantId === g.grantId))
        .flatMap((g) => [
          {
            Put: {
              TableName: this.table,
              Item: { pk: keys.grantPlacements(g.grantId), sk, channel, placementId, assetId: placement.assetId },
            },
          },
          {
            ConditionCheck: {
              TableName: this.table,
              Key: keys.grantState(g.grantId),
              ConditionExpression: 'version = :v AND attribute_not_exists(revokedAt)',
              ExpressionAttributeValues: { ':v': g.version },
            },
          },
        ]),
    ]);
  }

  async markSent(jobId: string, takedownIds: readonly string[]): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: dueKeys.job(jobId),
        UpdateExpression: 'SET sentInPage = list_append(if_not_exists(sentInPage, :none), :ids)',
        ExpressionAttributeValues: { ':none': [], ':ids': [...takedownIds] },
      }),
    );
  }

  private async transact(items: TransactItem[]): Promise<void> {
    try {
      await transact(this.db, items);
    } catch (error) {
      if (error instanceof StaleReadError) throw new StaleReadError('placements changed while being re-evaluated', { cause: error });
      throw error;
    }
  }
}

function withoutSent(job: ReevaluationJob): Omit<ReevaluationJob, 'sentInPage'> {
  const { sentInPage: _sent, ...rest } = job;
  return rest;
}

function strip(item: Item): Item {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
}
