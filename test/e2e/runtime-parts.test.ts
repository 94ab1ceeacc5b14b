import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { synthesizeTemplate, type Template } from '../../local/app/synthesize.ts';
import { HandlerTimeoutError, TemplateError, UsageError } from '../../local/runtime/errors.ts';
import { parseFlags } from '../../local/runtime/flags.ts';
import { applyEnvironment, handlerEnvironment } from '../../local/runtime/handler-env.ts';
import { LambdaInvoker, REPOSITORY_ROOT } from '../../local/runtime/lambda-invoker.ts';
import { ScheduleTicker, schedulePayload } from '../../local/runtime/schedules.ts';
import { routesFromTemplate, type FunctionSpec, type ScheduleSpec } from '../../local/runtime/template-routing.ts';

const fn = (id: string, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Metadata: { 'TwinGuard:Handler': `functions/${id}.ts` },
  Properties: { Handler: 'index.handler', ...extra },
});
const target = (id: string, extra: Record<string, unknown> = {}) => ({ Id: 'Target0', Arn: { 'Fn::GetAtt': [id, 'Arn'] }, ...extra });

describe('routesFromTemplate', () => {
  const template: Template = {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'twinguard' } },
      Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
      Worker: fn('worker', {
        Timeout: 30,
        MemorySize: 512,
        Environment: {
          Variables: {
            TABLE: { Ref: 'Table' },
            BUS: { Ref: 'Bus' },
            TABLE_ARN: { 'Fn::GetAtt': ['Table', 'Arn'] },
            JOINED: { 'Fn::Join': ['/', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'x']] },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
            SUBBED: { 'Fn::Sub': ['${Bus}:${Bus.Arn}:${Extra}:${!Literal}', { Extra: 'e' }] },
            PLAIN: 'plain',
          },
        },
      }),
      Unused: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
      OnBus: {
        Type: 'AWS::Events::Rule',
        Properties: { EventBusName: { Ref: 'Bus' }, EventPattern: { source: ['a'] }, State: 'ENABLED', Targets: [target('Worker')] },
      },
      OnArnString: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: 'named-rule',
          EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/partner-bus',
          EventPattern: '{"source":["b"]}',
          Targets: [target('Worker', { Input: '{"fixed":true}' })],
        },
      },
      OnDefault: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['c'] }, Targets: [target('Worker')] } },
      Disabled: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: ['d'] }, State: 'DISABLED', Targets: [target('Worker')] },
      },
      Sweep: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: { ScheduleExpression: 'rate(1 minute)', Target: { Arn: { 'Fn::GetAtt': ['Worker', 'Arn'] }, Input: '{"n":1}' } },
      },
    },
  };

  it('reads rules with their bus, pattern and Lambda targets, and skips disabled ones', () => {
    const routes = routesFromTemplate(template, new Map([['Table', 'local-table']]));

    expect(routes.rules).toEqual([
      { name: 'OnBus', eventBusName: 'twinguard', pattern: { source: ['a'] }, targets: [{ id: 'Target0', functionId: 'Worker' }] },
      {
        name: 'named-rule',
        eventBusName: 'partner-bus',
        pattern: { source: ['b'] },
        targets: [{ id: 'Target0', functionId: 'Worker', input: { fixed: true } }],
      },
      { name: 'OnDefault', eventBusName: 'default', pattern: { source: ['c'] }, targets: [{ id: 'Target0', functionId: 'Worker' }] },
    ]);
    expect(routes.eventBuses.sort()).toEqual(['default', 'partner-bus', 'twinguard']);
    expect(routes.schedules).toEqual([
      {
        name: 'Sweep',
        arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/Sweep',
        expression: 'rate(1 minute)',
        functionId: 'Worker',
        input: '{"n":1}',
      },
    ]);
  });

  it('resolves the environment of the functions it invokes to local names, and only of those', () => {
    const routes = routesFromTemplate(template, new Map([['Table', 'local-table']]));

    expect([...routes.functions.keys()]).toEqual(['Worker']);
    expect(routes.functions.get('Worker')).toEqual({
      logicalId: 'Worker',
      name: 'Worker',
      source: 'functions/worker.ts',
      exportName: 'handler',
      timeoutSeconds: 30,
      memoryMb: 512,
      environment: {
        TABLE: 'local-table',
        BUS: 'twinguard',
        TABLE_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/local-table',
        JOINED: 'us-east-1/000000000000/x',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
        SUBBED: 'twinguard:arn:aws:events:us-east-1:000000000000:event-bus/twinguard:e:${Literal}',
        PLAIN: 'plain',
      },
    });
  });

  it.each<[string, Template['Resources'], RegExp]>([
    [
      'a target that is not a function',
      {
        Q: { Type: 'AWS::SQS::Queue' },
        R: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['a'] }, Targets: [target('Q')] } },
      },
      /rule R target Target0: only Lambda functions of this template can be targets locally, found arn:aws:sqs:us-east-1:000000000000:Q/,
    ],
    [
      'a function without its source metadata',
      {
        F: { Type: 'AWS::Lambda::Function', Properties: {} },
        R: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['a'] }, Targets: [target('F')] } },
      },
      /function F has no TwinGuard:Handler metadata/,
    ],
    [
      'an input transformer',
      {
        F: fn('f'),
        R: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['a'] }, Targets: [target('F', { InputTransformer: {} })] } },
      },
      /rule R target Target0: InputTransformer is not supported locally/,
    ],
    [
      'a one-time schedule',
      {
        F: fn('f'),
        S: { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: 'at(2026-01-01T00:00:00)', Target: target('F') } },
      },
      /schedule S: only rate\(\) and cron\(\) schedules run locally/,
    ],
    [
      'an intrinsic with no local meaning',
      {
        F: fn('f', { Environment: { Variables: { X: { 'Fn::ImportValue': 'other-stack' } } } }),
        R: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['a'] }, Targets: [target('F')] } },
      },
      /function F environment variable X: Fn::ImportValue "other-stack" is not supported by the local runtime/,
    ],
  ])('refuses %s with a TemplateError saying where', (_, resources, message) => {
    expect(() => routesFromTemplate({ Resources: resources })).toThrow(TemplateError);
    expect(() => routesFromTemplate({ Resources: resources })).toThrow(message);
  });

  it('finds, in the real CDK app, every rule and schedule, each invoking a function whose source exists', () => {
    const synthesized = synthesizeTemplate();
    const count = (type: string) => Object.values(synthesized.Resources).filter((r) => r.Type === type).length;

    const routes = routesFromTemplate(synthesized);

    expect(routes.rules).toHaveLength(count('AWS::Events::Rule'));
    expect(routes.schedules).toHaveLength(count('AWS::Scheduler::Schedule'));
    expect(routes.eventBuses).toEqual(['twinguard']);
    for (const spec of routes.functions.values()) expect(existsSync(join(REPOSITORY_ROOT, spec.source)), spec.source).toBe(true);
    const sources = new Set([...routes.functions.values()].map((f) => f.source));
    expect(sources).toContain('functions/render-requested.ts');
  });
});

