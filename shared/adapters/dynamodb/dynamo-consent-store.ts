import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Grant } from '../../model/consent/grant.ts';
import type { ConsentStore } from '../../ports/consent-store.ts';
import { auditKeys, keys } from './keys.ts';
import type { AuditRecord, GrantState, PlacementRecord, PublicationRecord, Receipt, UsageRecord } from '../../model/records.ts';
import { duePut } from './due-queue.ts';
import { receiptPut } from './receipt-put.ts';
import { placementItems, takedownItem } from './placement-items.ts';
import { auditPut } from './audit-put.ts';
import { transactWithReceipt, type TransactItem } from './transactions.ts';
import { PendingLogWriter } from './pending-log.ts';
import type { TableNames } from './table-names.ts';

export type { TableNames };

type Item = Record<string, unknown>;

/** The consent store over DynamoDB: the consent table for state, the audit table append-only. */
export class DynamoConsentStore implements ConsentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    /** Adds each transaction's pending-log marker; the wiring passes one on the domain's clock. */
    private readonly pendingLog = new PendingLogWriter(tables),
  ) {}

  async getReceipt(kind: string, businessId: string): Promise<Receipt | undefined> {
    const item = await this.get(keys.receipt(kind, businessId));
    if (item === undefined) return undefined;
    return { ...(strip(item) as Omit<Receipt, 'outbox'>), outbox: JSON.parse(item.outbox as string) };
  }

  async markPublished(kind: string, businessId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.consent,
        Key: keys.receipt(kind, businessId),
        UpdateExpression: 'SET published = :true',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async grantsOfTwins(twinIds: readonly string[]): Promise<Map<string, Grant[]>> {
    const entries = await Promise.all(
      [...new Set(twinIds)].map(async (twinId) => {
        const items = await this.queryAll({
          TableName: this.tables.consent,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :grant)',
          ExpressionAttributeValues: { ':pk': keys.twin(twinId), ':grant': keys.grantPrefix },
          ConsistentRead: true,
        });
        return [twinId, items.map((i) => strip(i) as unknown as Grant)] as const;
      }),
    );
    return new Map(entries);
  }

  async grantState(grantId: string): Promise<GrantState | undefined> {
    const item = await this.get(keys.grantState(grantId));
    return item === undefined ? undefined : (strip(item) as unknown as GrantState);
  }

  async commitGrant({ grant, previous, receipt, audit, due }: Parameters<ConsentStore['commitGrant']>[0]): Promise<void> {
    await transactWithReceipt(this.db, this.receiptPut(receipt), [
      {
        Put: {
          TableName: this.tables.consent,
          Item: { ...keys.grantState(grant.grantId), grantId: grant.grantId, twinId: grant.twinId, version: grant.version },
          ...unchangedState(previous),
        },
      },
      { Put: { TableName: this.tables.consent, Item: { ...keys.grant(grant.twinId, grant.grantId), type: 'grant', ...grant } } },
      ...this.logged(audit),
      ...due.map((d) => duePut(this.tables.consent, d, this.tables.dueNamespace)),
    ]);
  }

  async commitRevocation(change: Parameters<ConsentStore['commitRevocation']>[0]): Promise<void> {
    const { grantId, twinId, revokedAt, reason, previous, receipt, audit } = change;
    const grantKnown = previous?.version !== undefined && previous.twinId !== undefined;
    await transactWithReceipt(this.db, this.receiptPut(receipt), [
      {
        Put: {
          TableName: this.tables.consent,
          Item: { ...keys.grantState(grantId), ...previous, grantId, twinId: previous?.twinId ?? twinId, revokedAt },
          ...unchangedState(previous),
        },
      },
      ...(grantKnown
        ? [
            {
              Update: {
                TableName: this.tables.consent,
                Key: keys.grant(previous.twinId!, grantId),
                UpdateExpression: reason === undefined ? 'SET revokedAt = :at' : 'SET revokedAt = :at, revocationReason = :reason',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: reason === undefined ? { ':at': revokedAt } : { ':at': revokedAt, ':reason': reason },
              },
            },
          ]
        : []),
      ...this.logged(audit),
    ]);
  }

  async commitDecision({ receipt, audit, usage, publication }: Parameters<ConsentStore['commitDecision']>[0]): Promise<void> {
    const items: TransactItem[] = this.logged(audit, usage);
    if (publication !== undefined) {
      items.push({ Put: { TableName: this.tables.consent, Item: { ...keys.publication(publication.publicationId), ...publication } } });
      if (publication.approved) {
        const sk = keys.assetApprovalSort(publication.channel, publication.publicationId);
        items.push({ Put: { TableName: this.tables.consent, Item: { pk: keys.assetApprovals(publication.assetId), sk, ...publication } } });
      }
    }
    await transactWithReceipt(this.db, this.receiptPut(receipt), items);
  }

  async getPublication(publicationId: string): Promise<PublicationRecord | undefined> {
    const item = await this.get(keys.publication(publicationId));
    return item === undefined ? undefined : (strip(item) as unknown as PublicationRecord);
  }

  async approvedPublications(assetId: string, channel: string): Promise<PublicationRecord[]> {
    const items = await this.queryAll({
      TableName: this.tables.consent,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.assetApprovals(assetId), ':prefix': keys.assetApprovalPrefix(channel) },
      ConsistentRead: true,
    });
    return items.map((i) => strip(i) as unknown as PublicationRecord);
  }

  async getPlacement(channel: string, placementId: string): Promise<PlacementRecord | undefined> {
    const item = await this.get(keys.placement(channel, placementId));
    return item === undefined ? undefined : (strip(item) as unknown as PlacementRecord);
  }

  async commitPlacement({ placement, receipt, audit, usage, due }: Parameters<ConsentStore['commitPlacement']>[0]): Promise<void> {
    const [record, ...index] = placementItems(placement);
    await transactWithReceipt(this.db, this.receiptPut(receipt), [
      { Put: { TableName: this.tables.consent, Item: record!, ConditionExpression: 'attribute_not_exists(pk)' } },
      ...index.map((Item) => ({ Put: { TableName: this.tables.consent, Item } })),
      // The grants must still be as read: a revocation or amendment committed in between
      // cancels this write, and the placement is decided again against the new state.
      ...placement.reliesOn.map((g) => ({
        ConditionCheck: {
          TableName: this.tables.consent,
          Key: keys.grantState(g.grantId),
          ConditionExpression: 'version = :v AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':v': g.version },
        },
      })),
      ...(placement.takedown ? [{ Put: { TableName: this.tables.consent, Item: takedownItem(placement) } }] : []),
      ...this.logged(audit, usage),
      ...due.map((d) => duePut(this.tables.consent, d, this.tables.dueNamespace)),
    ]);
  }

  async commitPlacementUpdate({ placement, receipt, audit }: Parameters<ConsentStore['commitPlacementUpdate']>[0]): Promise<void> {
    const { channel, placementId } = placement;
    await transactWithReceipt(this.db, this.receiptPut(receipt), [
      {
        Put: {
          TableName: this.tables.consent,
          Item: { ...keys.placement(channel, placementId), ...placement, revision: placement.revision + 1 },
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeValues: { ':revision': placement.revision },
        },
      },
      ...this.logged(audit),
    ]);
  }

  async getTakedownRef(takedownId: string): Promise<{ channel: string; placementId: string } | undefined> {
    const item = await this.get(keys.takedown(takedownId));
    return item === undefined ? undefined : { channel: item.channel as string, placementId: item.placementId as string };
  }

  private receiptPut(receipt: Receipt) {
    return receiptPut(this.tables.consent, receipt);
  }

  /** The audit and usage puts of one transaction, with its pending-log marker. */
  private logged(audit: AuditRecord[], usage: UsageRecord[] = []): TransactItem[] {
    return this.pendingLog.withMarker([...this.auditPuts(audit), ...this.usagePuts(usage)]);
  }

  private auditPuts(records: AuditRecord[]) {
    return records.map((r) => auditPut(this.tables.audit, r));
  }

  private usagePuts(records: UsageRecord[]) {
    return records.map((u) => ({
      Put: {
        TableName: this.tables.audit,
        Item: { ...auditKeys.usage(u.talentId, u.at, u.kind, u.refId, u.twinId), type: 'usage', ...u },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.consent, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }
}

/** Optimistic lock on the grant state item: it must be exactly as it was read. */
function unchangedState(previous: GrantState | undefined) {
  if (previous === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  if (previous.version === undefined) {
    return { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(version)' };
  }
  return { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': previous.version } };
}

function strip(item: Item): Item {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
}
