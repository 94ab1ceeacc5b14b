import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { AuditKeyConflictError, DuplicateReceiptError, StaleReadError, TransactionTooLargeError } from '../../ports/errors.ts';
import { DYNAMO_LIMITS, itemSize } from './item-size.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Runs one transaction whose first item is the receipt. A failed receipt condition means
 * the event was processed before; any other failed condition or a conflict means a read
 * went stale. Everything else (throttling, outage) propagates so the platform retries.
 * The transaction is checked against DynamoDB's limits before it is sent.
 */
export async function transactWithReceipt(db: DynamoDBDocumentClient, receiptPut: TransactItem, items: TransactItem[]): Promise<void> {
  await transact(db, [receiptPut, ...items], { receiptFirst: true });
}

/**
 * Runs one transaction after checking it fits (TransactionTooLargeError otherwise, naming
 * what is over), and names why DynamoDB cancelled it: a stale read (a condition on state, or
 * a concurrent transaction) is StaleReadError, to be decided again; an append-only audit or
 * usage item that already exists is AuditKeyConflictError, which no retry can cure.
 */
export async function transact(db: DynamoDBDocumentClient, items: TransactItem[], opts: { receiptFirst?: boolean } = {}): Promise<void> {
  checkTransaction(items);
  try {
    await db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    if (opts.receiptFirst && codes[0] === 'ConditionalCheckFailed') throw new DuplicateReceiptError('receipt exists', { cause: error });
    const failed = codes.flatMap((code, i) => (code === 'ConditionalCheckFailed' ? [i] : []));
    const appendOnly = failed.filter((i) => isAppendOnly(items[i]));
    if (appendOnly.length > 0 && appendOnly.length === failed.length && !codes.includes('TransactionConflict')) {
      const keys = appendOnly.map((i) => keyOf(items[i]!)).join(', ');
      throw new AuditKeyConflictError(`append-only audit item(s) already exist, so another fact was recorded under the same key: ${keys}`, {
        cause: error,
      });
    }
    if (failed.length > 0 || codes.includes('TransactionConflict')) {
      throw new StaleReadError(`transaction cancelled: ${codes.join(', ')}`, { cause: error });
    }
    throw error;
  }
}

/** Whether the items fit one transaction. */
export function fitsOneTransaction(items: readonly TransactItem[]): boolean {
  try {
    checkTransaction(items);
    return true;
  } catch (error) {
    if (error instanceof TransactionTooLargeError) return false;
    throw error;
  }
}

/** Throws TransactionTooLargeError unless the transaction fits DynamoDB's limits. */
export function checkTransaction(items: readonly TransactItem[]): void {
  if (items.length > DYNAMO_LIMITS.transactionItems) {
    throw new TransactionTooLargeError(
      `a transaction of ${items.length} items is over DynamoDB's limit of ${DYNAMO_LIMITS.transactionItems}`,
    );
  }
  let total = 0;
  for (const [i, item] of items.entries()) {
    const size = sizeOf(item);
    if (size > DYNAMO_LIMITS.itemBytes) {
      throw new TransactionTooLargeError(
        `item ${i} of a transaction (${keyOf(item)}) is about ${size} bytes, over DynamoDB's item limit of ${DYNAMO_LIMITS.itemBytes}`,
      );
    }
    total += size;
  }
  if (total > DYNAMO_LIMITS.transactionBytes) {
    throw new TransactionTooLargeError(
      `a transaction of about ${total} bytes is over DynamoDB's limit of ${DYNAMO_LIMITS.transactionBytes}`,
    );
  }
}

/** What an action writes or checks: the whole item of a Put, the key and values of the others. */
function sizeOf(item: TransactItem): number {
  if (item.Put) return itemSize(item.Put.Item ?? {});
  const action = item.Update ?? item.Delete ?? item.ConditionCheck;
  if (action === undefined) return 0;
  const values = 'ExpressionAttributeValues' in action ? (action.ExpressionAttributeValues ?? {}) : {};
  return itemSize(action.Key ?? {}) + itemSize(values);
}

/**
 * The audit table's lines and usage records: written once, never changed (`type` says which).
 * A transparency-log marker too: its key holds the transaction's first record key, so it
 * collides only along with that record.
 */
function isAppendOnly(item: TransactItem | undefined): boolean {
  const type = item?.Put?.Item?.type;
  return type === 'audit' || type === 'usage' || type === 'log-pending';
}

function keyOf(item: TransactItem): string {
  const key = item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key ?? {};
  const table = item.Put?.TableName ?? item.Update?.TableName ?? item.Delete?.TableName ?? item.ConditionCheck?.TableName;
  return `${table}:${String(key.pk)}/${String(key.sk)}`;
}
