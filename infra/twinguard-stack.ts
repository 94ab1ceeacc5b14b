import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { TwinGuard, type TwinGuardProps } from './twinguard.ts';

export interface TwinGuardStackProps extends StackProps {
  readonly twinGuard?: TwinGuardProps;
}

/** The stack that ships with TwinGuard; brands that have their own app use the construct instead. */
export class TwinGuardStack extends Stack {
  readonly twinGuard: TwinGuard;

  constructor(scope: Construct, id: string, props: TwinGuardStackProps = {}) {
    super(scope, id, props);
    this.twinGuard = new TwinGuard(this, 'TwinGuard', props.twinGuard);
    // What `twinguard <read> --stack NAME` and the console look up (local/cli/read/target.ts).
    const { consentTable, auditTable, eventBus } = this.twinGuard;
    new CfnOutput(this, 'ConsentTableName', { value: consentTable.tableName, description: 'TwinGuard consent table' });
    new CfnOutput(this, 'AuditTableName', { value: auditTable.tableName, description: 'TwinGuard audit trail and usage ledger' });
    new CfnOutput(this, 'EventBusName', { value: eventBus.eventBusName, description: 'TwinGuard event bus' });
  }
}
