import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { DuplicateReceiptError, StaleReadError } from '../../ports/errors.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Runs one transaction whose first item is the receipt. A failed receipt condition means
 * the event was processed before; any other failed condition or a conflict means a read
 * went stale. Everything else (throttling, outage) propagates so the platform retries.
 */
export async function transactWithReceipt(db: DynamoDBDocumentClient, receiptPut: TransactItem, items: TransactItem[]): Promise<void> {
  try {
    await db.send(new TransactWriteCommand({ TransactItems: [receiptPut, ...items] }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    if (codes[0] === 'ConditionalCheckFailed') throw new DuplicateReceiptError('receipt exists', { cause: error });
    if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) {
      throw new StaleReadError(`transaction cancelled: ${codes.join(', ')}`, { cause: error });
    }
    throw error;
  }
}
