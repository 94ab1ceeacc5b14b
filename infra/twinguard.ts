import { CustomResource, Duration, Fn, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { type IKey, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { AttributeType, ProjectionType, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type CfnEventBusPolicy, EventBus, Rule, type EventPattern, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Role as IamRole, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../shared/adapters/env-names.ts';
import { RECORD_ID_INDEX } from '../shared/adapters/dynamodb/log-keys.ts';
import { TWINGUARD_SOURCE } from '../shared/model/events/envelope.ts';
import { DEFAULT_SOURCES, INBOUND_ROLES, type InboundDetailType, type RoleSources } from '../shared/model/events/roles.ts';
import { TwinGuardPropsError } from './errors.ts';
import { FUNCTION_ACCESS, type FunctionAccess, type FunctionName } from './function-access.ts';
import { HandlerFunction, type HandlerFunctionProps } from './handler-function.ts';
import { addBusPolicy, detailTypesOf, pascal, resolveRoles, ROLES, type ResolvedRoles, type RolesProps } from './roles.ts';
import { TwinGuardSchemaRegistry, type SchemaRegistryOptions } from './schema-registry.ts';
import { twinGuardTable } from './tables.ts';

export interface TwinGuardProps {
  /**
   * An existing bus to attach to. When absent, a bus named `eventBusName` is created.
   * Excludes `eventBusName` and `archiveRetention`, which describe the bus TwinGuard creates.
   * @default a new bus
   */
  readonly eventBus?: IEventBus;
  /**
   * Name of the bus to create; not allowed together with `eventBus`.
   * @default 'twinguard'
   */
  readonly eventBusName?: string;
  /**
   * The `source` of each inbound role; only the consent authority may grant or revoke.
   * @default twinguard.consent, twinguard.studio, twinguard.publisher, twinguard.channel
   */
  readonly sources?: Partial<RoleSources>;
  /**
   * Who may act in each role: the AWS accounts (and, in the stack's own account, optionally
   * the IAM principals) whose events count in it. See `RoleMembers` and docs/SECURITY.md.
   * @default every role: the stack's own account only
   */
  readonly roles?: RolesProps;
  /**
   * Who may report on each channel's takedowns: channel name to the accounts (each one of
   * `roles.channel.accounts`) whose `Takedown Completed` / `Takedown Failed` count for it. A
   * channel not named takes reports from any channel-role account; name a webhook channel
   * with `[]`, so that only TwinGuard's own connector confirms its takedowns.
   * @default {} (any channel-role account reports for any channel)
   */
  readonly channelSenders?: Record<string, string[]>;
  /**
   * Time from `Takedown Requested` to its `deadline`.
   * @default Duration.hours(1)
   */
  readonly takedownSla?: Duration;
  /**
   * How long the archive of the bus TwinGuard creates keeps every event for replay; not
   * allowed together with `eventBus` (archive your own bus yourself).
   * @default Duration.days(365)
   */
  readonly archiveRetention?: Duration;
  /**
   * The webhook channels, as a Secrets Manager secret whose value is the JSON object
   * `{ "<channel>": { "url": "https://...", "secret": "..." } }`, or `"secrets": ["<new>", "<old>"]`
   * during a rotation (docs/channels.md). Channels not in it are event channels: their
   * connector answers `Takedown Requested` on the bus itself.
   * @default no webhook channels
   */
  readonly channelsSecret?: ISecret;
  /**
   * Reserved concurrency of the webhook function. Each instance keeps at most 4 requests in
   * flight per channel, so this bounds what a big revocation sends a partner at once
   * (4 x this). Reserving needs unreserved concurrency to spare in the account.
   * @default no reservation: bounded per instance only
   */
  readonly webhookInstances?: number;
  /**
   * A revocation, narrowing or expiry job (the fan-out that takes down a grant's placements)
   * that saves no page for this long has lost its driver: a crash, or its event went to a
   * dead-letter queue. Its watchdog then resumes it from its cursor and the stalled-fan-out
   * alarm fires. At least 1 minute (the sweeper runs every minute; a page takes about a second).
   * @default Duration.minutes(5)
   */
  readonly fanoutStallAfter?: Duration;
  /**
   * A webhook takedown whose delivery failed finally (its retry budget spent, or refused
   * with a 4xx) is delivered again this often, until the partner accepts it, the channel
   * confirms it on the bus, or an operator closes it. At least 1 minute.
   * @default Duration.hours(6)
   */
  readonly webhookRedeliveryInterval?: Duration;
  /**
   * The key the transparency log signs its tree heads with: an asymmetric KMS key of spec
   * ECC_NIST_P256 and usage SIGN_VERIFY (ES256). TwinGuard may use it to sign and to read its
   * public key, nothing else; its public half is published as the stack output `LogJwks`.
   * Another spec or usage fails the sealer at its first run (KMS cannot be asked at synth).
   * @default a new key of that spec, kept when the stack is deleted
   */
  readonly logSigningKey?: IKey;
  /**
   * What happens to the tables (and the log's signing key TwinGuard creates) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Publishes the event contract in an EventBridge schema registry: one JSON Schema (draft 4)
   * per source and detail-type, such as `twinguard.studio@RenderRequested` and
   * `twinguard@RenderApproved`, for the console, code bindings and your own tooling.
   * `true` creates a registry named after the bus; pass `{ registryName }` to name it.
   * @default false (no registry)
   */
  readonly schemaRegistry?: boolean | SchemaRegistryOptions;
}

/** The metrics (namespace TwinGuard) the construct's alarms watch, by the service that emits them. */
export const ALARM_METRICS = {
  overdue: { service: 'twinguard-sweep-due', metricName: 'TakedownsOverdue' },
  stalledFanout: { service: 'twinguard-sweep-due', metricName: 'FanoutJobsStalled' },
  dueItemsFailed: { service: 'twinguard-sweep-due', metricName: 'DueItemsFailed' },
  finalWebhookFailures: { service: 'twinguard-takedown-webhook', metricName: 'WebhookDeliveriesFailed' },
} as const;

/**
 * TwinGuard in one construct: the bus and its archive, the consent and audit tables, one
 * function per inbound event with its own dead-letter queue and alarm, and the rules that
 * route each detail-type only from the role allowed to send it (its `source` and its
 * accounts). Known detail-types from any other sender are routed to a function that answers
 * them with `Event Rejected`. The bus policy lets other accounts put only their role's events,
 * and nobody but TwinGuard's functions put `source: twinguard`; each function may put only
 * its own outbound detail-types and write only its own kinds of items (infra/function-access.ts).
 */
export class TwinGuard extends Construct {
  readonly eventBus: IEventBus;
  readonly consentTable: TableV2;
  /** Append-only: audit trail and usage ledger. */
  readonly auditTable: TableV2;
  readonly functions: Record<string, HandlerFunction> = {};
  readonly rules: Rule[] = [];
  readonly sources: RoleSources;
  /** Each role's accounts and principals, and who reports on each channel, as checked at synth. */
  readonly roles: ResolvedRoles;
  /** The statements of the bus's resource policy. */
  readonly busPolicy: CfnEventBusPolicy[];
  /** Fires when a takedown passes its deadline unconfirmed. */
  readonly overdueAlarm: Alarm;
  /** Fires when a fan-out job stopped making progress and its watchdog had to resume it. */
  readonly stalledFanoutAlarm: Alarm;
  /** Fires when due work (an expiry, a deadline, a retry, a watchdog) failed and was set aside to be tried again. */
  readonly dueItemsFailedAlarm: Alarm;
  /** Fires when a webhook takedown failed finally (and at each failed redelivery after that). */
  readonly finalWebhookFailuresAlarm: Alarm;
  /** The registry of the contract's schemas, when the `schemaRegistry` prop asks for one. */
  readonly schemaRegistry?: TwinGuardSchemaRegistry;
  /** Signs the transparency log's tree heads (ECDSA P-256). */
  readonly logSigningKey: IKey;
  /** The log's public key as a JWKS document (JSON text, resolved at deploy time): what a verifier needs. */
  readonly logJwks: string;

  constructor(scope: Construct, id: string, props: TwinGuardProps = {}) {
    super(scope, id);
    rejectExclusiveProps(this, props);
    this.sources = { ...DEFAULT_SOURCES, ...props.sources };
    this.roles = resolveRoles(this, { roles: props.roles, channelSenders: props.channelSenders, sources: this.sources });
    const created =
      props.eventBus === undefined ? new EventBus(this, 'Bus', { eventBusName: props.eventBusName ?? 'twinguard' }) : undefined;
    this.eventBus = props.eventBus ?? created!;
    created?.archive('Archive', {
      description: 'Every TwinGuard event, for replay',
      eventPattern: { account: [created.env.account] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
    this.consentTable = twinGuardTable(this, 'ConsentTable', { removalPolicy: props.removalPolicy });
    this.auditTable = twinGuardTable(this, 'AuditTable', { removalPolicy: props.removalPolicy });
    // Finds the audit records of a fact by its recordId, for inclusion proofs (keys only).
    this.auditTable.addGlobalSecondaryIndex({
      indexName: RECORD_ID_INDEX,
      partitionKey: { name: 'recordId', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });

    const stallAfter = atLeastAMinute(this, 'fanoutStallAfter', props.fanoutStallAfter ?? Duration.minutes(5));
    const redeliveryInterval = atLeastAMinute(this, 'webhookRedeliveryInterval', props.webhookRedeliveryInterval ?? Duration.hours(6));
    const environment = {
      [ENV.takedownSla]: String((props.takedownSla ?? Duration.hours(1)).toSeconds()),
      ...Object.fromEntries(ROLES.map((role) => [ENV.sources[role], this.sources[role]])),
      ...Object.fromEntries(ROLES.map((role) => [ENV.accounts[role], Fn.join(',', this.roles.accounts[role])])),
      [ENV.channelSenders]: Stack.of(this).toJsonString(this.roles.channelSenders),
      [ENV.jobStall]: String(stallAfter.toSeconds({ integral: false })),
    };
    for (const name of INBOUND_FUNCTIONS) {
      const fn = this.handlerFunction(name, environment);
      for (const detailType of FUNCTION_ACCESS[name].answers) {
        const role = INBOUND_ROLES[detailType];
        this.route(
          `${pascal(detailType)}Rule`,
          { source: [this.sources[role]], detailType: [detailType], account: this.roles.accounts[role] },
          fn,
        );
      }
    }
    this.routeWrongSenders(this.handlerFunction('wrong-source', environment));

    const reevaluate = this.handlerFunction('reevaluate-placements', environment, { timeout: Duration.minutes(5), memorySize: 512 });
    this.route('ReevaluationRequestedRule', { source: [TWINGUARD_SOURCE], detailType: ['Reevaluation Requested'] }, reevaluate);

    const webhook = this.handlerFunction('takedown-webhook', environment, {
      timeout: Duration.minutes(1),
      reservedConcurrency: props.webhookInstances,
    });
    webhook.function.addEnvironment(ENV.webhook.redeliveryIntervalMs, String(redeliveryInterval.toMilliseconds()));
    if (props.channelsSecret !== undefined) {
      webhook.function.addEnvironment(ENV.channelsSecret, props.channelsSecret.secretArn);
      props.channelsSecret.grantRead(webhook.function);
    }
    this.route(
      'TakedownDeliveryRule',
      { source: [TWINGUARD_SOURCE], detailType: ['Takedown Requested', 'Takedown Delivery Due'] },
      webhook,
    );

    const sweeper = this.handlerFunction('sweep-due', environment, { timeout: Duration.minutes(2) });
    new Schedule(this, 'SweepSchedule', {
      description: 'Fires what is due: grant expiries, takedown deadlines, webhook retries and redeliveries, fan-out watchdogs',
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(sweeper.function, { retryAttempts: 0, role: this.schedulerRole(sweeper) }),
    });
    const log = this.transparencyLog(props);
    this.logSigningKey = log.key;
    this.logJwks = log.jwks;
    // The approvers sign consent credentials with the log's key: one kms:Sign per approval.
    for (const [name, fn] of Object.entries(this.functions)) {
      if (!(FUNCTION_ACCESS[name as FunctionName] as FunctionAccess).signsCredentials) continue;
      fn.function.addEnvironment(ENV.log.signingKeyArn, log.key.keyArn);
      log.key.grant(fn.function, 'kms:Sign', 'kms:GetPublicKey');
    }

    this.busPolicy = addBusPolicy(
      this,
      this.eventBus,
      this.roles,
      this.sources,
      Object.values(this.functions).map((f) => f.role),
    );
    this.overdueAlarm = this.countAlarm(
      'TakedownsOverdueAlarm',
      ALARM_METRICS.overdue,
      'A takedown was not confirmed by its deadline: the content may still be live without consent',
    );
    this.stalledFanoutAlarm = this.countAlarm(
      'FanoutJobsStalledAlarm',
      ALARM_METRICS.stalledFanout,
      `A revocation, narrowing or expiry fan-out saved no progress for ${stallAfter.toHumanString()} and was resumed by its watchdog: ` +
        'look for a crash or a dead-lettered Reevaluation Requested; placements stay live until it finishes',
    );
    this.dueItemsFailedAlarm = this.countAlarm(
      'DueItemsFailedAlarm',
      ALARM_METRICS.dueItemsFailed,
      'Due work (an expiry, a takedown deadline, a webhook retry, a fan-out watchdog) failed and was set aside to be tried again ' +
        'with backoff; the sweeper logs its kind, id and error. The other due work still fires.',
    );
    this.finalWebhookFailuresAlarm = this.countAlarm(
      'FinalWebhookFailuresAlarm',
      ALARM_METRICS.finalWebhookFailures,
      `A webhook takedown failed finally, or failed again when redelivered (every ${redeliveryInterval.toHumanString()}): ` +
        'the content may still be live. List them with "takedowns failed --channel C", re-drive once the partner is back, or close.',
      // One failure per redelivery: an hour-long period keeps the alarm visible between them.
      Duration.hours(1),
    );
    if (props.schemaRegistry !== undefined && props.schemaRegistry !== false) {
      const options = props.schemaRegistry === true ? {} : props.schemaRegistry;
      // Named after the bus TwinGuard creates; an existing bus's name may be a token, so CloudFormation names that one.
      const registryName = options.registryName ?? (props.eventBus === undefined ? (props.eventBusName ?? 'twinguard') : undefined);
      this.schemaRegistry = new TwinGuardSchemaRegistry(this, 'SchemaRegistry', { registryName, sources: this.sources });
    }
  }

  /** Every dead-letter alarm, and those on overdue takedowns, stalled fan-outs, failed due work and final webhook failures: a brand wires these to its on-call. */
  get alarms(): Alarm[] {
    return [
      ...Object.values(this.functions).map((f) => f.deadLetterAlarm),
      this.overdueAlarm,
      this.stalledFanoutAlarm,
      this.dueItemsFailedAlarm,
      this.finalWebhookFailuresAlarm,
    ];
  }

  /** An alarm on any count above zero of one of TwinGuard's metrics within `period`. */
  private countAlarm(
    id: string,
    { service, metricName }: { service: string; metricName: string },
    description: string,
    period = Duration.minutes(5),
  ): Alarm {
    return new Alarm(this, id, {
      alarmDescription: description,
      metric: new Metric({ namespace: 'TwinGuard', metricName, dimensionsMap: { service }, statistic: 'Sum', period }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** A function with exactly the access its entry in FUNCTION_ACCESS gives it: no grant on a table or the bus it has no use for. */
  private handlerFunction(
    name: FunctionName,
    environment: Record<string, string>,
    sizing: Pick<HandlerFunctionProps, 'timeout' | 'memorySize' | 'reservedConcurrency'> = {},
  ): HandlerFunction {
    const access: FunctionAccess = FUNCTION_ACCESS[name];
    const fn = new HandlerFunction(this, pascal(name), { handler: name, environment, ...sizing });
    if (access.consentWrites.length > 0) {
      fn.bindConsentTable(this.consentTable, ENV.consentTable, {
        writes: access.consentWrites,
        ...(access.consentDeletes !== undefined && { deletes: access.consentDeletes }),
        ...(access.batchReads !== undefined && { batchReads: access.batchReads }),
      });
    }
    if (access.consentWrites.length > 0 || access.auditWrites.length > 0 || access.auditReads !== undefined) {
      fn.bindAuditTable(this.auditTable, ENV.auditTable, {
        writes: access.auditWrites,
        ...(access.auditChecks !== undefined && { checks: access.auditChecks }),
        ...(access.auditReads !== undefined && { reads: access.auditReads }),
      });
    }
    if (access.emits.length > 0) fn.bindEventBus(this.eventBus, ENV.eventBus, access.emits);
    this.functions[name] = fn;
    return fn;
  }

  /**
   * The transparency log: its signing key, the sealer (on its own schedule, every minute like
   * the sweeper; it reads the audit table and writes only the log's items), and the public
   * key as a JWKS document, read from KMS at deploy time by a custom resource.
   */
  private transparencyLog(props: TwinGuardProps): { key: IKey; jwks: string } {
    const key =
      props.logSigningKey ??
      new Key(this, 'LogSigningKey', {
        description: 'TwinGuard transparency log: signs tree heads (ES256)',
        keySpec: KeySpec.ECC_NIST_P256,
        keyUsage: KeyUsage.SIGN_VERIFY,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    const sealer = this.handlerFunction(
      'seal-log',
      { [ENV.log.signingKeyArn]: key.keyArn },
      { timeout: Duration.minutes(2), memorySize: 512 },
    );
    key.grant(sealer.function, 'kms:Sign', 'kms:GetPublicKey');
    new Schedule(this, 'SealSchedule', {
      description: 'Seals the audit records written since the last seal into the transparency log and signs a tree head',
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(sealer.function, { retryAttempts: 0, role: this.schedulerRole(sealer, 'SealSchedulerRole') }),
    });

    const publicKey = this.handlerFunction('log-public-key', {});
    key.grant(publicKey.function, 'kms:GetPublicKey');
    const jwks = new CustomResource(this, 'LogJwks', {
      serviceToken: publicKey.function.functionArn,
      resourceType: 'Custom::TwinGuardLogJwks',
      // A new key gives a new document; the same key, the same one.
      properties: { KeyArn: key.keyArn },
    });
    return { key, jwks: jwks.getAttString('Jwks') };
  }

  /** Assumable by EventBridge Scheduler only; the target grants it invoke on the scheduled function alone. */
  private schedulerRole(sweeper: HandlerFunction, id = 'SchedulerRole'): IamRole {
    const role = new IamRole(this, id, { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    const fnLogicalId = Stack.of(this).getLogicalId(sweeper.function.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      reason: `LambdaInvoke grants invoke on ${sweeper.node.id}'s versions too (arn:*); it reaches that one function only`,
    });
    return role;
  }

  private route(id: string, eventPattern: EventPattern, fn: HandlerFunction): Rule {
    const rule = new Rule(this, id, { eventBus: this.eventBus, eventPattern });
    rule.addTarget(
      new LambdaFunction(fn.function, { deadLetterQueue: fn.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) }),
    );
    this.rules.push(rule);
    return rule;
  }

  /**
   * Every known inbound detail-type that reaches the bus from a sender not entitled to it is
   * answered with `Event Rejected` (by the `wrong-source` function), so no such event ends
   * in silence. Per role: its detail-types from any other source (TwinGuard's own aside), or
   * from its source but another account. And `source: twinguard` with an inbound
   * detail-type: TwinGuard never sends those, except `Takedown Completed` / `Failed` from its
   * webhook connector in its own account; from any other account they are forged.
   */
  private routeWrongSenders(fn: HandlerFunction): void {
    for (const role of ROLES) {
      const pattern = {
        detailType: detailTypesOf(role),
        $or: [
          { source: [{ 'anything-but': [this.sources[role], TWINGUARD_SOURCE] }] },
          { source: [this.sources[role]], account: [{ 'anything-but': this.roles.accounts[role] }] },
        ],
      };
      this.route(`WrongSender${pascal(role)}Rule`, pattern as EventPattern, fn);
    }
    const reports: InboundDetailType[] = ['Takedown Completed', 'Takedown Failed'];
    const forged = {
      source: [TWINGUARD_SOURCE],
      $or: [
        { 'detail-type': (Object.keys(INBOUND_ROLES) as InboundDetailType[]).filter((t) => !reports.includes(t)) },
        { 'detail-type': reports, account: [{ 'anything-but': [Stack.of(this).account] }] },
      ],
    };
    this.route('ForgedTwinGuardSourceRule', forged as EventPattern, fn);
  }
}

/** The functions that answer inbound events from their roles (their `answers` in FUNCTION_ACCESS). */
const INBOUND_FUNCTIONS = [
  'consent-granted',
  'consent-revoked',
  'render-requested',
  'publication-requested',
  'asset-published',
  'takedown-reported',
] as const satisfies readonly FunctionName[];

/**
 * Props that only describe the bus TwinGuard creates. Given with an existing `eventBus` they
 * would have no effect, and a brand would believe its bus is named or archived as asked.
 */
const CREATED_BUS_PROPS = {
  eventBusName: 'it names the bus TwinGuard creates, and eventBus is one that exists',
  archiveRetention: 'TwinGuard archives only the bus it creates, so an existing eventBus would not be archived',
} as const satisfies Partial<Record<keyof TwinGuardProps, string>>;

/** Fails synth at once, naming every conflicting pair, rather than ignoring a prop. */
function rejectExclusiveProps(scope: Construct, props: TwinGuardProps): void {
  if (props.eventBus === undefined) return;
  const problems = (Object.keys(CREATED_BUS_PROPS) as (keyof typeof CREATED_BUS_PROPS)[])
    .filter((name) => props[name] !== undefined)
    .map((name) => `Providing both eventBus and ${name} is not supported: ${CREATED_BUS_PROPS[name]}; pass one.`);
  if (problems.length > 0) throw new TwinGuardPropsError(`TwinGuard ${scope.node.path}: ${problems.join(' ')}`);
}

/** Fails synth for a duration the sweeper (once a minute) could not honour. */
function atLeastAMinute(scope: Construct, prop: string, value: Duration): Duration {
  if (value.toMilliseconds() < 60_000)
    throw new TwinGuardPropsError(`TwinGuard ${scope.node.path}: ${prop} must be at least 1 minute, got ${value.toHumanString()}`);
  return value;
}
