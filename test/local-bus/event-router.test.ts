import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { BusClosedError, DuplicateRuleError, InvalidEventPatternError } from '../../local/bus/errors.ts';
import { LocalEventBus, type BusTarget } from '../../local/bus/event-router.ts';
import { BUS, entry, withTempDir } from './helpers.ts';
import { busRuntime } from './runtime.ts';

function recorder(id: string) {
  const seen: EventEnvelope[] = [];
  const target: BusTarget = {
    id,
    invoke: async (envelope) => {
      seen.push(envelope);
    },
  };
  return { seen, target };
}

function failing(id: string, failures: number) {
  let calls = 0;
  const target: BusTarget & { calls(): number } = {
    id,
    calls: () => calls,
    invoke: async () => {
      calls += 1;
      if (calls <= failures) throw new Error(`attempt ${calls} failed`);
    },
  };
  return target;
}

describe('LocalEventBus', () => {
  it('delivers an event only to the targets of rules on its bus whose pattern matches', async () => {
    const renders = recorder('renders');
    const alsoRenders = recorder('audit');
    const grants = recorder('grants');
    const otherBus = recorder('other-bus');
    const runtime = await busRuntime({
      rules: [
        {
          name: 'render',
          eventBusName: BUS,
          pattern: { 'detail-type': ['Render Requested'] },
          targets: [renders.target, alsoRenders.target],
        },
        { name: 'grant', eventBusName: BUS, pattern: { 'detail-type': ['Consent Granted'] }, targets: [grants.target] },
        { name: 'render', eventBusName: 'default', pattern: { 'detail-type': ['Render Requested'] }, targets: [otherBus.target] },
      ],
    });
    try {
      const result = await runtime.client.send(new PutEventsCommand({ Entries: [entry({ requestId: 'render-1' })] }));
      await runtime.bus.drain();

      const eventId = result.Entries?.[0]?.EventId;
      expect(renders.seen.map((e) => [e.id, e.detail])).toEqual([[eventId, { requestId: 'render-1' }]]);
      expect(alsoRenders.seen.map((e) => e.id)).toEqual([eventId]);
      expect(grants.seen).toEqual([]);
      expect(otherBus.seen).toEqual([]);
    } finally {
      await runtime.close();
    }
  });

  it('returns from publish before any target runs', async () => {
    const { seen, target } = recorder('t');
    const bus = new LocalEventBus({ rules: [{ name: 'all', eventBusName: BUS, pattern: { source: ['s'] }, targets: [target] }] });
    await bus.publish(BUS, envelope('e-1'));
    expect(seen).toEqual([]);
    await bus.drain();
    expect(seen.map((e) => e.id)).toEqual(['e-1']);
  });

  it('retries a failing target and succeeds without a dead letter when a retry works', async () => {
    const flaky = failing('flaky', 2);
    const bus = new LocalEventBus({
      retry: { firstDelayMs: 1 },
      rules: [{ name: 'all', eventBusName: BUS, pattern: { source: ['s'] }, targets: [flaky] }],
    });
    await bus.publish(BUS, envelope('e-1'));
    await bus.drain();
    expect(flaky.calls()).toBe(3);
    expect(await bus.deadLetters.list()).toEqual([]);
  });

  it('dead-letters a delivery that fails every attempt, to a directory of JSON files', async () => {
    await withTempDir(async (dir) => {
      const broken = failing('broken', Infinity);
      const healthy = recorder('healthy');
      const runtime = await busRuntime({
        deadLetterDir: dir,
        retry: { attempts: 4, firstDelayMs: 1 },
        rules: [{ name: 'render', eventBusName: BUS, pattern: { source: ['twinguard.studio'] }, targets: [broken, healthy.target] }],
      });
      try {
        const result = await runtime.client.send(new PutEventsCommand({ Entries: [entry({ requestId: 'r-9' })] }));
        // PutEvents succeeded: delivery failures are the bus's business, not the publisher's.
        expect(result.FailedEntryCount).toBe(0);
        await runtime.bus.drain();

        expect(broken.calls()).toBe(4);
        expect(healthy.seen).toHaveLength(1);
        const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
        expect(files).toHaveLength(1);
        const record: unknown = JSON.parse(await readFile(join(dir, files[0] ?? ''), 'utf8'));
        expect(record).toEqual({
          id: files[0]?.replace('.json', ''),
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          eventBusName: BUS,
          rule: 'render',
          target: 'broken',
          envelope: healthy.seen[0],
          errorMessage: 'attempt 4 failed',
          attempts: 4,
        });
        expect(await runtime.bus.deadLetters.list()).toEqual([record]);
      } finally {
        await runtime.close();
      }
    });
  });

  it('taps every event that crosses the bus, one whole JSON line each, cascades included', async () => {
    await withTempDir(async (dir) => {
      const tapFile = join(dir, 'tap.jsonl');
      const runtime = await busRuntime({ tapFile });
      // A handler that answers on the bus, as the decision functions do.
      runtime.bus.addRule({
        name: 'decide',
        eventBusName: BUS,
        pattern: { 'detail-type': ['Render Requested'] },
        targets: [
          {
            id: 'decider',
            invoke: (e) => runtime.bus.publish(BUS, { ...envelope(`answer-${e.id}`), 'detail-type': 'Render Approved' }),
          },
        ],
      });
      try {
        const big = 'x'.repeat(20_000);
        const batches = Array.from({ length: 4 }, (_, b) =>
          runtime.client.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => entry({ b, i, big })) })),
        );
        const ids = (await Promise.all(batches)).flatMap((r) => (r.Entries ?? []).map((e) => e.EventId));
        await runtime.bus.drain();

        const lines = (await readFile(tapFile, 'utf8')).split('\n');
        expect(lines.pop()).toBe('');
        const tapped = lines.map((line) => JSON.parse(line) as EventEnvelope);
        expect(tapped).toHaveLength(80);
        const inbound = tapped.filter((e) => e['detail-type'] === 'Render Requested');
        expect(new Set(inbound.map((e) => e.id))).toEqual(new Set(ids));
        expect(inbound.every((e) => (e.detail as { big: string }).big === big)).toBe(true);
        const answers = tapped.filter((e) => e['detail-type'] === 'Render Approved').map((e) => e.id);
        expect(new Set(answers)).toEqual(new Set(ids.map((id) => `answer-${id}`)));
      } finally {
        await runtime.close();
      }
    });
  });

  it('refuses a second rule of the same name on a bus', () => {
    const rule = { name: 'r', eventBusName: BUS, pattern: { source: ['s'] }, targets: [] };
    const bus = new LocalEventBus({ rules: [rule] });
    expect(() => bus.addRule(rule)).toThrow(DuplicateRuleError);
    expect(() => bus.addRule({ ...rule, eventBusName: 'default' })).not.toThrow();
  });

  it('refuses a rule whose pattern EventBridge would refuse', () => {
    const bus = new LocalEventBus();
    expect(() => bus.addRule({ name: 'bad', eventBusName: BUS, pattern: { source: 'not-a-list' }, targets: [] })).toThrow(
      InvalidEventPatternError,
    );
  });

  it('finishes pending deliveries on close, then refuses events', async () => {
    const flaky = failing('flaky', 1);
    const bus = new LocalEventBus({
      retry: { firstDelayMs: 1 },
      rules: [{ name: 'all', eventBusName: BUS, pattern: { source: ['s'] }, targets: [flaky] }],
    });
    await bus.publish(BUS, envelope('e-1'));
    await bus.close();
    expect(flaky.calls()).toBe(2);
    await expect(bus.publish(BUS, envelope('e-2'))).rejects.toBeInstanceOf(BusClosedError);
  });
});

function envelope(id: string): EventEnvelope {
  return {
    version: '0',
    id,
    'detail-type': 'Test',
    source: 's',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'eu-north-1',
    resources: [],
    detail: {},
  };
}
