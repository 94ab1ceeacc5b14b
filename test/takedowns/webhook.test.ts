import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookConfigFromEnv } from '../../functions/commons/webhook-config.ts';
import { takedownWebhookHandler } from '../../functions/takedown-webhook.ts';
import {
  channelDirectoryFromEnv,
  emptyChannelDirectory,
  FileChannelDirectory,
  SecretChannelDirectory,
  StaticChannelDirectory,
  type ChannelDirectory,
  type SecretsReader,
} from '../../shared/adapters/webhook/channel-directory.ts';
import { KeyedLimiter } from '../../shared/adapters/webhook/concurrency-limiter.ts';
import { DEPLOYED_RETRY_POLICY, LOCAL_RETRY_POLICY, type RetryPolicy } from '../../shared/model/delivery/retry-policy.ts';
import { DELIVERY_HEADER, WEBHOOK_ID_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../shared/adapters/webhook/signature.ts';
import type { EventEnvelope, OutboundEvent } from '../../shared/model/events/envelope.ts';
import type { EventPublisher } from '../../shared/ports/ports.ts';
import type { ConsentStore } from '../../shared/ports/consent-store.ts';
import { dueKeys } from '../../shared/adapters/dynamodb/keys.ts';
import { deliverTakedown, type DeliverOptions, type WebhookDeps } from '../../shared/use-cases/deliver-takedown.ts';
import { createHttpWebhookSender, httpWebhookSender } from '../../shared/adapters/webhook/webhook-delivery.ts';
import { startPartner, type PartnerServer, type ReceivedRequest } from '../channels/partner-server.ts';
import { grantDetail, ids, publishedDetail } from '../support/fixtures.ts';
import { db, envelope, tables, world } from '../support/harness.ts';

const SECRET = 'whsec-test-0123456789';
/**
 * Far from the times other test files use: they sweep the shared due queue up to their own
 * clocks, and must not fire (or delete) this file's retries and deadlines meanwhile.
 */
const NOW = '2035-06-01T12:00:00.000Z';
/** First retry after 500 ms exactly: equal jitter with random 0 waits half the 1 s cap. */
const POLICY: RetryPolicy = LOCAL_RETRY_POLICY;
const OPTS: DeliverOptions = { sender: httpWebhookSender, timeoutMs: 5_000, random: () => 0 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function partner(): Promise<PartnerServer> {
  const server = await startPartner(SECRET);
  closers.push(() => server.close());
  return server;
}

/** A partner that answers each request with the next status of its script (the last one repeats); it verifies signatures. */
async function scriptedPartner(script: number[]): Promise<{ url: string; received: ReceivedRequest[] }> {
  const server = await startPartner(SECRET);
  closers.push(() => server.close());
  return { url: server.url(`/script/${script.join(',')}`), received: server.received };
}

/** A real takedown: a grant, then an unapproved `Asset Published` on `channel`; its `Takedown Requested` as the bus would deliver it. */
async function takedownOn(channel: string) {
  const w = world(NOW);
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, validUntil: '2040-01-01T00:00:00Z' }));
  const placement = publishedDetail({ twinIds: [id.twin], assetId: `asset-${id.u}`, channel, placementId: `pl-${id.u}` });
  await w.send('Asset Published', placement);
  const [detail] = w.publisher.ofType('Takedown Requested');
  expect(detail).toMatchObject({ channel, placementId: placement.placementId, reason: 'UNAPPROVED_PUBLICATION' });
  const requested: EventEnvelope = envelope('Takedown Requested', detail, { id: `evt-td-${id.u}`, source: 'twinguard' });
  const deps: WebhookDeps = { ...w.deps, deliveries: w.deliveries };
  const takedownId: string = detail!.takedownId;
  const facts = { takedownId, assetId: placement.assetId, channel, placementId: placement.placementId };
  const placementNow = () => deps.store.getPlacement(channel, placement.placementId);
  return { ...w, deps, id, requested, takedownId, facts, placementNow };
}

const directory = (channel: string, url: string): ChannelDirectory =>
  new StaticChannelDirectory(new Map([[channel, { url, secrets: [SECRET] }]]));

