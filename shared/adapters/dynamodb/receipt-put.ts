import { keys } from './keys.ts';
import type { Receipt } from '../../model/records.ts';

/**
 * A receipt as a transaction Put (outbox as JSON), written only if none exists yet: that
 * condition is how a duplicate is detected, with no read before the write. `published` is
 * not stored on it: it is the `PUBLISHED` item beside it (or an empty outbox).
 */
export function receiptPut(table: string, receipt: Receipt) {
  const { published: _published, ...stored } = receipt;
  return {
    Put: {
      TableName: table,
      Item: { ...keys.receipt(receipt.kind, receipt.businessId), ...stored, outbox: JSON.stringify(receipt.outbox) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
