import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { TwinGuard } from '../../infra/twinguard.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { INBOUND_ROLES } from '../../shared/model/events/roles.ts';

// Bundling is skipped: these tests check the template, not the bundles.
const app = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
/** The transparency log's functions: they read no consent, put no event and take part in no fan-out. */
const LOG_FUNCTIONS = ['functions/seal-log.ts', 'functions/log-public-key.ts'];

describe('the TwinGuard stack', () => {
  let template: Template;
  beforeAll(() => {
    const { stack } = buildApp(app());
    template = Template.fromStack(stack);
  });

  it('has one bus named twinguard, archived for replay', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'twinguard' });
    template.resourceCountIs('AWS::Events::Archive', 1);
  });

  it.each(Object.entries(INBOUND_ROLES))('routes %s only from its role’s source and accounts', (detailType, role) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': [detailType], source: [`twinguard.${role}`], account: [{ Ref: 'AWS::AccountId' }] },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it('routes known detail-types from any other source, or from another account, to the rejecting function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'detail-type': ['Consent Granted', 'Consent Revoked'],
        $or: [
          { source: [{ 'anything-but': ['twinguard.consent', 'twinguard'] }] },
          { source: ['twinguard.consent'], account: [{ 'anything-but': [{ Ref: 'AWS::AccountId' }] }] },
        ],
      },
    });
  });

  it('keeps both tables on-demand, with point-in-time recovery, retained on delete', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('gives every function a dead-letter queue and an alarm on it', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(12);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.DeadLetterConfig.TargetArn).toBeDefined();
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
    }
    template.resourceCountIs('AWS::SQS::Queue', 12);
    // One per dead-letter queue (the log's sealer and JWKS function included), and one each on overdue takedowns, stalled fan-outs, failed due work and final webhook failures.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 16);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TakedownsOverdue', Threshold: 0 });
  });

  it('alarms on stalled fan-outs, failed due work and final webhook failures, each from the metric its function emits', () => {
    for (const [metricName, service, period] of [
      ['FanoutJobsStalled', 'twinguard-sweep-due', 300],
      ['DueItemsFailed', 'twinguard-sweep-due', 300],
      ['WebhookDeliveriesFailed', 'twinguard-takedown-webhook', 3600],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'TwinGuard',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: service }],
        Statistic: 'Sum',
        Period: period,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
    // The services are the functions' POWERTOOLS_SERVICE_NAME, which names the metrics' dimension.
    const services = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(services).toEqual(expect.arrayContaining(['twinguard-sweep-due', 'twinguard-takedown-webhook']));
  });

  it('exposes every alarm in twinGuard.alarms', () => {
    const { stack } = buildApp(app());
    const tg = stack.twinGuard;
    expect(tg.alarms).toHaveLength(16);
    expect(tg.alarms).toEqual(
      expect.arrayContaining([tg.overdueAlarm, tg.stalledFanoutAlarm, tg.dueItemsFailedAlarm, tg.finalWebhookFailuresAlarm]),
    );
  });

  it('resumes fan-outs stalled for 5 minutes and redelivers final webhook failures every 6 hours, by default', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      // The log's functions take part in no fan-out.
      if (LOG_FUNCTIONS.includes(fn.Metadata['TwinGuard:Handler'])) continue;
      expect(fn.Properties.Environment.Variables[ENV.jobStall]).toBe('300');
    }
    const webhook = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment.Variables[ENV.webhook.redeliveryIntervalMs] !== undefined,
    );
    expect(
      webhook.map((f) => [f.Metadata['TwinGuard:Handler'], f.Properties.Environment.Variables[ENV.webhook.redeliveryIntervalMs]]),
    ).toEqual([['functions/takedown-webhook.ts', String(6 * 3600 * 1000)]]);
  });

  it('lets functions read and write consent, delete only due items, and only append to the audit table (the sealer: only to the log)', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const dynamo = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap((s: any) => [s.Action].flat())).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/Scan|BatchWriteItem|\*/)]),
    );
    const deletes = dynamo.filter((s: any) => [s.Action].flat().includes('dynamodb:DeleteItem'));
    expect(deletes).toHaveLength(1);
    expect(deletes[0].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DUE#*'] } });
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) =>
      JSON.stringify(p).includes('AuditTable'),
    )) {
      const audit = policy.Properties.PolicyDocument.Statement.filter((s: any) => JSON.stringify(s.Resource).includes('AuditTable'));
      if (id.includes('SealLog')) {
        // Reads and writes only keys starting LOG#: it never reads nor changes a record.
        expect(audit.map((s: any) => [s.Action, s.Condition])).toEqual([
          [
            ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
            { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOG#*'] } },
          ],
          ['dynamodb:PutItem', { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOG#*'] } }],
        ]);
      } else {
        // Appends records and their log marker, and checks the log's fence in the same transaction.
        expect(audit.map((s: any) => s.Action)).toEqual(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
        expect(audit[1].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOG#FENCE#*'] } });
      }
    }
    // Every write is narrowed to key prefixes (test/infra/roles.test.ts checks which, function by function).
    const writes = dynamo.filter((s: any) => [s.Action].flat().some((a: string) => /PutItem|UpdateItem|DeleteItem/.test(a)));
    for (const write of writes) expect(Object.keys(write.Condition)).toEqual(['ForAllValues:StringLike']);
  });

  it('seals the log every minute with a P-256 key it may only sign with, and publishes the public key as a JWKS output', () => {
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const sealer = Object.keys(
      template.findResources('AWS::Lambda::Function', { Metadata: { 'TwinGuard:Handler': 'functions/seal-log.ts' } }),
    );
    expect(sealer).toHaveLength(1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [sealer[0], 'Arn'] } }),
    });
    const kms = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    // The sealer, the two approvers (consent credentials) and the sweeper (certificates of removal) sign; the JWKS function only reads the public key.
    expect(kms.map((s: any) => JSON.stringify(s.Action)).sort()).toEqual(
      [...Array(4).fill(JSON.stringify(['kms:Sign', 'kms:GetPublicKey'])), JSON.stringify('kms:GetPublicKey')].sort(),
    );
    const signers = Object.values(template.findResources('AWS::Lambda::Function'))
      .filter((f) => f.Properties.Environment.Variables[ENV.log.signingKeyArn] !== undefined)
      .map((f) => f.Metadata['TwinGuard:Handler'])
      .sort();
    expect(signers).toEqual([
      'functions/publication-requested.ts',
      'functions/render-requested.ts',
      'functions/seal-log.ts',
      'functions/sweep-due.ts',
    ]);
    template.hasResourceProperties('Custom::TwinGuardLogJwks', { KeyArn: Match.anyValue() });
    template.hasOutput('LogJwks', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogJwks'), 'Jwks'] } });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byRecordId',
          KeySchema: [{ AttributeName: 'recordId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('re-evaluates lost grants from TwinGuard’s own events and sweeps due work every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Reevaluation Requested'], source: ['twinguard'] },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('delivers TwinGuard’s own takedown requests and retries to the webhook connector', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Takedown Requested', 'Takedown Delivery Due'], source: ['twinguard'] },
    });
  });

  it('sets on every function the variables the functions read, by the names in env-names', () => {
    const names = [
      ENV.consentTable,
      ENV.auditTable,
      ENV.eventBus,
      ENV.takedownSla,
      ...Object.values(ENV.sources),
      ...Object.values(ENV.accounts),
      ENV.channelSenders,
    ];
    const log = LOG_FUNCTIONS;
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      // The log's functions read only what they need: the audit table and the key (the sealer), the key (the JWKS).
      if (fn.Metadata['TwinGuard:Handler'] === 'functions/seal-log.ts') {
        expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(expect.arrayContaining([ENV.auditTable, ENV.log.signingKeyArn]));
      }
      if (log.includes(fn.Metadata['TwinGuard:Handler'])) continue;
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(expect.arrayContaining(names));
    }
  });

  it('names the source file of each function for the local runtime', () => {
    const entries = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Metadata['TwinGuard:Handler']);
    expect(entries).toContain('functions/render-requested.ts');
    expect(entries.every((e) => /^functions\/[a-z-]+\.ts$/.test(e))).toBe(true);
  });
});

