import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  Runtime,
  Tracing,
  type CfnFunction,
  type FunctionOptions,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TWINGUARD_SOURCE } from '../shared/model/events/envelope.ts';
import { InfraError } from './errors.ts';

/** The metadata key that tells the local runtime which source file a function runs. */
export const HANDLER_METADATA_KEY = 'TwinGuard:Handler';

/** How a function is bundled from source; scripts/build-package.ts prebuilds the package's functions with the same options. */
export const LAMBDA_BUNDLING = {
  format: OutputFormat.CJS,
  minify: true,
  sourceMap: true,
  target: 'node24',
} as const satisfies BundlingOptions;

/**
 * The function's code bundled when the package was built (dist/lambda/<handler>/index.js,
 * next to the built construct in dist/cdk/), so that an app using the installed package needs
 * neither esbuild nor the TypeScript sources; undefined in this repository, which bundles from source.
 */
function prebuiltCode(handler: string): string | undefined {
  const dir = fileURLToPath(new URL(`../lambda/${handler}`, import.meta.url));
  return existsSync(`${dir}/index.js`) ? dir : undefined;
}

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
 * Docker), Node.js 24 on arm64, X-Ray active tracing by the Lambda service (no tracing SDK in
 * the bundle: see functions/commons/powertools.ts), its own log group, and its own encrypted
 * dead-letter queue with an alarm, so that no failed event goes unnoticed.
 */
export class HandlerFunction extends Construct {
  /** A `NodejsFunction` when bundled from source; a `Function` with the prebuilt asset in the package. */
  readonly function: LambdaFunction;
  /** The function's own execution role: the bus policy names it as a sender of `source: twinguard`. */
  readonly role: Role;
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
    this.role = role;
    logGroup.grantWrite(role);
    const entry = `functions/${props.handler}.ts`;
    const options: FunctionOptions & { runtime: Runtime } = {
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
    };
    const prebuilt = prebuiltCode(props.handler);
    this.function =
      prebuilt === undefined
        ? new NodejsFunction(this, 'Function', {
            ...options,
            entry: fileURLToPath(new URL(`../${entry}`, import.meta.url)),
            handler: 'handler',
            bundling: LAMBDA_BUNDLING,
          })
        : new LambdaFunction(this, 'Function', { ...options, code: Code.fromAsset(prebuilt), handler: 'index.handler' });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda active tracing (Tracing.ACTIVE) grants X-Ray PutTraceSegments/PutTelemetryRecords, which support no resource-level permissions',
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

  /**
   * Reads anywhere in the consent table (decisions read grants, receipts, placements), never
   * scans it; creates or changes only items under `writes` and deletes only under `deletes`
   * (partition-key prefixes, `dynamodb:LeadingKeys`), so a bug or a hijacked function cannot
   * touch another kind of item. Transactions are authorized item by item, as these actions.
   */
  bindConsentTable(
    table: ITableV2,
    envName: string,
    access: { writes: readonly string[]; deletes?: readonly string[]; batchReads?: boolean },
  ): this {
    this.function.addEnvironment(envName, table.tableName);
    const reads = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: access.batchReads ? [...reads, 'dynamodb:BatchGetItem'] : reads, resources: [table.tableArn] }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: leadingKeys(access.writes),
      }),
    );
    if (access.deletes !== undefined && access.deletes.length > 0) {
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [table.tableArn], conditions: leadingKeys(access.deletes) }),
      );
    }
    return this;
  }

  /**
   * Append only: PutItem (always with attribute_not_exists) under `writes`, nothing else; no
   * grant when `writes` is empty. `checks`: ConditionCheckItem under those prefixes (writers
   * check the transparency log's fence). `reads`: GetItem, Query and BatchGetItem under those
   * prefixes (the sealer reads the log's own items, never a record).
   */
  bindAuditTable(
    table: ITableV2,
    envName: string,
    access: { writes: readonly string[]; checks?: readonly string[]; reads?: readonly string[] },
  ): this {
    this.function.addEnvironment(envName, table.tableName);
    if (access.reads !== undefined && access.reads.length > 0) {
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
          resources: [table.tableArn],
          conditions: leadingKeys(access.reads),
        }),
      );
    }
    if (access.writes.length > 0) {
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn], conditions: leadingKeys(access.writes) }),
      );
    }
    if (access.checks !== undefined && access.checks.length > 0) {
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:ConditionCheckItem'],
          resources: [table.tableArn],
          conditions: leadingKeys(access.checks),
        }),
      );
    }
    return this;
  }

  /**
   * PutEvents on this bus only, and only TwinGuard's own events of the detail-types given
   * (`events:source`, `events:detail-type`, checked by EventBridge entry by entry): a
   * function cannot speak for a role, nor emit another function's decisions.
   */
  bindEventBus(bus: IEventBus, envName: string, detailTypes: readonly string[]): this {
    this.function.addEnvironment(envName, bus.eventBusName);
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
        conditions: {
          'ForAllValues:StringEquals': { 'events:source': [TWINGUARD_SOURCE] },
          StringEquals: { 'events:detail-type': [...detailTypes] },
        },
      }),
    );
    return this;
  }
}

/** Every partition key of the request must start with one of the prefixes. */
function leadingKeys(prefixes: readonly string[]) {
  if (prefixes.length === 0) throw new InfraError('a DynamoDB grant needs at least one key prefix');
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) } };
}
