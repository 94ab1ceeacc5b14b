import { afterEach, describe, expect, inject, it } from 'vitest';
import { DynamoDueQueue } from '../../shared/adapters/dynamodb/due-queue.ts';
import { StaticChannelDirectory } from '../../shared/adapters/webhook/channel-directory.ts';
import { httpWebhookSender } from '../../shared/adapters/webhook/webhook-delivery.ts';
import { LOCAL_REDELIVERY_INTERVAL_MS, LOCAL_RETRY_POLICY, type RetryPolicy } from '../../shared/model/delivery/retry-policy.ts';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { deliverTakedown, type DeliverOptions, type DeliveryResult, type WebhookDeps } from '../../shared/use-cases/deliver-takedown.ts';
import { closeTakedown, redriveChannel, redriveTakedown } from '../../shared/use-cases/operate-takedowns.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { main } from '../../local/cli/takedowns.ts';
import { startPartner, type ReceivedRequest } from '../channels/partner-server.ts';
import { grantDetail, ids, publishedDetail } from '../support/fixtures.ts';
import { auditOf, db, envelope, tables, world } from '../support/harness.ts';

const SECRET = 'whsec-test-0123456789';
const NOW = '2036-06-01T12:00:00.000Z';
/** The local runtime's budget: 5 attempts, waits capped at 1, 2, 4, 8 s; then a redelivery every 5 s. */
const POLICY: RetryPolicy = { ...LOCAL_RETRY_POLICY, redeliveryIntervalMs: LOCAL_REDELIVERY_INTERVAL_MS };
/** Random 0: each retry waits half its cap. */
const OPTS: DeliverOptions = { sender: httpWebhookSender, timeoutMs: 5_000, random: () => 0 };
const FAR = new Date('2100-01-01T00:00:00Z');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function scriptedPartner(script: number[]): Promise<{ url: string; received: ReceivedRequest[] }> {
  const server = await startPartner(SECRET);
  closers.push(() => server.close());
  return { url: server.url(`/script/${script.join(',')}`), received: server.received };
}

/**
 * A real takedown on a channel of its own (so a channel's list of failed deliveries is this
 * test's alone), its `Takedown Requested` as the bus delivers it, and the bus played for
 * the webhook connector: each `Takedown Delivery Due` the sweeper publishes is delivered.
 */
async function takedownOn(url: string) {
  const w = world(NOW);
  const id = ids();
  const channel = `web-${id.u}`;
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, validUntil: '2040-01-01T00:00:00Z' }));
  const placement = publishedDetail({ twinIds: [id.twin], assetId: `asset-${id.u}`, channel, placementId: `pl-${id.u}` });
  await w.send('Asset Published', placement);
  const [detail] = w.publisher.ofType('Takedown Requested');
  const requested: EventEnvelope = envelope('Takedown Requested', detail, { id: `evt-td-${id.u}`, source: 'twinguard' });
  const deps: WebhookDeps = { ...w.deps, deliveries: w.deliveries };
  const channels = new StaticChannelDirectory(new Map([[channel, { url, secrets: [SECRET] }]]));
  const takedownId: string = detail!.takedownId;
  const facts = { takedownId, assetId: placement.assetId, channel, placementId: placement.placementId };
  let played = 0;
  /** Delivers the `Takedown Delivery Due` events published since the last call, as the bus would. */
  const playBus = async (): Promise<DeliveryResult[]> => {
    const due = w.publisher.ofType('Takedown Delivery Due').slice(played);
    played += due.length;
    const results: DeliveryResult[] = [];
    for (const d of due)
      results.push(
        await deliverTakedown(
          deps,
          channels,
          { takedownId: d.takedownId, attempt: d.attempt, ...(d.redelivery ? { redelivery: true } : {}) },
          POLICY,
          OPTS,
        ),
      );
    return results;
  };
  /** Moves the clock to the next due item of this world and sweeps, then plays the bus. */
  const nextTick = async () => {
    const [next] = await w.deps.due.due(FAR, 100).then((items) => items.filter((d) => d.kind.startsWith('webhook-')));
    if (next === undefined) return undefined;
    w.clock.set(next.dueAt);
    const swept = await sweepDue(w.deps);
    expect(swept.failed).toEqual([]);
    return { at: next.dueAt, kind: next.kind, results: await playBus() };
  };
  const first = (policy = POLICY) => deliverTakedown(deps, channels, { envelope: requested, takedownId, attempt: 1 }, policy, OPTS);
  const placementNow = () => w.deps.store.getPlacement(channel, placement.placementId);
  const webhookDue = async () => (await w.deps.due.due(FAR, 100)).filter((d) => d.kind.startsWith('webhook-'));
  return { ...w, deps, id, channel, takedownId, facts, first, nextTick, playBus, placementNow, webhookDue };
}