describe('the construct in a brand’s own app', () => {
  it('attaches to an existing bus, takes other sources and a shorter SLA', () => {
    const stack = new Stack(app(), 'BrandStack');
    const bus = new EventBus(stack, 'BrandBus', { eventBusName: 'brand-bus' });
    const channels = new Secret(stack, 'Channels');
    new TwinGuard(stack, 'Consent', {
      eventBus: bus,
      channelsSecret: channels,
      webhookInstances: 5,
      sources: { consent: 'brand.legal' },
      takedownSla: Duration.minutes(15),
      fanoutStallAfter: Duration.minutes(10),
      webhookRedeliveryInterval: Duration.hours(1),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JOB_STALL_SECONDS: '600', WEBHOOK_REDELIVERY_INTERVAL_MS: '3600000' }) },
    });
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'detail-type': ['Consent Granted'], source: ['brand.legal'] } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ TAKEDOWN_SLA_SECONDS: '900', SOURCE_CONSENT: 'brand.legal', SOURCE_STUDIO: 'twinguard.studio' }),
      },
    });
    for (const table of Object.values(template.findResources('AWS::DynamoDB::GlobalTable'))) expect(table.DeletionPolicy).toBe('Delete');
    // The channel secrets reach only the webhook function, by ARN, never in the template.
    const withSecret = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment.Variables.CHANNELS_SECRET_ARN,
    );
    expect(withSecret.map((f) => f.Metadata['TwinGuard:Handler'])).toEqual(['functions/takedown-webhook.ts']);
    expect(withSecret[0]!.Properties.ReservedConcurrentExecutions).toBe(5);
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers).toHaveLength(1);
  });

  it('refuses a stall bound or redelivery interval under a minute: the sweeper runs once a minute', () => {
    const stack = new Stack(app(), 'FastStack');
    expect(() => new TwinGuard(stack, 'A', { fanoutStallAfter: Duration.seconds(30) })).toThrow(
      /FastStack\/A: fanoutStallAfter must be at least 1 minute/,
    );
    expect(() => new TwinGuard(stack, 'B', { webhookRedeliveryInterval: Duration.millis(500) })).toThrow(
      /webhookRedeliveryInterval must be at least 1 minute/,
    );
  });

  it('gives the sweeper the per-channel gone rules, and refuses a bad one at synth', () => {
    const stack = new Stack(app(), 'GoneStack');
    new TwinGuard(stack, 'Consent', { removalGoneStatuses: { web: [404, 410, 451] } });
    const sweepers = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter(
      (f) => f.Metadata['TwinGuard:Handler'] === 'functions/sweep-due.ts',
    );
    expect(sweepers.map((f) => f.Properties.Environment.Variables[ENV.removalGoneStatuses])).toEqual(['{"web":[404,410,451]}']);
    expect(() => new TwinGuard(new Stack(app(), 'BadGone'), 'A', { removalGoneStatuses: { web: [200] } })).toThrow(
      /"web": every status must be a 4xx/,
    );
  });

  it('names the bus it creates when given eventBusName alone', () => {
    const stack = new Stack(app(), 'NamedBusStack');
    new TwinGuard(stack, 'Consent', { eventBusName: 'brand-consent', archiveRetention: Duration.days(30) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'brand-consent' });
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30 });
  });

  it('rejects eventBus together with eventBusName, rather than ignoring the name', () => {
    const stack = new Stack(app(), 'BothBusStack');
    const bus = new EventBus(stack, 'BrandBus', { eventBusName: 'brand-bus' });
    expect(() => new TwinGuard(stack, 'Consent', { eventBus: bus, eventBusName: 'twinguard' })).toThrow(
      /Providing both eventBus and eventBusName is not supported: .*; pass one\./,
    );
  });

  it('rejects eventBus together with archiveRetention: only a bus TwinGuard creates is archived', () => {
    const stack = new Stack(app(), 'ArchiveStack');
    const bus = new EventBus(stack, 'BrandBus', { eventBusName: 'brand-bus' });
    expect(() => new TwinGuard(stack, 'Consent', { eventBus: bus, archiveRetention: Duration.days(30) })).toThrow(
      /Providing both eventBus and archiveRetention is not supported: .*pass one\./,
    );
  });

  it('names every conflicting pair at once, and the construct', () => {
    const stack = new Stack(app(), 'AllStack');
    const bus = new EventBus(stack, 'BrandBus', { eventBusName: 'brand-bus' });
    let message = '';
    try {
      new TwinGuard(stack, 'Consent', { eventBus: bus, eventBusName: 'twinguard', archiveRetention: Duration.days(30) });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('AllStack/Consent');
    expect(message).toContain('eventBus and eventBusName');
    expect(message).toContain('eventBus and archiveRetention');
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('pass on the shipped stack', () => {
    const { app: a } = buildApp(app());
    expect(() => a.synth()).not.toThrow();
  });

  it('would fail a stack that breaks them (the check is live)', async () => {
    const { app: a, stack } = buildApp(app());
    const { Queue } = await import('aws-cdk-lib/aws-sqs');
    new Queue(stack, 'PlainQueue');
    expect(() => a.synth()).toThrow();
  });
});
