import { ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { BUS, entry, recordingServer, REGION } from './helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUS_ARN = `arn:aws:events:${REGION}:000000000000:event-bus/${BUS}`;

type Setup = Awaited<ReturnType<typeof recordingServer>>;
let setup: Setup | undefined;

async function start(options?: Parameters<typeof recordingServer>[0]): Promise<Setup> {
  setup = await recordingServer(options);
  return setup;
}

afterEach(async () => {
  setup?.client.destroy();
  await setup?.server.close();
  setup = undefined;
});

describe('PutEvents server', () => {
  it('accepts a batch and hands each entry over as an EventBridge envelope', async () => {
    const { client, received } = await start();
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...entry({ requestId: 'render-1' }), Time: new Date('2026-03-01T09:00:00.750Z'), Resources: ['arn:x'] },
          entry({ requestId: 'render-2' }, { EventBusName: undefined, Source: 'twinguard.consent' }),
        ],
      }),
    );

    expect(result.FailedEntryCount).toBe(0);
    const ids = (result.Entries ?? []).map((e) => e.EventId);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
    expect(received).toEqual([
      {
        busName: BUS,
        envelope: {
          version: '0',
          id: ids[0],
          'detail-type': 'Render Requested',
          source: 'twinguard.studio',
          account: '000000000000',
          time: '2026-03-01T09:00:00Z',
          region: REGION,
          resources: ['arn:x'],
          detail: { requestId: 'render-1' },
        },
      },
      expect.objectContaining({ busName: 'default', envelope: expect.objectContaining({ id: ids[1], resources: [] }) }),
    ]);
    expect(received[1]?.envelope.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('rejects a request of more than 10 entries as a whole', async () => {
    const { client, received } = await start();
    const entries = Array.from({ length: 11 }, (_, i) => entry({ requestId: `r-${i}` }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(received).toEqual([]);
  });

  it('fails only the entries that lack Source, DetailType or Detail', async () => {
    const { client, received } = await start();
    const valid = entry({ requestId: 'ok' });
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...valid, Source: undefined },
          { ...valid, DetailType: undefined },
          valid,
          { ...valid, Detail: undefined },
          { ...valid, Source: '' },
        ],
      }),
    );

    expect(result.FailedEntryCount).toBe(4);
    const [noSource, noType, ok, noDetail, emptySource] = result.Entries ?? [];
    expect(noSource).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Source is a required argument') });
    expect(noType).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('DetailType is a required') });
    expect(noDetail).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Detail is a required') });
    expect(emptySource?.ErrorCode).toBe('InvalidArgument');
    expect(ok?.EventId).toMatch(UUID);
    expect(received.map((r) => r.envelope.id)).toEqual([ok?.EventId]);
  });

  it('answers MalformedDetail for a Detail that is not a JSON object', async () => {
    const { client, received } = await start();
    const base = entry({});
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...base, Detail: '{"requestId": ' },
          { ...base, Detail: '[1, 2]' },
          { ...base, Detail: '"text"' },
          { ...base, Detail: 'null' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    for (const e of result.Entries ?? []) expect(e).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(received).toEqual([]);
  });

  it('counts entry size in UTF-8 bytes as EventBridge documents, up to 256 KB per request', async () => {
    const { client, received } = await start();
    const source = 'twinguard.studio';
    const detailType = 'Render Requested';
    const resource = 'arn:aws:s3:::assets/é';
    // Time counts 14 bytes; 'é' counts 2.
    const fixed = 14 + source.length + detailType.length + Buffer.byteLength(resource) + '{"p":""}'.length;
    const room = 256 * 1024 - fixed;
    const atLimit = { Source: source, DetailType: detailType, Resources: [resource], Time: new Date(), EventBusName: BUS };
    const detail = (bytes: number) => JSON.stringify({ p: 'é'.repeat(Math.floor(bytes / 2)) + 'a'.repeat(bytes % 2) });

    const accepted = await client.send(new PutEventsCommand({ Entries: [{ ...atLimit, Detail: detail(room) }] }));
    expect(accepted.FailedEntryCount).toBe(0);

    await expect(client.send(new PutEventsCommand({ Entries: [{ ...atLimit, Detail: detail(room + 1) }] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('over the limit'),
    });

    // The limit is on the request: two entries of half the limit each go over it together.
    const half = entry({ p: 'x'.repeat(128 * 1024) });
    await expect(client.send(new PutEventsCommand({ Entries: [half, half] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(received).toHaveLength(1);
  });

  it.each([
    ['a source over 256 characters', { Source: `s${'x'.repeat(256)}` }, 'entries.2.member.source', 256],
    ['a detail-type over 128 characters', { DetailType: 'D'.repeat(129) }, 'entries.2.member.detailType', 128],
    ['more than 100 resources', { Resources: Array.from({ length: 101 }, (_, i) => `arn:${i}`) }, 'entries.2.member.resources', 100],
    ['a resource over 2048 characters', { Resources: ['arn:x', 'a'.repeat(2049)] }, 'entries.2.member.resources.2.member', 2048],
  ])('refuses the whole request for %s, as EventBridge does', async (_case, over, at, max) => {
    const { client, received } = await start();
    await expect(client.send(new PutEventsCommand({ Entries: [entry({ n: 1 }), { ...entry({ n: 2 }), ...over }] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: Value at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    });
    expect(received).toEqual([]);
  });

  it('fails entries for an unknown bus, by name or ARN, and accepts known ones either way', async () => {
    const { client, received } = await start();
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ n: 1 }, { EventBusName: 'no-such-bus' }),
          entry({ n: 2 }, { EventBusName: `arn:aws:events:${REGION}:000000000000:event-bus/no-such-bus` }),
          entry({ n: 3 }, { EventBusName: BUS_ARN }),
          entry({ n: 4 }, { EventBusName: 'arn:aws:events:eu-north-1:000000000000:rule/not-a-bus' }),
          entry({ n: 5 }, { EventBusName: 'default' }),
        ],
      }),
    );
    const [byName, byArn, knownArn, notABus, defaultBus] = result.Entries ?? [];
    expect(result.FailedEntryCount).toBe(3);
    expect(byName).toEqual({ ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' });
    expect(byArn?.ErrorCode).toBe('ResourceNotFoundException');
    expect(notABus?.ErrorCode).toBe('InvalidArgument');
    expect(received.map((r) => [r.busName, r.envelope.id])).toEqual([
      [BUS, knownArn?.EventId],
      ['default', defaultBus?.EventId],
    ]);
  });

  it('refuses sources that only AWS may use', async () => {
    const { client, received } = await start();
    const result = await client.send(new PutEventsCommand({ Entries: [entry({}, { Source: 'aws.s3' })] }));
    expect(result.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    expect(received).toEqual([]);
  });

  it('fails an entry with InternalFailure when the bus cannot take it', async () => {
    const { client } = await start({
      onEvent: (_bus, envelope) => {
        if ((envelope.detail as { n?: number }).n === 2) throw new Error('tap is full');
      },
    });
    const result = await client.send(new PutEventsCommand({ Entries: [entry({ n: 1 }), entry({ n: 2 })] }));
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toMatch(UUID);
    expect(result.Entries?.[1]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'tap is full' });
  });

  it('answers other operations with an error the SDK raises by name', async () => {
    const { client } = await start();
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers a malformed body in the AWS JSON error shape', async () => {
    const { server } = await start();
    const post = (body: string, target = 'AWSEvents.PutEvents') =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body,
      });

    const notJson = await post('{"Entries": [');
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('x-amzn-errortype')).toBe('SerializationException');
    expect(await notJson.json()).toEqual({ __type: 'SerializationException', message: expect.any(String) });

    const wrongTypes = await post(JSON.stringify({ Entries: [{ Source: 42, DetailType: 'x', Detail: '{}' }] }));
    expect(await wrongTypes.json()).toMatchObject({ __type: 'SerializationException' });

    const noEntries = await post('{}');
    expect(await noEntries.json()).toMatchObject({ __type: 'ValidationException' });

    const unknown = await post('{}', 'AWSEvents.PutRule');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
