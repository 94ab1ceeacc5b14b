import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditKeyConflictError, ReceiptLeasedError, StaleReadError } from '../../ports/errors.ts';
import type { Grant } from '../../model/consent/grant.ts';
import type { DueItem } from '../../model/due-item.ts';
import type { ConsentStore } from '../../ports/consent-store.ts';
import { auditKeys, keys } from './keys.ts';
import type { AuditRecord, GrantState, PlacementRecord, PublicationRecord, Receipt, UsageRecord } from '../../model/records.ts';
import { duePut } from './due-queue.ts';
import { receiptPut } from './receipt-put.ts';
import { placementItems, takedownItem, takedownRefOf } from './placement-items.ts';
import { parseBatchTakedownId } from '../../model/takedown-batch.ts';
import { auditPut } from './audit-put.ts';
import { fitsOneTransaction, transact, transactWithReceipt, type TransactItem } from './transactions.ts';
import { PendingLogWriter } from './pending-log.ts';
import type { TableNames } from './table-names.ts';
import { queryAll } from './batch-reads.ts';

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
    // The receipt and its PUBLISHED mark share a partition: one consistent Query reads both.
    const items = await queryAll(this.db, {
      TableName: this.tables.consent,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.receipt(kind, businessId).pk },
      ConsistentRead: true,
    });
    const item = items.find((i) => i.sk === keys.receipt(kind, businessId).sk);
    if (item === undefined) return undefined;
    const outbox = JSON.parse(item.outbox as string) as Receipt['outbox'];
    // `published` on the receipt itself: written by versions before the PUBLISHED item.
    const published =
      outbox.length === 0 || item.published === true || items.some((i) => i.sk === keys.receiptPublished(kind, businessId).sk);
    const { published: _legacy, outbox: _outbox, ...rest } = strip(item);
    return { ...(rest as Omit<Receipt, 'outbox' | 'published'>), outbox, published };
  }

  async takeLease(receipt: Receipt, until: string): Promise<void> {
    const { kind, businessId, leaseUntil } = receipt;
    const seen = leaseUntil === undefined ? 'attribute_not_exists(leaseUntil)' : 'leaseUntil = :seen';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.consent,
                Key: keys.receipt(kind, businessId),
                UpdateExpression: 'SET leaseUntil = :until',
                ConditionExpression: `attribute_exists(pk) AND ${seen} AND (attribute_not_exists(published) OR published = :false)`,
                ExpressionAttributeValues: {
                  ':until': until,
                  ':false': false,
                  ...(leaseUntil === undefined ? {} : { ':seen': leaseUntil }),
                },
              },
            },
            {
              ConditionCheck: {
                TableName: this.tables.consent,
                Key: keys.receiptPublished(kind, businessId),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      // A failed condition or a conflict: another run took the lease or published meanwhile.
      if (error instanceof TransactionCanceledException) {
        throw new ReceiptLeasedError(`${kind} ${businessId}: another run took the publishing lease first`, { cause: error });
      }
      throw error;
    }
  }

  async releaseLease({ kind, businessId, leaseUntil }: Receipt): Promise<void> {
    if (leaseUntil === undefined) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.consent,
          Key: keys.receipt(kind, businessId),
          UpdateExpression: 'REMOVE leaseUntil',
          ConditionExpression: 'leaseUntil = :mine',
          ExpressionAttributeValues: { ':mine': leaseUntil },
        }),
      );
    } catch (error) {
      // Taken over since: not ours to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async markPublished(kind: string, businessId: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tables.consent,
        Item: { ...keys.receiptPublished(kind, businessId), type: 'receipt-published' },
      }),
    );
  }

  async grantsOfTwins(twinIds: readonly string[]): Promise<Map<string, Grant[]>> {
    const entries = await Promise.all(
      [...new Set(twinIds)].map(async (twinId) => {
        const items = await queryAll(this.db, {
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
      {
        Put: {
          TableName: this.tables.consent,
          Item: {
            ...keys.twinDirectory(grant.twinId, grant.grantId),
            type: 'twin-directory',
            twinId: grant.twinId,
            grantId: grant.grantId,
            talentId: grant.talentId,
            licensee: grant.licensee,
          },
        },
      },
      ...this.logged(audit),
      ...this.duePuts(due),
    ]);
  }

  async commitRevocation(change: Parameters<ConsentStore['commitRevocation']>[0]): Promise<void> {
    const { grantId, twinId, revokedAt, reason, previous, receipt, audit, due = [] } = change;
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
      ...this.duePuts(due),
    ]);
  }

  async commitDecision({ receipt, audit, usage, publication, due = [] }: Parameters<ConsentStore['commitDecision']>[0]): Promise<void> {
    const items: TransactItem[] = [...this.logged(audit, usage), ...this.duePuts(due)];
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
    const items = await queryAll(this.db, {
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
    const core: TransactItem[] = [
      { Put: { TableName: this.tables.consent, Item: record!, ConditionExpression: 'attribute_not_exists(pk)' } },
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
      ...this.duePuts(due),
    ];
    const indexPuts = index.map((Item) => ({ Put: { TableName: this.tables.consent, Item } }));
    // The log's marker and fence check count against the transaction's limits too.
    const appendOnly = this.logged(audit, usage);
    const receiptPut = this.receiptPut(receipt);
    if (fitsOneTransaction([receiptPut, ...core, ...indexPuts, ...appendOnly])) {
      await transactWithReceipt(this.db, receiptPut, [...core, ...indexPuts, ...appendOnly]);
      return;
    }
    // Too many twins for one transaction (2 + 5 per twin items): written in steps.
    // 1. The index items, first: alone they point at nothing (readers skip a missing
    //    placement), and once the placement exists a revocation always finds it.
    //    Plain PutItems (their content is fixed by their key), as the functions' IAM allows.
    await inBatches(index, (Item) => this.db.send(new PutCommand({ TableName: this.tables.consent, Item })));
    // 2. The placement, its conditions, takedown and receipt, with a note of what is left.
    const pending = { audit, usage };
    await transactWithReceipt(this.db, receiptPut, [
      ...core,
      { Put: { TableName: this.tables.consent, Item: { ...pendingKey(receipt), type: 'pending', writes: JSON.stringify(pending) } } },
    ]);
    // 3. The audit lines and usage, each at most once; a redelivery does this if we crash first.
    await this.applyPending(receipt, pending);
  }

  async completeCommit(kind: string, businessId: string): Promise<void> {
    const item = await this.get(keys.pendingWrites(kind, businessId));
    if (item?.writes === undefined) return;
    await this.applyPending({ kind, businessId }, JSON.parse(item.writes as string) as PendingWrites);
  }

  /**
   * Writes the append-only items a split commit left, then drops the note. They go in chunks,
   * each one transaction with its log marker, so a record is never in the audit table without
   * its marker. The chunks are cut the same way on every run, so a chunk an interrupted run
   * wrote is found whole (its records exist) and skipped, and no record is logged twice.
   */
  private async applyPending(receipt: Pick<Receipt, 'kind' | 'businessId'>, pending: PendingWrites): Promise<void> {
    const puts = [...this.auditPuts(pending.audit), ...this.usagePuts(pending.usage)];
    await inBatches(this.loggedChunks(puts), (chunk) => this.writeChunkOnce(chunk));
    // Emptied rather than deleted: the functions may update state, never delete it.
    await this.db.send(new UpdateCommand({ TableName: this.tables.consent, Key: pendingKey(receipt), UpdateExpression: 'REMOVE writes' }));
  }

  async commitPlacementUpdate({
    placement,
    receipt,
    audit,
    due = [],
  }: Parameters<ConsentStore['commitPlacementUpdate']>[0]): Promise<void> {
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
      ...this.duePuts(due),
      ...this.logged(audit),
    ]);
  }

  async getTakedownRef(takedownId: string): Promise<{ channel: string; placementId: string } | undefined> {
    // A fan-out's takedown (`<batch id>_<index>`) is recorded in its batch's item.
    const batch = parseBatchTakedownId(takedownId);
    return takedownRefOf(takedownId, await this.get(keys.takedown(batch?.batchId ?? takedownId)));
  }

  private receiptPut(receipt: Receipt) {
    return receiptPut(this.tables.consent, receipt);
  }

  private duePuts(items: readonly DueItem[]) {
    return items.map((d) => duePut(this.tables.consent, d, this.tables.dueNamespace));
  }

  /** The audit and usage puts of one transaction, with its pending-log marker. */
  private logged(audit: AuditRecord[], usage: UsageRecord[] = []): TransactItem[] {
    return this.pendingLog.withMarker([...this.auditPuts(audit), ...this.usagePuts(usage)]);
  }

  /** The puts cut into the largest chunks (halving from 25 records) that fit one transaction with their marker. */
  private loggedChunks(puts: readonly RecordPut[]): RecordPut[][] {
    const out: RecordPut[][] = [];
    let i = 0;
    while (i < puts.length) {
      let size = Math.min(CHUNK_RECORDS, puts.length - i);
      while (size > 1 && !fitsOneTransaction(this.pendingLog.withMarker(puts.slice(i, i + size)))) size = Math.floor(size / 2);
      out.push(puts.slice(i, i + size));
      i += size;
    }
    return out;
  }

  /**
   * One chunk and its marker, at most once: records already there mean an earlier run wrote
   * this chunk (chunks are atomic). A chunk stamped at a time the sealer closed meanwhile is
   * stamped again.
   */
  private async writeChunkOnce(chunk: RecordPut[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await transact(this.db, this.pendingLog.withMarker(chunk));
        return;
      } catch (error) {
        if (error instanceof AuditKeyConflictError) return;
        if (!(error instanceof StaleReadError) || attempt >= CHUNK_ATTEMPTS) throw error;
      }
    }
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
}