/** The retry the sweeper would fire, read by its exact key; removed as the sweeper does after firing it. */
async function takeRetry(t: { takedownId: string; tables: { dueNamespace: string } }, attempt: number, dueAt: string) {
  const key = dueKeys.item(dueAt, 'webhook-retry', `${t.takedownId}#${attempt}`, t.tables.dueNamespace);
  const out = await db.send(new GetCommand({ TableName: tables.consent, Key: key, ConsistentRead: true }));
  if (out.Item !== undefined) await db.send(new DeleteCommand({ TableName: tables.consent, Key: key }));
  return out.Item;
}

describe('webhook connector: delivery', () => {
  it('200: one signed POST of the exact envelope; Takedown Completed; the placement is taken down', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/status/200')),
      { envelope: t.requested, takedownId: t.takedownId, attempt: 1 },
      POLICY,
      OPTS,
    );

    expect(result).toEqual({ kind: 'delivered', httpStatus: 200 });
    expect(server.received).toHaveLength(1);
    const [req] = server.received;
    expect(req!.signatureValid).toBe(true);
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers[WEBHOOK_ID_HEADER]).toBe(t.takedownId);
    expect(req!.headers[DELIVERY_HEADER]).toBe(t.takedownId);
    expect(req!.legacySignatureValid).toBe(true);
    expect(req!.body.toString('utf8')).toBe(JSON.stringify(t.requested));
    expect(JSON.parse(req!.body.toString('utf8'))).toEqual(t.requested);

    expect(t.publisher.ofType('Takedown Completed')).toEqual([{ ...t.facts, completedAt: NOW }]);
    expect(t.publisher.ofType('Takedown Failed')).toEqual([]);
    expect(await t.placementNow()).toMatchObject({ status: 'taken-down', takedown: { takedownId: t.takedownId, completedAt: NOW } });
    expect(await t.deps.deliveries.get(t.takedownId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      channel: 'web',
      body: JSON.stringify(t.requested),
    });
  });

  it('503 then 200: Failed (final: false) and a retry in the due queue; the retry POSTs the same bytes and completes', async () => {
    const server = await scriptedPartner([503, 200]);
    const t = await takedownOn('web');
    const channels = directory('web', server.url);
    // The wall clock of the signatures moves 40 s between the attempts (the partner allows 5 minutes).
    let wall = Date.now() - 20_000;
    const opts: DeliverOptions = { ...OPTS, sender: createHttpWebhookSender({ now: () => wall }) };

    const first = await deliverTakedown(t.deps, channels, { envelope: t.requested, takedownId: t.takedownId, attempt: 1 }, POLICY, opts);
    const dueAt = '2035-06-01T12:00:00.500Z';
    expect(first).toEqual({ kind: 'retry', error: 'HTTP 503 Service Unavailable', dueAt });
    expect(t.publisher.ofType('Takedown Failed')).toEqual([
      { ...t.facts, error: 'HTTP 503 Service Unavailable', final: false, attempts: 1 },
    ]);
    expect(t.publisher.ofType('Takedown Completed')).toEqual([]);
    expect(await t.placementNow()).toMatchObject({
      status: 'takedown-requested',
      takedown: { attempts: 1, lastError: 'HTTP 503 Service Unavailable', final: false },
    });
    const retry = await takeRetry(t, 2, dueAt);
    expect(retry).toMatchObject({ kind: 'webhook-retry', dueAt, payload: { takedownId: t.takedownId, attempt: 2 } });

    // The sweeper turns the due item into `Takedown Delivery Due` { takedownId, attempt }.
    t.clock.set(dueAt);
    wall += 40_000;
    const second = await deliverTakedown(t.deps, channels, { takedownId: t.takedownId, attempt: retry!.payload.attempt }, POLICY, opts);
    expect(second).toEqual({ kind: 'delivered', httpStatus: 200 });
    expect(server.received).toHaveLength(2);
    expect(server.received.every((r) => r.signatureValid)).toBe(true);
    expect(server.received[1]!.body.equals(server.received[0]!.body)).toBe(true);
    // Re-signed, not replayed: same webhook-id, a timestamp 40 s later.
    const [a, b] = server.received.map((r) => r.headers);
    expect(b![WEBHOOK_ID_HEADER]).toBe(a![WEBHOOK_ID_HEADER]);
    expect(Number(b![WEBHOOK_TIMESTAMP_HEADER]) - Number(a![WEBHOOK_TIMESTAMP_HEADER])).toBe(40);
    expect(server.received[1]!.body.toString('utf8')).toBe(JSON.stringify(t.requested));
    expect(t.publisher.ofType('Takedown Completed')).toEqual([{ ...t.facts, completedAt: dueAt }]);
    expect(await t.placementNow()).toMatchObject({ status: 'taken-down', takedown: { completedAt: dueAt } });
    expect(await t.deps.deliveries.get(t.takedownId)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('410: Failed (final: true) at once, no retry, the placement records the final failure', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/status/410')),
      { envelope: t.requested, takedownId: t.takedownId, attempt: 1 },
      POLICY,
      OPTS,
    );

    expect(result).toEqual({ kind: 'failed', error: 'HTTP 410 Gone' });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.signatureValid).toBe(true);
    expect(t.publisher.ofType('Takedown Failed')).toEqual([{ ...t.facts, error: 'HTTP 410 Gone', final: true, attempts: 1 }]);
    expect(t.publisher.ofType('Takedown Completed')).toEqual([]);
    expect(await takeRetry(t, 2, '2035-06-01T12:00:00.500Z')).toBeUndefined();
    expect(await t.placementNow()).toMatchObject({
      status: 'takedown-failed',
      takedown: { final: true, lastError: 'HTTP 410 Gone', attempts: 1 },
    });
    expect(await t.deps.deliveries.get(t.takedownId)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('a partner that never answers: the attempt times out and is retried', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/hang')),
      { envelope: t.requested, takedownId: t.takedownId, attempt: 1 },
      POLICY,
      { ...OPTS, timeoutMs: 200 },
    );

    const dueAt = '2035-06-01T12:00:00.500Z';
    expect(result).toEqual({ kind: 'retry', error: 'timeout after 200 ms', dueAt });
    expect(server.received).toHaveLength(1);
    expect(t.publisher.ofType('Takedown Failed')).toEqual([{ ...t.facts, error: 'timeout after 200 ms', final: false, attempts: 1 }]);
    expect(await takeRetry(t, 2, dueAt)).toMatchObject({ payload: { takedownId: t.takedownId, attempt: 2 } });
    expect((await t.placementNow())?.status).toBe('takedown-requested');
  });

  it('the budget spent: each retry waits longer, and the last attempt is a final failure', async () => {
    const server = await scriptedPartner([503]);
    const t = await takedownOn('web');
    const channels = directory('web', server.url);
    const policy: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: 3 };

    const r1 = await deliverTakedown(t.deps, channels, { envelope: t.requested, takedownId: t.takedownId, attempt: 1 }, policy, OPTS);
    expect(r1).toMatchObject({ kind: 'retry', dueAt: '2035-06-01T12:00:00.500Z' });
    expect(await takeRetry(t, 2, '2035-06-01T12:00:00.500Z')).toBeDefined();
    t.clock.set('2035-06-01T12:00:00.500Z');
    const r2 = await deliverTakedown(t.deps, channels, { takedownId: t.takedownId, attempt: 2 }, policy, OPTS);
    // Retry 2's cap is 2 s, so it waits at least 1 s: twice the first wait.
    expect(r2).toMatchObject({ kind: 'retry', dueAt: '2035-06-01T12:00:01.500Z' });
    expect(await takeRetry(t, 3, '2035-06-01T12:00:01.500Z')).toBeDefined();
    t.clock.set('2035-06-01T12:00:01.500Z');
    const r3 = await deliverTakedown(t.deps, channels, { takedownId: t.takedownId, attempt: 3 }, policy, OPTS);

    expect(r3).toEqual({ kind: 'failed', error: 'HTTP 503 Service Unavailable' });
    expect(server.received).toHaveLength(3);
    expect(t.publisher.ofType('Takedown Failed').map((f) => [f.attempts, f.final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(await takeRetry(t, 4, '2035-06-01T12:00:03.500Z')).toBeUndefined();
    expect(await t.placementNow()).toMatchObject({ status: 'takedown-failed', takedown: { final: true, attempts: 3 } });
    expect(await t.deps.deliveries.get(t.takedownId)).toMatchObject({ status: 'failed', attempts: 3 });
    // A late copy of a retry changes nothing and sends nothing.
    expect(await deliverTakedown(t.deps, channels, { takedownId: t.takedownId, attempt: 3 }, policy, OPTS)).toEqual({ kind: 'duplicate' });
    expect(server.received).toHaveLength(3);
  });

  it('an event channel: no POST, no record, nothing emitted (its connector answers on the bus)', async () => {
    const server = await partner();
    const t = await takedownOn('instagram');
    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/status/200')),
      { envelope: t.requested, takedownId: t.takedownId, attempt: 1 },
      POLICY,
      OPTS,
    );

    expect(result).toEqual({ kind: 'not-webhook' });
    expect(server.received).toEqual([]);
    expect(await t.deps.deliveries.get(t.takedownId)).toBeUndefined();
    expect(t.publisher.ofType('Takedown Completed')).toEqual([]);
    expect(t.publisher.ofType('Takedown Failed')).toEqual([]);
    expect((await t.placementNow())?.status).toBe('takedown-requested');
  });

  it('a redelivered Takedown Requested or retry for an attempt already made POSTs nothing more', async () => {
    const server = await scriptedPartner([503, 200]);
    const t = await takedownOn('web');
    const channels = directory('web', server.url);
    const firstInput = { envelope: t.requested, takedownId: t.takedownId, attempt: 1 };

    expect((await deliverTakedown(t.deps, channels, firstInput, POLICY, OPTS)).kind).toBe('retry');
    expect(await deliverTakedown(t.deps, channels, firstInput, POLICY, OPTS)).toEqual({ kind: 'duplicate' });
    expect(server.received).toHaveLength(1);
    expect(t.publisher.ofType('Takedown Failed')).toHaveLength(1);
    await takeRetry(t, 2, '2035-06-01T12:00:00.500Z');

    const retry = { takedownId: t.takedownId, attempt: 2 };
    expect((await deliverTakedown(t.deps, channels, retry, POLICY, OPTS)).kind).toBe('delivered');
    expect(await deliverTakedown(t.deps, channels, retry, POLICY, OPTS)).toEqual({ kind: 'duplicate' });
    // Also the first attempt's event, redelivered after completion.
    expect(await deliverTakedown(t.deps, channels, firstInput, POLICY, OPTS)).toEqual({ kind: 'duplicate' });
    expect(server.received).toHaveLength(2);
    expect(t.publisher.ofType('Takedown Completed')).toHaveLength(1);
    // A retry event out of order (attempt 3 of a delivered takedown) sends nothing either.
    expect(await deliverTakedown(t.deps, channels, { takedownId: t.takedownId, attempt: 3 }, POLICY, OPTS)).toEqual({
      kind: 'settled',
      status: 'delivered',
      attempts: 2,
    });
    expect(server.received).toHaveLength(2);
  });

  it.each([
    ['while recording it on the placement', 'store' as const, /recording attempt 1 on the placement failed/],
    ['while emitting Takedown Completed', 'bus' as const, /bus unavailable/],
  ])('a failure after the attempt is committed (%s): the redelivery finishes it without a second POST', async (_when, failing, thrown) => {
    const server = await partner();
    const t = await takedownOn('web');
    const channels = directory('web', server.url('/status/200'));
    const input = { envelope: t.requested, takedownId: t.takedownId, attempt: 1 };
    let failed = false;
    const failOnce = () => {
      failed = true;
      throw new Error(failing === 'bus' ? 'bus unavailable' : 'table unavailable');
    };
    const flaky = {
      ...t.deps,
      publisher: {
        publish: async (events: readonly OutboundEvent[]) => {
          if (failing === 'bus' && !failed && events.length > 0) failOnce();
          await t.publisher.publish(events);
        },
      } satisfies EventPublisher,
      store: Object.create(t.deps.store, {
        commitPlacementUpdate: {
          value: async (change: Parameters<ConsentStore['commitPlacementUpdate']>[0]) => {
            if (failing === 'store' && !failed) failOnce();
            await t.deps.store.commitPlacementUpdate(change);
          },
        },
      }) as ConsentStore,
    };

    await expect(deliverTakedown(flaky, channels, input, POLICY, OPTS)).rejects.toThrow(thrown);
    expect(failed).toBe(true);
    expect(t.publisher.ofType('Takedown Completed')).toEqual([]);
    expect(await deliverTakedown(t.deps, channels, input, POLICY, OPTS)).toEqual({ kind: 'duplicate' });

    expect(server.received).toHaveLength(1);
    expect(t.publisher.ofType('Takedown Completed')).toEqual([{ ...t.facts, completedAt: NOW }]);
    expect(await t.placementNow()).toMatchObject({ status: 'taken-down', takedown: { completedAt: NOW } });
  });

  it('a placement already taken down (its channel confirmed on the bus) is not POSTed', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    await t.send('Takedown Completed', { ...t.facts, completedAt: '2035-06-01T12:00:01Z' });
    expect((await t.placementNow())?.status).toBe('taken-down');

    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/status/200')),
      { envelope: t.requested, takedownId: t.takedownId, attempt: 1 },
      POLICY,
      OPTS,
    );
    expect(result).toEqual({ kind: 'cancelled', reason: 'the placement is already taken down' });
    expect(server.received).toEqual([]);
    expect(t.publisher.ofType('Takedown Completed')).toEqual([]);
    expect(await t.deps.deliveries.get(t.takedownId)).toMatchObject({ status: 'cancelled', attempts: 0 });
  });

  it('a retry for a takedown that was never delivered does nothing', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/status/200')),
      { takedownId: t.takedownId, attempt: 2 },
      POLICY,
      OPTS,
    );
    expect(result).toEqual({ kind: 'unknown' });
    expect(server.received).toEqual([]);
  });

  it('per-channel concurrency: the POSTs of one channel go through its limiter slot', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    const limiter = new KeyedLimiter(1);
    const seen: string[] = [];
    const spy = {
      run: <T>(channel: string, task: () => Promise<T>) => {
        seen.push(channel);
        return limiter.run(channel, task);
      },
    };
    const result = await deliverTakedown(
      t.deps,
      directory('web', server.url('/status/200')),
      { envelope: t.requested, takedownId: t.takedownId, attempt: 1 },
      POLICY,
      {
        ...OPTS,
        limiter: spy,
      },
    );
    expect(result.kind).toBe('delivered');
    expect(seen).toEqual(['web']);
    expect(limiter.active('web')).toBe(0);
  });
});

