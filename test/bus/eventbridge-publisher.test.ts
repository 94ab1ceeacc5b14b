import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startPutEventsServer, type PutEventsServer } from '../../local/bus/put-events-server.ts';
import {
  EventBridgePublisher,
  EventTooLargeError,
  entrySize,
  MAX_BYTES_PER_CALL,
  packEntries,
  PublishError,
} from '../../shared/adapters/eventbridge/eventbridge-publisher.ts';
import type { EventEnvelope, OutboundEvent } from '../../shared/model/events/envelope.ts';

const events = (n: number): OutboundEvent[] =>
  Array.from({ length: n }, (_, i) => ({ detailType: 'Takedown Delivery Due', detail: { takedownId: `td-${i}`, attempt: 2 } }));

const takedownIdOf = (e: OutboundEvent) => (e.detail as { takedownId: string }).takedownId;

describe('EventBridgePublisher against the local PutEvents endpoint', () => {
  let server: PutEventsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

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

  it('packs calls by bytes as well as count: 25 takedowns of 27 KB (10 of them 270 KB) all arrive, in order (issue 8, failure 2)', async () => {
    const received: string[] = [];
    const publisher = await bus((e) => received.push((e.detail as { takedownId: string }).takedownId));
    const big = events(25).map(
      (e) => ({ ...e, detail: { ...e.detail, url: `https://example.invalid/${'u'.repeat(27 * 1024)}` } }) as OutboundEvent,
    );
    await publisher.publish(big);
    expect(received).toEqual(events(25).map((e) => (e.detail as { takedownId: string }).takedownId));
  });

  it('counts bytes as EventBridge does: UTF-8 of Source, DetailType, Detail and resources, 14 for a Time', () => {
    expect(entrySize({ Source: 'twinguard', DetailType: 'Ä', Detail: '{"a":"€"}' })).toBe(9 + 2 + 11);
    expect(entrySize({ Source: 's', DetailType: 'd', Detail: '{}', Resources: ['arn:x'], Time: new Date() })).toBe(1 + 1 + 2 + 5 + 14);
  });

  it('never puts more than 10 entries or 256 KB in one call, and keeps the order', () => {
    const entry = (i: number, kb: number) => ({
      Source: 'twinguard',
      DetailType: 'T',
      Detail: JSON.stringify({ i, pad: 'x'.repeat(kb * 1024) }),
    });
    const entries = [...Array.from({ length: 23 }, (_, i) => entry(i, 1)), ...Array.from({ length: 30 }, (_, i) => entry(23 + i, 100))];
    const batches = packEntries(entries);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(batch.reduce((sum, e) => sum + entrySize(e), 0)).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    }
    expect(batches.flat()).toEqual(entries);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5, ...Array.from({ length: 14 }, () => 2)]);
  });

  it('an event over 256 KB on its own fails clearly, before anything is sent', async () => {
    const received: EventEnvelope[] = [];
    const publisher = await bus((e) => received.push(e));
    const huge = { detailType: 'Takedown Requested', detail: { url: 'u'.repeat(MAX_BYTES_PER_CALL) } } as OutboundEvent;
    const attempt = publisher.publish([...events(3), huge]);
    await expect(attempt).rejects.toThrow(EventTooLargeError);
    await expect(attempt).rejects.toThrow(/"Takedown Requested" event of \d+ bytes is over the PutEvents entry limit of 262144 bytes/);
    expect(received).toEqual([]);
  });
});
