import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { entrySize as localBusEntrySize } from '../../local/bus/put-events.ts';
import { startPutEventsServer, type PutEventsServer } from '../../local/bus/put-events-server.ts';
import { InvalidEventError, PutEventsError, TwinGuardClient, entrySize, type InboundEvent } from '../../client/index.ts';
import { INBOUND_EXAMPLES } from '../../shared/model/events/examples.ts';

interface WireEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Time?: number;
  Resources?: string[];
}

type Answer = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/**
 * A real PutEvents endpoint (AWS JSON 1.1 over HTTP) whose answer per entry the test scripts;
 * it records every request, so a test sees exactly what was sent and resent.
 */
async function scriptedBus(answer: (entry: WireEntry, call: number) => Answer | 'request-error') {
  const requests: WireEntry[][] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { Entries } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: WireEntry[] };
    requests.push(Entries);
    const answers = Entries.map((e) => answer(e, requests.length));
    if (answers.includes('request-error')) {
      const text = JSON.stringify({ __type: 'ValidationException', message: 'refused by the test' });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'ValidationException' }).end(text);
      return;
    }
    const results = answers as Answer[];
    const text = JSON.stringify({ Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function eventBridge(url: string): EventBridgeClient {
  const client = new EventBridgeClient({
    endpoint: url,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  closers.push(async () => client.destroy());
  return client;
}

function client(url: string, sleeps: number[] = [], extra: Partial<ConstructorParameters<typeof TwinGuardClient>[0]> = {}) {
  return new TwinGuardClient({
    eventBridge: eventBridge(url),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...extra,
  });
}

const renders = (n: number, pad = ''): InboundEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    detailType: 'Render Requested',
    detail: { ...INBOUND_EXAMPLES['Render Requested'], requestId: `render-${i}`, campaignId: pad },
  }));

const requestIdOf = (e: WireEntry) => (JSON.parse(e.Detail) as { requestId: string }).requestId;
const ok = (e: WireEntry): Answer => ({ EventId: `id-${requestIdOf(e)}` });

describe('TwinGuardClient.send: batching', () => {
  it('sends 25 events in requests of 10, 10 and 5, each with its role source, and returns the EventIds in order', async () => {
    const bus = await scriptedBus(ok);
    const report = await client(bus.url).send(renders(25));
    expect(bus.requests.map((r) => r.length)).toEqual([10, 10, 5]);
    expect(report.failed).toEqual([]);
    expect(report.sent.map((s) => s.eventId)).toEqual(renders(25).map((_, i) => `id-render-${i}`));
    expect(new Set(bus.requests.flat().map((e) => `${e.EventBusName} ${e.Source} ${e.DetailType}`))).toEqual(
      new Set(['twinguard twinguard.studio Render Requested']),
    );
  });

  it('keeps each request within 256 KiB as EventBridge counts it, against the local bus that enforces it', async () => {
    const received: string[] = [];
    const server: PutEventsServer = await startPutEventsServer({
      eventBuses: ['twinguard'],
      onEvent: (_bus, envelope) => {
        received.push((envelope.detail as { requestId: string }).requestId);
      },
    });
    closers.push(() => server.close());
    // ~100 KB each, multi-byte characters, so bytes and string length differ: 2 per request.
    const big = renders(7, 'é'.repeat(50_000));
    const report = await client(server.url).send(big);
    expect(report.failed).toEqual([]);
    expect(received).toEqual(big.map((e) => (e.detail as { requestId: string }).requestId));

    const bus = await scriptedBus(ok);
    await client(bus.url).send(big);
    expect(bus.requests.map((r) => r.length)).toEqual([2, 2, 2, 1]);
    for (const request of bus.requests) {
      expect(request.reduce((sum, e) => sum + localBusEntrySize(e), 0)).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it('counts entry sizes as the local bus does (UTF-8 bytes of Source, DetailType, Detail, Resources; 14 for a Time)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    fc.assert(
      fc.property(text, text, text, fc.array(text, { maxLength: 3 }), fc.boolean(), (Source, DetailType, Detail, Resources, timed) => {
        const sdk = { Source, DetailType, Detail, Resources, ...(timed && { Time: new Date() }) };
        const wire = { Source, DetailType, Detail, Resources, ...(timed && { Time: 1_780_000_000 }) };
        expect(entrySize(sdk)).toBe(localBusEntrySize(wire));
      }),
    );
  });
});

describe('TwinGuardClient.send: resending', () => {
  it('resends only the entries that failed with a retryable code, with growing backoff, until they pass', async () => {
    const failures = new Map([
      ['render-3', 1],
      ['render-7', 1],
      ['render-5', 2],
    ]);
    const bus = await scriptedBus((e) => {
      const left = failures.get(requestIdOf(e)) ?? 0;
      if (left === 0) return ok(e);
      failures.set(requestIdOf(e), left - 1);
      return requestIdOf(e) === 'render-5'
        ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
        : { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
    });
    const sleeps: number[] = [];
    const report = await client(bus.url, sleeps).send(renders(10));
    expect(bus.requests.map((r) => r.map(requestIdOf))).toEqual([
      renders(10).map((_, i) => `render-${i}`),
      ['render-3', 'render-5', 'render-7'],
      ['render-5'],
    ]);
    expect(sleeps).toEqual([100, 200]);
    expect(report.failed).toEqual([]);
    expect(report.sent.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reports entries that still fail: a permanent error at once, a retryable one after the last attempt', async () => {
    const bus = await scriptedBus((e) => {
      if (requestIdOf(e) === 'render-1') return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      if (requestIdOf(e) === 'render-2') return { ErrorCode: 'InternalFailure', ErrorMessage: 'still down' };
      return ok(e);
    });
    const sleeps: number[] = [];
    const report = await client(bus.url, sleeps, { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 } }).send(renders(4));
    expect(report.failed).toEqual([
      { index: 1, detailType: 'Render Requested', errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.', attempts: 1 },
      { index: 2, detailType: 'Render Requested', errorCode: 'InternalFailure', errorMessage: 'still down', attempts: 3 },
    ]);
    expect(report.sent.map((s) => s.index)).toEqual([0, 3]);
    expect(bus.requests.map((r) => r.length)).toEqual([4, 1, 1]);
    expect(sleeps).toEqual([10, 15]);
  });

  it('reports every entry of a request that failed as a whole, without resending a permanent refusal', async () => {
    const bus = await scriptedBus(() => 'request-error');
    const report = await client(bus.url).send(renders(3));
    expect(report.sent).toEqual([]);
    expect(report.failed.map((f) => [f.index, f.errorCode, f.attempts])).toEqual([
      [0, 'ValidationException', 1],
      [1, 'ValidationException', 1],
      [2, 'ValidationException', 1],
    ]);
    expect(bus.requests).toHaveLength(1);
  });

  it('throws PutEventsError from a one-event function whose event was not accepted', async () => {
    const bus = await scriptedBus(() => ({ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' }));
    const twinguard = client(bus.url);
    await expect(twinguard.renderRequested(INBOUND_EXAMPLES['Render Requested'])).rejects.toThrow(PutEventsError);
    await expect(twinguard.renderRequested(INBOUND_EXAMPLES['Render Requested'])).rejects.toThrow(
      'Render Requested was not accepted after 1 attempts: NotAuthorizedForSourceException: Not authorized for the source.',
    );
  });
});

describe('TwinGuardClient: bad input', () => {
  it('refuses an invalid event before sending anything, naming the field', async () => {
    const bus = await scriptedBus(ok);
    const twinguard = client(bus.url);
    const { twinIds: _, ...withoutTwins } = INBOUND_EXAMPLES['Render Requested'];
    // @ts-expect-error twinIds is required: the type says so before the run time does
    const missing = twinguard.renderRequested(withoutTwins);
    await expect(missing).rejects.toThrow(new InvalidEventError('Render Requested', [{ path: 'detail.twinIds', message: 'is required' }]));
    const wrongMedia = { ...INBOUND_EXAMPLES['Consent Granted'], scope: { ...INBOUND_EXAMPLES['Consent Granted'].scope, media: [] } };
    await expect(twinguard.consentGranted(wrongMedia)).rejects.toThrow(
      /^Consent Granted: detail\.scope\.media must list at least one value$/,
    );
    expect(bus.requests).toEqual([]);
  });

  it('refuses a whole batch when one event is invalid, saying which', async () => {
    const bus = await scriptedBus(ok);
    const batch = renders(4);
    (batch[2]!.detail as Record<string, unknown>)['medium'] = 7;
    await expect(client(bus.url).send(batch)).rejects.toThrow(
      /^Render Requested \(event 2\): detail\.medium must be a string, got number$/,
    );
    expect(bus.requests).toEqual([]);
  });

  it('refuses a detail-type that is not inbound, listing those that are', async () => {
    const bus = await scriptedBus(ok);
    const wrong = { detailType: 'Render Approved', detail: {} } as unknown as InboundEvent;
    await expect(client(bus.url).send([wrong])).rejects.toThrow(
      /detail-type is not an inbound event; one of Consent Granted, .*Takedown Failed/,
    );
  });

  it('refuses an event too large for one PutEvents request, before sending', async () => {
    const bus = await scriptedBus(ok);
    const [huge] = renders(1, 'x'.repeat(256 * 1024));
    await expect(client(bus.url).send([huge!])).rejects.toThrow(/detail makes an entry of \d+ bytes; PutEvents takes at most 262144/);
    expect(bus.requests).toEqual([]);
  });

  it('sends the detail as given, unknown fields included, with the configured bus and sources', async () => {
    const bus = await scriptedBus(ok);
    const twinguard = client(bus.url, [], {
      eventBusName: 'arn:aws:events:eu-north-1:123456789012:event-bus/brand',
      sources: { consent: 'brand.legal' },
    });
    const at = new Date('2026-05-01T12:00:00Z');
    const withTicket = { ...INBOUND_EXAMPLES['Consent Revoked'], ticket: 'LEGAL-12' };
    await twinguard.consentRevoked(withTicket, { time: at, resources: ['arn:x'] });
    expect(bus.requests[0]).toEqual([
      {
        EventBusName: 'arn:aws:events:eu-north-1:123456789012:event-bus/brand',
        Source: 'brand.legal',
        DetailType: 'Consent Revoked',
        Detail: JSON.stringify({ ...INBOUND_EXAMPLES['Consent Revoked'], ticket: 'LEGAL-12' }),
        Time: at.getTime() / 1000,
        Resources: ['arn:x'],
      },
    ]);
  });
});