describe('final webhook failures are delivered again until the takedown is settled', () => {
  it('a partner down past the retry budget, then back: the slow redelivery completes the takedown', async () => {
    const partner = await scriptedPartner([503, 503, 503, 503, 503, 200]);
    const t = await takedownOn(partner.url);
    expect(await t.first()).toMatchObject({ kind: 'retry' });
    // Retries 2..5 at the local backoff (0.5, 1, 2, 4 s with random 0); the fifth attempt fails finally.
    const ticks = [];
    for (let i = 0; i < 4; i++) ticks.push(await t.nextTick());
    expect(ticks.map((tick) => [tick?.at, tick?.kind, tick?.results.map((r) => r.kind)])).toEqual([
      ['2036-06-01T12:00:00.500Z', 'webhook-retry', ['retry']],
      ['2036-06-01T12:00:01.500Z', 'webhook-retry', ['retry']],
      ['2036-06-01T12:00:03.500Z', 'webhook-retry', ['retry']],
      ['2036-06-01T12:00:07.500Z', 'webhook-retry', ['failed']],
    ]);
    expect(t.publisher.ofType('Takedown Failed').map((f) => [f.attempts, f.final])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, true],
    ]);
    expect(await t.placementNow()).toMatchObject({ status: 'takedown-failed', takedown: { final: true, attempts: 5 } });
    expect(await t.deliveries.failedOfChannel(t.channel)).toEqual([t.takedownId]);

    // Not the end: 5 s later (6 h deployed) it is delivered again, and the partner is back.
    const back = await t.nextTick();
    expect(back).toEqual({ at: '2036-06-01T12:00:12.500Z', kind: 'webhook-redelivery', results: [{ kind: 'delivered', httpStatus: 200 }] });
    expect(t.publisher.ofType('Takedown Delivery Due').at(-1)).toEqual({ takedownId: t.takedownId, attempt: 6, redelivery: true });
    expect(partner.received).toHaveLength(6);
    expect(partner.received.every((r) => r.signatureValid && r.body.equals(partner.received[0]!.body))).toBe(true);
    expect(t.publisher.ofType('Takedown Completed')).toEqual([{ ...t.facts, completedAt: '2036-06-01T12:00:12.500Z' }]);
    expect(await t.placementNow()).toMatchObject({ status: 'taken-down', takedown: { completedAt: '2036-06-01T12:00:12.500Z' } });
    expect(await t.deliveries.get(t.takedownId)).toMatchObject({ status: 'delivered', attempts: 6 });
    expect(await t.deliveries.failedOfChannel(t.channel)).toEqual([]);
    expect(await t.webhookDue()).toEqual([]);
  });

  it('a refused takedown is redelivered, failing finally each time, until its channel confirms it on the bus', async () => {
    const partner = await scriptedPartner([410]);
    const t = await takedownOn(partner.url);
    expect(await t.first()).toEqual({ kind: 'failed', error: 'HTTP 410 Gone' });
    expect(await t.nextTick()).toEqual({
      at: '2036-06-01T12:00:05.000Z',
      kind: 'webhook-redelivery',
      results: [{ kind: 'failed', error: 'HTTP 410 Gone' }],
    });
    expect(t.publisher.ofType('Takedown Failed').map((f) => [f.attempts, f.final])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect((await t.webhookDue()).map((d) => [d.kind, d.dueAt, d.payload])).toEqual([
      ['webhook-redelivery', '2036-06-01T12:00:10.000Z', { takedownId: t.takedownId, attempt: 3 }],
    ]);
    // The channel's connector confirms on the bus: the next redelivery sends nothing.
    await t.send('Takedown Completed', { ...t.facts, completedAt: '2036-06-01T12:00:07Z' });
    expect(await t.nextTick()).toMatchObject({
      kind: 'webhook-redelivery',
      results: [{ kind: 'cancelled', reason: 'the placement is already taken down' }],
    });
    expect(partner.received).toHaveLength(2);
    expect(await t.deliveries.get(t.takedownId)).toMatchObject({ status: 'cancelled', attempts: 2 });
    expect(await t.deliveries.failedOfChannel(t.channel)).toEqual([]);
    expect(await t.webhookDue()).toEqual([]);
  });

  it('an operator re-drives a channel’s failed takedowns now, then closes one: no delivery after that', async () => {
    const partner = await scriptedPartner([503]);
    const t = await takedownOn(partner.url);
    // A budget of one attempt: the first failure is final.
    expect(await t.first({ ...POLICY, maxAttempts: 1 })).toMatchObject({ kind: 'failed' });
    expect((await t.webhookDue()).map((d) => d.dueAt)).toEqual(['2036-06-01T12:00:05.000Z']);

    // Re-driven at 12:00:01: due now, not at 12:00:05.
    t.clock.set('2036-06-01T12:00:01.000Z');
    expect(await redriveChannel({ ...t.deps }, t.channel)).toEqual([{ takedownId: t.takedownId, kind: 'redriven', attempt: 2 }]);
    expect(await t.nextTick()).toEqual({
      at: '2036-06-01T12:00:01.000Z',
      kind: 'webhook-redelivery',
      results: [{ kind: 'failed', error: 'HTTP 503 Service Unavailable' }],
    });
    // The slow schedule's own item for attempt 2 finds it made: no second POST.
    expect(await t.nextTick()).toEqual({ at: '2036-06-01T12:00:05.000Z', kind: 'webhook-redelivery', results: [{ kind: 'duplicate' }] });
    expect(partner.received).toHaveLength(2);

    // The operator closes it: recorded on the placement and in the audit trail, and nothing more is sent.
    t.clock.set('2036-06-01T12:00:06.000Z');
    expect(await closeTakedown(t.deps, t.takedownId, 'partner confirmed by phone')).toEqual({ takedownId: t.takedownId, kind: 'closed' });
    expect(await t.placementNow()).toMatchObject({
      status: 'takedown-failed',
      takedown: { closedAt: '2036-06-01T12:00:06.000Z', closedReason: 'partner confirmed by phone' },
    });
    expect(await t.deliveries.get(t.takedownId)).toMatchObject({ status: 'closed', closedReason: 'partner confirmed by phone' });
    expect(await t.deliveries.failedOfChannel(t.channel)).toEqual([]);
    expect((await auditOf(t.id.twin)).filter((a) => a.outcome === 'closed')).toMatchObject([
      { recordId: `takedown:${t.takedownId}#closed`, request: { takedownId: t.takedownId, closedReason: 'partner confirmed by phone' } },
    ]);
    expect(await t.nextTick()).toMatchObject({ kind: 'webhook-redelivery', results: [{ kind: 'settled', status: 'closed' }] });
    expect(partner.received).toHaveLength(2);
    expect(await t.webhookDue()).toEqual([]);
    expect(await closeTakedown(t.deps, t.takedownId, 'again')).toEqual({ takedownId: t.takedownId, kind: 'already-closed' });
    expect(await redriveTakedown(t.deps, t.takedownId)).toEqual({ takedownId: t.takedownId, kind: 'not-failed', status: 'closed' });
    expect(await redriveTakedown(t.deps, 'td-nope')).toEqual({ takedownId: 'td-nope', kind: 'unknown' });
    expect(await closeTakedown(t.deps, 'td-nope', 'typo')).toEqual({
      takedownId: 'td-nope',
      kind: 'not-open',
      why: 'no open takedown has this id',
    });
  });
});

