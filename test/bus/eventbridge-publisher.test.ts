import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startPutEventsServer, type PutEventsServer } from '../../local/bus/put-events-server.ts';
import { EventBridgePublisher, PublishError } from '../../shared/adapters/eventbridge/eventbridge-publisher.ts';
import type { EventEnvelope, OutboundEvent } from '../../shared/model/events/envelope.ts';

const events = (n: number): OutboundEvent[] =>
  Array.from({ length: n }, (_, i) => ({ detailType: 'Takedown Delivery Due', detail: { takedownId: `td-${i}`, attempt: 2 } }));

const takedownIdOf = (e: OutboundEvent) => (e.detail as { takedownId: string }).takedownId;

describe('EventBridgePublisher against the local PutEvents endpoint', () => {
  let server: PutEventsServer | undefined;
  afterEach(async () => server?.close());

  async function bus(onEvent: (e: EventEnvelope) => void) {
    server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: (_bus, e) => onEvent(e) });
    const client = new EventBridgeClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    return new EventBridgePublisher(client, 'twinguard', async () => {});
  }

  it('sends 25 events in calls of at most 10, as source twinguard', async () => {
    const received: EventEnvelope[] = [];
    const publisher = await bus((e) => received.push(e));
    await publisher.publish(events(25));
    expect(received.map((e) => (e.detail as { takedownId: string }).takedownId)).toEqual(events(25).map(takedownIdOf));
    expect(new Set(received.map((e) => e.source))).toEqual(new Set(['twinguard']));
  });

  it('resends only the entries PutEvents failed, so each arrives once', async () => {
    const received: string[] = [];
    const refusedOnce = new Set(['td-3', 'td-7']);
    const publisher = await bus((e) => {
      const id = (e.detail as { takedownId: string }).takedownId;
      if (refusedOnce.delete(id)) throw new Error('throttled');
      received.push(id);
    });
    await publisher.publish(events(10));
    expect(received.sort()).toEqual(events(10).map(takedownIdOf).sort());
  });

  it('throws when entries keep failing, so the invocation is retried instead of an event lost', async () => {
    const publisher = await bus((e) => {
      if ((e.detail as { takedownId: string }).takedownId === 'td-1') throw new Error('down');
    });
    await expect(publisher.publish(events(3))).rejects.toThrow(PublishError);
  });
});
