import { CustomResource, Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { type IKey, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { AttributeType, ProjectionType, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, type EventPattern, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Role as IamRole, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../shared/adapters/env-names.ts';
import { RECORD_ID_INDEX } from '../shared/adapters/dynamodb/log-keys.ts';
import { TWINGUARD_SOURCE } from '../shared/model/events/envelope.ts';
import { DEFAULT_SOURCES, INBOUND_ROLES, type InboundDetailType, type Role, type RoleSources } from '../shared/model/events/roles.ts';
import { HandlerFunction, type HandlerFunctionProps } from './handler-function.ts';
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
   * `{ "<channel>": { "url": "https://...", "secret": "..." } }`. Channels not in it are
   * event channels: their connector answers `Takedown Requested` on the bus itself.
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
}

/** The functions that answer inbound events, and the detail-types each owns. */
const INBOUND_FUNCTIONS: Record<string, readonly InboundDetailType[]> = {
  'consent-granted': ['Consent Granted'],
  'consent-revoked': ['Consent Revoked'],
  'render-requested': ['Render Requested'],
  'publication-requested': ['Publication Requested'],
  'asset-published': ['Asset Published'],
  'takedown-reported': ['Takedown Completed', 'Takedown Failed'],
};

/**
 * TwinGuard in one construct: the bus and its archive, the consent and audit tables, one
 * function per inbound event with its own dead-letter queue and alarm, and the rules that
 * route each detail-type only from the role allowed to send it. Known detail-types from any
 * other source are routed to a function that answers them with `Event Rejected`.
 */
export class TwinGuard extends Construct {
  readonly eventBus: IEventBus;
  readonly consentTable: TableV2;
  /** Append-only: audit trail and usage ledger. */
  readonly auditTable: TableV2;
  readonly functions: Record<string, HandlerFunction> = {};
  readonly rules: Rule[] = [];
  readonly sources: RoleSources;
  /** Fires when a takedown passes its deadline unconfirmed. */
  readonly overdueAlarm: Alarm;
  /** Signs the transparency log's tree heads (ECDSA P-256). */
  readonly logSigningKey: IKey;
  /** The log's public key as a JWKS document (JSON text, resolved at deploy time): what a verifier needs. */
  readonly logJwks: string;

  constructor(scope: Construct, id: string, props: TwinGuardProps = {}) {
    super(scope, id);
    rejectExclusiveProps(this, props);
    this.sources = { ...DEFAULT_SOURCES, ...props.sources };
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

    const environment = {
      [ENV.takedownSla]: String((props.takedownSla ?? Duration.hours(1)).toSeconds()),
      ...Object.fromEntries(Object.entries(ENV.sources).map(([role, name]) => [name, this.sources[role as Role]])),
    };
    for (const [name, detailTypes] of Object.entries(INBOUND_FUNCTIONS)) {
      const fn = this.handlerFunction(name, environment);
      for (const detailType of detailTypes) {
        this.route(`${pascal(detailType)}Rule`, { source: [this.sources[INBOUND_ROLES[detailType]]], detailType: [detailType] }, fn);
      }
    }
    this.routeWrongSources(this.handlerFunction('wrong-source', environment));

    const reevaluate = this.handlerFunction('reevaluate-placements', environment, { timeout: Duration.minutes(5), memorySize: 512 });
    this.route('ReevaluationRequestedRule', { source: [TWINGUARD_SOURCE], detailType: ['Reevaluation Requested'] }, reevaluate);

    const webhook = this.handlerFunction('takedown-webhook', environment, {
      timeout: Duration.minutes(1),
      reservedConcurrency: props.webhookInstances,
    });
    if (props.channelsSecret !== undefined) {
      webhook.function.addEnvironment(ENV.channelsSecret, props.channelsSecret.secretArn);
      props.channelsSecret.grantRead(webhook.function);
    }
    this.route(
      'TakedownDeliveryRule',
      { source: [TWINGUARD_SOURCE], detailType: ['Takedown Requested', 'Takedown Delivery Due'] },
      webhook,
    );

    const sweeper = this.handlerFunction('sweep-due', environment, { timeout: Duration.minutes(2) }).allowDueRemoval(this.consentTable);
    new Schedule(this, 'SweepSchedule', {
      description: 'Fires what is due: grant expiries, takedown deadlines, webhook retries',
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(sweeper.function, { retryAttempts: 0, role: this.schedulerRole(sweeper) }),
    });
    const log = this.transparencyLog(props);
    this.logSigningKey = log.key;
    this.logJwks = log.jwks;

    this.overdueAlarm = new Alarm(this, 'TakedownsOverdueAlarm', {
      alarmDescription: 'A takedown was not confirmed by its deadline: the content may still be live without consent',
      metric: new Metric({
        namespace: 'TwinGuard',
        metricName: 'TakedownsOverdue',
        dimensionsMap: { service: 'twinguard-sweep-due' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Every dead-letter alarm and the overdue-takedown alarm: a brand wires these to its on-call. */
  get alarms(): Alarm[] {
    return [...Object.values(this.functions).map((f) => f.deadLetterAlarm), this.overdueAlarm];
  }

  private handlerFunction(
    name: string,
    environment: Record<string, string>,
    sizing: Pick<HandlerFunctionProps, 'timeout' | 'memorySize' | 'reservedConcurrency'> = {},
  ): HandlerFunction {
    const fn = new HandlerFunction(this, pascal(name), { handler: name, environment, ...sizing })
      .bindConsentTable(this.consentTable, ENV.consentTable)
      .bindAuditTable(this.auditTable, ENV.auditTable)
      .bindEventBus(this.eventBus, ENV.eventBus);
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
    const sealer = new HandlerFunction(this, 'SealLog', {
      handler: 'seal-log',
      environment: { [ENV.log.signingKeyArn]: key.keyArn },
      timeout: Duration.minutes(2),
      memorySize: 512,
    }).bindLog(this.auditTable, ENV.auditTable);
    key.grant(sealer.function, 'kms:Sign', 'kms:GetPublicKey');
    this.functions['seal-log'] = sealer;
    new Schedule(this, 'SealSchedule', {
      description: 'Seals the audit records written since the last seal into the transparency log and signs a tree head',
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(sealer.function, { retryAttempts: 0, role: this.schedulerRole(sealer, 'SealSchedulerRole') }),
    });

    const publicKey = new HandlerFunction(this, 'LogPublicKey', { handler: 'log-public-key', environment: {} });
    key.grant(publicKey.function, 'kms:GetPublicKey');
    this.functions['log-public-key'] = publicKey;
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

  /** One rule per role: its detail-types from any source but the role's own and TwinGuard's. */
  private routeWrongSources(fn: HandlerFunction): void {
    for (const role of Object.keys(DEFAULT_SOURCES) as Role[]) {
      const detailTypes = (Object.keys(INBOUND_ROLES) as InboundDetailType[]).filter((t) => INBOUND_ROLES[t] === role);
      this.route(
        `WrongSource${pascal(role)}Rule`,
        // TwinGuard itself emits `Takedown Completed`/`Failed` for its webhook connector: not an intrusion.
        { detailType: detailTypes, source: [{ 'anything-but': [this.sources[role], TWINGUARD_SOURCE] }] as unknown as string[] },
        fn,
      );
    }
  }
}

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
  if (problems.length > 0) throw new Error(`TwinGuard ${scope.node.path}: ${problems.join(' ')}`);
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
