import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';

/** The metadata key that tells the local runtime which source file a function runs. */
export const HANDLER_METADATA_KEY = 'TwinGuard:Handler';

export interface HandlerFunctionProps {
  /** Source file under `functions/`, without extension, e.g. `render-requested`. */
  readonly handler: string;
  readonly environment: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default none (the account's unreserved pool) */
  readonly reservedConcurrency?: number;
  /** How long logs are kept. @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
}

/**
 * TwinGuard's house Lambda function: bundled from TypeScript with the local esbuild (no
 * Docker), Node.js 24 on arm64, X-Ray tracing, its own log group, and its own encrypted
 * dead-letter queue with an alarm, so that no failed event goes unnoticed.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Its own role, not AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const entry = `functions/${props.handler}.ts`;
    this.function = new NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../${entry}`, import.meta.url)),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `twinguard-${props.handler}`,
        POWERTOOLS_METRICS_NAMESPACE: 'TwinGuard',
        ...props.environment,
      },
      bundling: { format: OutputFormat.CJS, minify: true, sourceMap: true, target: 'node24' },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions',
    });
    (this.function.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA_KEY, entry);
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Events that ${props.handler} could not process are waiting in its dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Lets the function read and change state, never delete it or scan the table. */
  bindConsentTable(table: ITableV2, envName: string): this {
    this.function.addEnvironment(envName, table.tableName);
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        resources: [table.tableArn],
      }),
    );
    return this;
  }

  /**
   * Append only: PutItem (always with attribute_not_exists), and ConditionCheckItem for the
   * transparency log's fence, which every transaction that writes records checks.
   */
  bindAuditTable(table: ITableV2, envName: string): this {
    this.function.addEnvironment(envName, table.tableName);
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], resources: [table.tableArn] }),
    );
    return this;
  }

  /**
   * The sealer of the transparency log: it reads the audit table and writes the log's own
   * items (keys starting `LOG#`) and nothing else, so it can never change a record.
   */
  bindLog(table: ITableV2, envName: string): this {
    this.function.addEnvironment(envName, table.tableName);
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'], resources: [table.tableArn] }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOG#*'] } },
      }),
    );
    return this;
  }

  /** The sweeper removes due items once fired; it may delete those and nothing else. */
  allowDueRemoval(table: ITableV2): this {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DUE#*'] } },
      }),
    );
    return this;
  }

  bindEventBus(bus: IEventBus, envName: string): this {
    this.function.addEnvironment(envName, bus.eventBusName);
    bus.grantPutEventsTo(this.function);
    return this;
  }
}