describe('webhook connector: Lambda handler', () => {
  const context = { functionName: 'takedown-webhook', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

  it('delivers a Takedown Requested from twinguard and refuses anything else', async () => {
    const server = await partner();
    const t = await takedownOn('web');
    const handler = takedownWebhookHandler(() => ({
      deps: t.deps,
      channels: directory('web', server.url('/status/200')),
      config: { policy: POLICY, timeoutMs: 5_000, concurrencyPerChannel: 2 },
    }));

    expect(await handler(t.requested, context)).toEqual({ result: 'delivered' });
    expect(server.received).toHaveLength(1);
    expect(t.publisher.ofType('Takedown Completed')).toHaveLength(1);
    await expect(handler({ ...t.requested, source: 'twinguard.channel' }, context)).rejects.toThrow(
      /handles Takedown Requested, Takedown Delivery Due from twinguard/,
    );
    await expect(handler({ ...t.requested, 'detail-type': 'Takedown Completed' }, context)).rejects.toThrow(/not "Takedown Completed"/);
    const due = envelope('Takedown Delivery Due', { takedownId: t.takedownId, attempt: 2 }, { source: 'twinguard' });
    expect(await handler(due, context)).toEqual({ result: 'settled' });
    expect(server.received).toHaveLength(1);
  });
});

describe('channel directory', () => {
  const channelsJson = (url: string) => JSON.stringify({ web: { url, secret: SECRET } });

  it('from a file: loopback http is allowed, unlisted channels are event channels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'twinguard-channels-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'channels.json');
    await writeFile(path, channelsJson('http://127.0.0.1:9/takedowns'));
    const channels = new FileChannelDirectory(path);
    expect(await channels.webhook('web')).toEqual({ url: 'http://127.0.0.1:9/takedowns', secrets: [SECRET] });
    expect(await channels.webhook('instagram')).toBeUndefined();
    expect(await channelDirectoryFromEnv({ CHANNELS_FILE: path }).webhook('web')).toEqual({
      url: 'http://127.0.0.1:9/takedowns',
      secrets: [SECRET],
    });
  });

  it('from Secrets Manager: read once, cached for five minutes, read again after', async () => {
    let now = 0;
    const requests: unknown[] = [];
    const client: SecretsReader = {
      send: async (command) => {
        requests.push(command.input);
        return { SecretString: channelsJson(`https://partner.example/v${requests.length}`) };
      },
    };
    const channels = new SecretChannelDirectory(client, 'arn:aws:secretsmanager:us-east-1:1:secret:channels', { now: () => now });
    const [a, b] = await Promise.all([channels.webhook('web'), channels.webhook('web')]);
    expect(a).toEqual({ url: 'https://partner.example/v1', secrets: [SECRET] });
    expect(b).toEqual(a);
    expect(requests).toEqual([{ SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:channels' }]);
    now = 5 * 60_000 - 1;
    expect((await channels.webhook('web'))?.url).toBe('https://partner.example/v1');
    now = 5 * 60_000;
    expect((await channels.webhook('web'))?.url).toBe('https://partner.example/v2');
    expect(requests).toHaveLength(2);
    expect(await channels.webhook('tiktok')).toBeUndefined();
  });

  it('from Secrets Manager during a rotation: "secrets" lists both, the new one first', async () => {
    const next = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const client: SecretsReader = {
      send: async () => ({ SecretString: JSON.stringify({ web: { url: 'https://partner.example/r', secrets: [next, SECRET] } }) }),
    };
    expect(await new SecretChannelDirectory(client, 'channels').webhook('web')).toEqual({
      url: 'https://partner.example/r',
      secrets: [next, SECRET],
    });
  });

  it('an invalid secret fails without quoting the secret, and is read again at the next lookup', async () => {
    let calls = 0;
    const client: SecretsReader = {
      send: async () =>
        ++calls === 1
          ? { SecretString: `{"web":{"url":"http://partner.example/x","secret":"${SECRET}"}` }
          : { SecretString: channelsJson('https://partner.example/ok') },
    };
    const channels = new SecretChannelDirectory(client, 'channels-secret');
    const error = await channels.webhook('web').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/channels secret channels-secret is invalid/);
    expect(error?.message).not.toContain(SECRET);
    expect((await channels.webhook('web'))?.url).toBe('https://partner.example/ok');
  });

  it('from the environment: the secret when deployed, none when neither is set, never both', async () => {
    const client: SecretsReader = { send: async () => ({ SecretString: channelsJson('https://partner.example/s') }) };
    expect(await channelDirectoryFromEnv({ CHANNELS_SECRET_ARN: 'arn:secret' }, () => client).webhook('web')).toEqual({
      url: 'https://partner.example/s',
      secrets: [SECRET],
    });
    expect(channelDirectoryFromEnv({})).toBe(emptyChannelDirectory);
    expect(() => channelDirectoryFromEnv({ CHANNELS_SECRET_ARN: 'arn:secret', CHANNELS_FILE: '/tmp/x.json' })).toThrow(/not both/);
  });
});

describe('webhook configuration', () => {
  it('defaults to the deployed policy, a 10 s timeout and 4 per channel', () => {
    expect(webhookConfigFromEnv({})).toEqual({ policy: { ...DEPLOYED_RETRY_POLICY }, timeoutMs: 10_000, concurrencyPerChannel: 4 });
  });

  it('reads each variable and refuses bad values', () => {
    expect(
      webhookConfigFromEnv({
        WEBHOOK_BASE_DELAY_MS: '1000',
        WEBHOOK_MAX_DELAY_MS: '30000',
        WEBHOOK_MAX_ATTEMPTS: '5',
        WEBHOOK_TIMEOUT_MS: '2500',
        WEBHOOK_CONCURRENCY_PER_CHANNEL: '2',
      }),
    ).toEqual({ policy: { baseDelayMs: 1000, maxDelayMs: 30000, maxAttempts: 5 }, timeoutMs: 2500, concurrencyPerChannel: 2 });
    expect(() => webhookConfigFromEnv({ WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow(/WEBHOOK_MAX_ATTEMPTS must be a positive whole number/);
    expect(() => webhookConfigFromEnv({ WEBHOOK_TIMEOUT_MS: '1.5' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
    expect(() => webhookConfigFromEnv({ WEBHOOK_BASE_DELAY_MS: '5000', WEBHOOK_MAX_DELAY_MS: '1000' })).toThrow(/must be at least/);
  });
});
