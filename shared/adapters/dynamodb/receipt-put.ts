import { keys } from './keys.ts';
import type { Receipt } from '../../model/records.ts';

/** A receipt as a transaction Put (outbox as JSON), written only if none exists yet. */
export function receiptPut(table: string, receipt: Receipt) {
  return {
    Put: {
      TableName: table,
      Item: { ...keys.receipt(receipt.kind, receipt.businessId), ...receipt, outbox: JSON.stringify(receipt.outbox) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