/** The audit lines and usage a commit split into steps has still to write. */
interface PendingWrites {
  audit: AuditRecord[];
  usage: UsageRecord[];
}

type RecordPut = { Put: { TableName: string; Item: Record<string, unknown>; ConditionExpression: string } };
/** Records per transaction of a split commit's remainder (at most 100 items with the marker and fence). */
const CHUNK_RECORDS = 25;
/** Tries of one chunk whose stamp the sealer closed, or that met a concurrent transaction. */
const CHUNK_ATTEMPTS = 5;
/** Writes of a split commit in flight at once. */
const STEP_CONCURRENCY = 10;

async function inBatches<T>(items: readonly T[], write: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += STEP_CONCURRENCY) await Promise.all(items.slice(i, i + STEP_CONCURRENCY).map(write));
}

function pendingKey(receipt: Pick<Receipt, 'kind' | 'businessId'>) {
  return keys.pendingWrites(receipt.kind, receipt.businessId);
}

/**
 * Optimistic lock on the grant state item: it must be exactly as it was read, its version and
 * its revocation both. A revocation keeps the version, so a lock on the version alone let an
 * amendment that read the grant before a revocation overwrite it (test/attack/races.test.ts).
 */
function unchangedState(previous: GrantState | undefined) {
  if (previous === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  const revocation =
    previous.revokedAt === undefined
      ? { condition: 'attribute_not_exists(revokedAt)', values: {} }
      : { condition: 'revokedAt = :revokedAt', values: { ':revokedAt': previous.revokedAt } };
  if (previous.version === undefined) {
    return {
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(version) AND ${revocation.condition}`,
      ...(previous.revokedAt !== undefined && { ExpressionAttributeValues: revocation.values }),
    };
  }
  return {
    ConditionExpression: `version = :expected AND ${revocation.condition}`,
    ExpressionAttributeValues: { ':expected': previous.version, ...revocation.values },
  };
}

function strip(item: Item): Item {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
}
