import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt, DeliveryRecord, DeliveryStore } from '../../ports/delivery-store.ts';
import { queryAll } from './batch-reads.ts';
import { duePut } from './due-queue.ts';
import { dueKeys } from './keys.ts';
import { receiptPut } from './receipt-put.ts';
import type { TableNames } from './table-names.ts';
import { transactWithReceipt } from './transactions.ts';

/** Webhook deliveries in the consent table, written with the attempt's receipt. */
export class DynamoDeliveryStore implements DeliveryStore {
  private readonly table: string;
  /** Keeps due items apart per namespace; see `dueKeys`. */
  private readonly dueNamespace: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    tables: Pick<TableNames, 'consent' | 'dueNamespace'>,
  ) {
    this.table = tables.consent;
    this.dueNamespace = tables.dueNamespace ?? '';
  }

  async get(takedownId: string): Promise<DeliveryRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: dueKeys.delivery(takedownId), ConsistentRead: true }));
    if (out.Item === undefined) return undefined;
    const { pk: _pk, sk: _sk, type: _type, ...rest } = out.Item;
    return rest as DeliveryRecord;
  }

  async commitAttempt({ delivery, previous, receipt, due }: DeliveryAttempt): Promise<void> {
    await transactWithReceipt(this.db, receiptPut(this.table, receipt), [
      {
        Put: {
          TableName: this.table,
          Item: { ...dueKeys.delivery(delivery.takedownId), type: 'delivery', ...delivery },
          // Optimistic lock: two workers on the same delivery cannot both record an attempt.
          ...(previous === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'attempts = :attempts AND #status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':attempts': previous.attempts, ':status': previous.status },
              }),
        },
      },
      ...(due === undefined ? [] : [duePut(this.table, due, this.dueNamespace)]),
      // Listed for operators while it is failed; the entry follows the delivery when it settles.
      ...(delivery.status === 'failed' || previous?.status === 'failed' ? [this.failedEntry(delivery)] : []),
    ]);
  }

  async failedOfChannel(channel: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status = :failed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': dueKeys.failedDeliveries(channel), ':failed': 'failed' },
      ConsistentRead: true,
    });
    return items.map((i) => i['takedownId'] as string);
  }

  async close(takedownId: string, reason: string, at: string): Promise<boolean> {
    const delivery = await this.get(takedownId);
    if (delivery === undefined || (delivery.status !== 'failed' && delivery.status !== 'pending')) return false;
    const closed: DeliveryRecord = { ...delivery, status: 'closed', closedReason: reason, updatedAt: at };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...dueKeys.delivery(takedownId), type: 'delivery', ...closed },
                ConditionExpression: 'attempts = :attempts AND #status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':attempts': delivery.attempts, ':status': delivery.status },
              },
            },
            ...(delivery.status === 'failed' ? [this.failedEntry(closed)] : []),
          ],
        }),
      );
    } catch (error) {
      // An attempt was recorded meanwhile: read again and decide again.
      if (error instanceof TransactionCanceledException) return this.close(takedownId, reason, at);
      throw error;
    }
    return true;
  }

  private failedEntry(delivery: DeliveryRecord) {
    const { takedownId, channel, status, attempts, updatedAt } = delivery;
    return {
      Put: {
        TableName: this.table,
        Item: { ...dueKeys.failedDelivery(channel, takedownId), type: 'failed-delivery', takedownId, channel, status, attempts, updatedAt },
      },
    };
  }
}
