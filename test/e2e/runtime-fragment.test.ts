import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Template } from '../../local/app/synthesize.ts';
import { DirectoryDeadLetterStore } from '../../local/bus/dead-letter-store.ts';
import { startRuntime, type Runtime } from '../../local/runtime/runtime.ts';
import { fixtureState } from './fixtures/handlers.ts';
import { eventBridge } from './support.ts';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';

const HANDLERS = 'test/e2e/fixtures/handlers.ts';

/** A hand-written fragment in the shape CDK synthesizes: a bus, a table, a schedule and a rule. */
const template: Template = {
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'fragment-bus' } },
    Table: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      },
    },
    TickFunction: {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'TwinGuard:Handler': HANDLERS },
      Properties: {
        Handler: 'index.tick',
        Timeout: 7,
        Environment: {
          Variables: {
            FRAGMENT_TABLE: { Ref: 'Table' },
            FRAGMENT_BUS: { Ref: 'Bus' },
            FRAGMENT_BUS_ARN: { 'Fn::GetAtt': ['Bus', 'Arn'] },
            TAKEDOWN_SLA_SECONDS: '3600',
          },
        },
      },
    },
    TickSchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': ['TickFunction', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
          Input: '{"sweep":"due","at":"<aws.scheduler.scheduled-time>"}',
        },
      },
    },
    SchedulerRole: { Type: 'AWS::IAM::Role', Properties: {} },
    FailingFunction: { Type: 'AWS::Lambda::Function', Metadata: { 'TwinGuard:Handler': HANDLERS }, Properties: { Handler: 'index.fails' } },
    FailingRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['fragment.test'], 'detail-type': [{ prefix: 'Doomed' }] },
        State: 'ENABLED',
        Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['FailingFunction', 'Arn'] } }],
      },
    },
  },
};

describe('the runtime on a hand-written template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-fragment-'));
  let runtime: Runtime;

  beforeAll(async () => {
    runtime = await startRuntime({
      port: 0,
      template,
      dataDir: dir,
      takedownSlaSeconds: 42,
      tickMs: 50,
      retry: { attempts: 2, firstDelayMs: 10 },
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('invokes the scheduled function at every tick, one invocation at a time, with the Input parsed', async () => {
    const state = fixtureState();
    while (state.calls.length < 4) await sleep(20);

    expect(state.maxInFlight).toBe(1);
    const [first] = state.calls;
    expect(first!.event).toEqual({ sweep: 'due', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(first!.functionName).toBe('TickFunction');
    expect(first!.remainingMs).toBeGreaterThan(0);
    expect(first!.remainingMs).toBeLessThanOrEqual(7000);
  });

  it('gives handlers the template environment resolved to local names, with the flags applied', () => {
    expect(fixtureState().calls[0]!.env).toEqual({
      table: 'Table',
      bus: 'fragment-bus',
      busArn: 'arn:aws:events:us-east-1:000000000000:event-bus/fragment-bus',
      sla: '42',
    });
  });

  it('routes by the rule pattern; a handler that keeps failing is retried, then dead-lettered', async () => {
    const client = eventBridge(runtime.url);
    const out = await client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'fragment-bus', Source: 'fragment.test', DetailType: 'Doomed Event', Detail: '{"n":1}' }],
      }),
    );
    client.destroy();
    const eventId = out.Entries?.[0]?.EventId;

    const store = new DirectoryDeadLetterStore(join(dir, 'dead-letters'));
    let letters = await store.list();
    while (letters.length === 0) letters = await sleep(20).then(() => store.list());
    expect(letters).toEqual([
      expect.objectContaining({
        eventBusName: 'fragment-bus',
        rule: 'FailingRule',
        target: 'Target0',
        errorMessage: 'fails on purpose',
        attempts: 2,
        envelope: expect.objectContaining({ id: eventId, 'detail-type': 'Doomed Event', detail: { n: 1 } }),
      }),
    ]);
  });

  it('stops ticking on stop(), after the invocation under way has finished', async () => {
    const state = fixtureState();
    await runtime.stop();
    expect(state.inFlight).toBe(0);
    const calls = state.calls.length;
    await sleep(200);
    expect(state.calls.length).toBe(calls);
  });
});