describe('takedowns CLI', () => {
  const endpoint = inject('dynamoEndpoint');
  const common = ['--dynamodb-endpoint', endpoint, '--table', tables.consent, '--audit-table', tables.audit];

  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  }

  it('lists, re-drives and closes a channel’s failed takedowns', async () => {
    const partner = await scriptedPartner([410]);
    const t = await takedownOn(partner.url);
    await t.first();

    const failed = io();
    expect(await main(['failed', '--channel', t.channel, ...common], failed.io, {})).toBe(0);
    expect(failed.out).toEqual([t.takedownId]);

    const before = Date.now();
    const redrive = io();
    expect(await main(['redrive', '--channel', t.channel, ...common, '--json'], redrive.io, {})).toBe(0);
    expect(redrive.out.map((l) => JSON.parse(l))).toEqual([{ takedownId: t.takedownId, kind: 'redriven', attempt: 2 }]);
    // Due now (the wall clock), where the runtime's sweeper looks: the default namespace.
    const queue = new DynamoDueQueue(db, { consent: tables.consent });
    const mine = (await queue.due(FAR, 1000)).filter((d) => d.payload.takedownId === t.takedownId);
    expect(mine.map((d) => [d.kind, d.payload])).toEqual([['webhook-redelivery', { takedownId: t.takedownId, attempt: 2 }]]);
    expect(Date.parse(mine[0]!.dueAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(mine[0]!.dueAt)).toBeLessThanOrEqual(Date.now());
    for (const d of mine) await queue.remove(d);

    const close = io();
    expect(await main(['close', '--takedown', t.takedownId, '--reason', 'gone for good', ...common], close.io, {})).toBe(0);
    expect(close.out).toEqual([`${t.takedownId}: closed; it will not be delivered again`]);
    expect(await t.deliveries.get(t.takedownId)).toMatchObject({ status: 'closed', closedReason: 'gone for good' });

    const again = io();
    expect(await main(['redrive', '--takedown', t.takedownId, ...common], again.io, {})).toBe(1);
    expect(again.out).toEqual([`${t.takedownId}: its delivery is closed, not failed: nothing to re-drive`]);
  });

  it('exits 2 with the usage on bad arguments, 1 when the tables cannot be found', async () => {
    for (const argv of [
      [],
      ['frobnicate'],
      ['redrive'],
      ['redrive', '--takedown', 'a', '--channel', 'b'],
      ['close', '--takedown', 'a'],
      ['close', '--takedown', 'a', '--reason', ' '],
      ['failed'],
      ['close', '--takedown', 'a', '--reason', 'x'.repeat(501)],
    ]) {
      const run = io();
      expect(await main(argv, run.io, {})).toBe(2);
      expect(run.err.join('\n')).toContain('Usage:');
    }
    const run = io();
    expect(
      await main(
        ['failed', '--channel', 'web', '--dynamodb-endpoint', endpoint, '--table', 'NoSuchTable', '--audit-table', 'NoSuchAudit'],
        run.io,
        {},
      ),
    ).toBe(1);
    expect(run.err.join('\n')).toMatch(/cannot read or write the takedowns: ResourceNotFoundException/);
  });
});
