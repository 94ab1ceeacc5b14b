import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export interface TwinGuardTableProps {
  /** @default RemovalPolicy.RETAIN: consent records and the audit trail outlive a stack. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A table of TwinGuard's: `pk`/`sk` strings (single-table design, see shared/adapters/dynamodb/keys.ts),
 * on-demand, point-in-time recovery, encrypted, retained on delete by default.
 */
export function twinGuardTable(scope: Construct, id: string, props: TwinGuardTableProps): TableV2 {
  return new TableV2(scope, id, {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryptionV2.awsManagedKey(),
    deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
