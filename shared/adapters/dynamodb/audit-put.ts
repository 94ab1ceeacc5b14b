import { auditKeys } from './keys.ts';
import type { AuditRecord } from '../../model/records.ts';

/** An audit line as a transaction Put; the condition makes the trail append-only even to a buggy writer. */
export function auditPut(table: string, record: AuditRecord) {
  return {
    Put: {
      TableName: table,
      Item: { ...auditKeys.audit(record.twinId, record.at, record.recordId), type: 'audit', ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