describe('handlerEnvironment', () => {
  const spec = (logicalId: string, environment: Record<string, string>): FunctionSpec => ({
    logicalId,
    name: logicalId,
    source: 'x.ts',
    exportName: 'handler',
    timeoutSeconds: 3,
    memoryMb: 128,
    environment,
  });
  const base = { dynamoDbEndpoint: 'http://127.0.0.1:1', eventBridgeEndpoint: 'http://127.0.0.1:2', takedownSlaSeconds: 60 };

  it('merges the functions, points the SDK at the local endpoints, and applies the flags', () => {
    const env = handlerEnvironment(
      [
        spec('A', {
          CONSENT_TABLE_NAME: 't',
          POWERTOOLS_SERVICE_NAME: 'twinguard-a',
          NODE_OPTIONS: '--enable-source-maps',
          TAKEDOWN_SLA_SECONDS: '3600',
          CHANNELS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:Channels',
        }),
        spec('B', { CONSENT_TABLE_NAME: 't', POWERTOOLS_SERVICE_NAME: 'twinguard-b', ONLY_B: 'b' }),
      ],
      { ...base, channelsFile: '/abs/channels.json', outer: { WEBHOOK_MAX_ATTEMPTS: '9' } },
    );

    expect(env.set).toMatchObject({
      CONSENT_TABLE_NAME: 't',
      ONLY_B: 'b',
      POWERTOOLS_SERVICE_NAME: 'twinguard-local',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:2',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      TAKEDOWN_SLA_SECONDS: '60',
      CHANNELS_FILE: '/abs/channels.json',
      WEBHOOK_BASE_DELAY_MS: '1000',
      WEBHOOK_MAX_ATTEMPTS: '9',
    });
    expect(env.set).not.toHaveProperty('NODE_OPTIONS');
    expect(env.set).not.toHaveProperty('CHANNELS_SECRET_ARN');
    expect(env.warnings).toEqual([]);
    expect(env.unset).toEqual(expect.arrayContaining(['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'CHANNELS_SECRET_ARN']));
    expect(env.unset).not.toContain('CHANNELS_FILE');
  });

  it('has the sealer sign with the local key file, never a KMS key, and close its queue 2 s behind now', () => {
    const env = handlerEnvironment([spec('Seal', { LOG_SIGNING_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/LogKey' })], {
      ...base,
      logSigningKeyFile: '/state/log/signing-key.jwk',
    });
    expect(env.set).toMatchObject({ LOG_SIGNING_KEY_FILE: '/state/log/signing-key.jwk', LOG_SEAL_GRACE_SECONDS: '2' });
    expect(env.set).not.toHaveProperty('LOG_SIGNING_KEY_ARN');
    expect(env.unset).toContain('LOG_SIGNING_KEY_ARN');
  });

  it('warns when functions disagree on a variable they would share, and unsets CHANNELS_FILE without --channels', () => {
    const env = handlerEnvironment([spec('A', { MODE: 'x' }), spec('B', { MODE: 'y' })], { ...base, verbose: true });

    expect(env.warnings).toEqual(['MODE is "x" in A but "y" in B; locally every handler sees the first']);
    expect(env.set['POWERTOOLS_LOG_LEVEL']).toBe('INFO');
    expect(env.unset).toContain('CHANNELS_FILE');

    const target: NodeJS.ProcessEnv = { AWS_PROFILE: 'prod', CHANNELS_FILE: '/old', KEPT: 'k' };
    applyEnvironment(env, target);
    expect(target).toMatchObject({ KEPT: 'k', MODE: 'x', AWS_ACCESS_KEY_ID: 'local' });
    expect(target).not.toHaveProperty('AWS_PROFILE');
    expect(target).not.toHaveProperty('CHANNELS_FILE');
  });
});

describe('parseFlags', () => {
  it('defaults to port 4010, a one-hour SLA and state in .twinguard/ of the working directory', () => {
    expect(parseFlags([], '/work')).toEqual({
      port: 4010,
      takedownSlaSeconds: 3600,
      dataDir: '/work/.twinguard',
      stateDir: '/work/.twinguard',
      fresh: false,
      quiet: false,
      verbose: false,
      help: false,
    });
  });

  it('resolves paths against the working directory; --in-memory keeps no data directory but the default state folder', () => {
    const flags = parseFlags(
      [
        '--port',
        '4999',
        '--tap',
        'tap.jsonl',
        '--channels',
        '/etc/ch.json',
        '--accounts',
        'keys.json',
        '--takedown-sla',
        '2.5',
        '--in-memory',
      ],
      '/work',
    );
    expect(flags).toEqual({
      port: 4999,
      tapFile: resolve('/work', 'tap.jsonl'),
      channelsFile: '/etc/ch.json',
      accountsFile: resolve('/work', 'keys.json'),
      takedownSlaSeconds: 2.5,
      stateDir: '/work/.twinguard',
      fresh: false,
      quiet: false,
      verbose: false,
      help: false,
    });
  });

  it('names a value-less or boolean-with-value flag', () => {
    expect(() => parseFlags(['--port'])).toThrow(new UsageError('--port needs a value; run "npm start -- --help" to see the flags'));
    expect(() => parseFlags(['--in-memory=yes'])).toThrow(/^--in-memory takes no value/);
  });
});

describe('ScheduleTicker', () => {
  const spec = (input?: string): ScheduleSpec => ({
    name: 'Sweep',
    arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/Sweep',
    expression: 'rate(1 minute)',
    functionId: 'F',
    ...(input !== undefined && { input }),
  });

  it('fills in the scheduler context attributes and parses the Input; {} without one', () => {
    const at = new Date('2026-05-01T12:00:00.123Z');
    expect(
      schedulePayload(
        spec('{"t":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>","n":<aws.scheduler.attempt-number>}'),
        at,
      ),
    ).toEqual({
      t: '2026-05-01T12:00:00Z',
      arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/Sweep',
      n: 1,
    });
    expect(schedulePayload(spec(), at)).toEqual({});
    expect(() => new ScheduleTicker([{ spec: spec('{not json'), invoke: async () => undefined }])).toThrow(TemplateError);
  });

  it('never overlaps two invocations of a schedule, reports a failure once per streak and the recovery', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const reports: string[] = [];
    const ticker = new ScheduleTicker(
      [
        {
          spec: spec('{}'),
          invoke: async () => {
            calls++;
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await sleep(30); // longer than the tick
            inFlight--;
            if (calls <= 3) throw new Error('table not ready');
          },
        },
      ],
      {
        tickMs: 5,
        onError: (name, error) => reports.push(`${name}: ${(error as Error).message}`),
        onRecovered: (name) => reports.push(`${name} ok`),
      },
    );
    ticker.start();
    while (calls < 5) await sleep(10);
    await ticker.stop();

    expect(maxInFlight).toBe(1);
    expect(inFlight).toBe(0);
    expect(reports).toEqual(['Sweep: table not ready', 'Sweep ok']);
  });
});

describe('LambdaInvoker', () => {
  const spec = (exportName: string, timeoutSeconds = 3): FunctionSpec => ({
    logicalId: 'Fn',
    name: 'local-fn',
    source: 'functions/fn.ts',
    exportName,
    timeoutSeconds,
    memoryMb: 256,
    environment: {},
  });

  it('imports the module once, at the first invocation, and passes a Lambda context', async () => {
    const loaded: string[] = [];
    const invoker = new LambdaInvoker(spec('handler'), {
      root: '/repo',
      load: async (path) => {
        loaded.push(path);
        return { handler: async (event: unknown, context: any) => ({ event, context, left: context.getRemainingTimeInMillis() }) };
      },
    });
    expect(loaded).toEqual([]);

    const first = (await invoker.invoke({ a: 1 })) as any;
    const second = (await invoker.invoke({ a: 2 })) as any;

    expect(loaded).toEqual(['/repo/functions/fn.ts']);
    expect(first.event).toEqual({ a: 1 });
    expect(first.context).toMatchObject({
      functionName: 'local-fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:local-fn',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/local-fn',
    });
    expect(first.left).toBeGreaterThan(0);
    expect(first.left).toBeLessThanOrEqual(3000);
    expect(second.context.awsRequestId).not.toBe(first.context.awsRequestId);
  });

  it('fails an invocation that outlives the timeout, and one whose module lacks the export', async () => {
    const slow = new LambdaInvoker(spec('handler', 0.05), { load: async () => ({ handler: () => sleep(1000) }) });
    await expect(slow.invoke({})).rejects.toThrow(new HandlerTimeoutError('local-fn', 0.05));

    const missing = new LambdaInvoker(spec('main'), { load: async () => ({ handler: () => 1 }) });
    await expect(missing.invoke({})).rejects.toThrow('functions/fn.ts does not export a function named main');
  });

  it('tries a failed import again at the next invocation, as a new cold start would', async () => {
    let attempts = 0;
    const invoker = new LambdaInvoker(spec('handler'), {
      load: async () => {
        if (++attempts === 1) throw new Error('syntax error');
        return { handler: () => 'ok' };
      },
    });
    await expect(invoker.invoke({})).rejects.toThrow('syntax error');
    await expect(invoker.invoke({})).resolves.toBe('ok');
  });
});
