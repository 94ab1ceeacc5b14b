import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { placementItems, takedownItem } from '../../shared/adapters/dynamodb/placement-items.ts';
import { SET_ASIDE, setAsideDelayMs, type DueItem, type DueKind } from '../../shared/model/due-item.ts';
import type { PlacementRecord } from '../../shared/model/records.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { grantDetail, ids, publicationDetail, publishedDetail } from '../support/fixtures.ts';
import { db, tables, world } from '../support/harness.ts';

const FAR = new Date('2100-01-01T00:00:00Z');

/** Every due item of a world, wherever in time. */
async function queued(w: ReturnType<typeof world>): Promise<DueItem[]> {
  return w.deps.due.due(FAR, 1000);
}

/**
 * A placement with an open takedown whose item is as close to DynamoDB's 400 KB limit as a
 * write allows (found by trying), so that marking it overdue cannot be stored: failure 1 of
 * issue 8, a poison item that used to stop every sweep for good.
 */
async function placementAtTheSizeLimit(twinId: string, deadline: string): Promise<{ takedownId: string; placementId: string }> {
  const u = crypto.randomUUID().slice(0, 8);
  const takedownId = `td-big-${u}`;
  const placement = (urlLength: number): PlacementRecord => ({
    channel: 'web',
    placementId: `big-${u}`,
    assetId: `asset-big-${u}`,
    url: `https://example.invalid/${'x'.repeat(urlLength)}`,
    twinIds: [twinId],
    licensee: 'brand-hm',
    territories: ['SE'],
    publishedAt: '2026-03-01T09:00:00Z',
    recordedAt: '2026-03-01T09:00:00Z',
    status: 'takedown-requested',
    reliesOn: [],
    takedown: { takedownId, reason: 'UNAPPROVED_PUBLICATION', grantIds: [], requestedAt: '2026-03-01T11:00:00Z', deadline, attempts: 0 },
    revision: 1,
  });
  const fits = async (urlLength: number): Promise<boolean> => {
    const [item] = placementItems(placement(urlLength));
    try {
      await db.send(new PutCommand({ TableName: tables.consent, Item: item }));
      return true;
    } catch (error) {
      if (!/size/i.test(String(error))) throw error;
      return false;
    }
  };
  let low = 390_000;
  let high = 410_000;
  expect(await fits(low)).toBe(true);
  expect(await fits(high)).toBe(false);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await fits(mid)) low = mid;
    else high = mid;
  }
  const stored = placement(low);
  for (const item of [...placementItems(stored), takedownItem(stored)])
    await db.send(new PutCommand({ TableName: tables.consent, Item: item }));
  return { takedownId, placementId: stored.placementId };
}

describe('the sweeper handles each due item on its own', () => {
  it('poison items are set aside with backoff and counted; expiries, deadlines and retries fire on time', async () => {
    const w = world('2026-03-01T12:00:00Z');
    const id = ids();
    // Real work: a grant that expires at 12:30 with a live placement, an unapproved
    // placement whose takedown deadline is 13:00, and a webhook retry due at 12:30.
    await w.send(
      'Consent Granted',
      grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2026-03-01T12:30:00Z' }),
    );
    const pub = publicationDetail({ twinIds: [id.twin], assetId: `asset-${id.u}` });
    await w.send('Publication Requested', pub);
    await w.send('Asset Published', publishedDetail({ assetId: pub.assetId, twinIds: [id.twin], publicationId: pub.publicationId }));
    await w.send('Asset Published', publishedDetail({ assetId: `unapproved-${id.u}`, twinIds: [id.twin], placementId: `u-${id.u}` }));
    const [unapproved] = w.publisher.ofType('Takedown Requested');
    expect(unapproved).toMatchObject({ deadline: '2026-03-01T13:00:00.000Z' });
    await w.deps.due.schedule({
      dueAt: '2026-03-01T12:30:00.000Z',
      kind: 'webhook-retry',
      id: 'td-r#2',
      payload: { takedownId: 'td-r', attempt: 2 },
    });

    // Poison, due before all of them: a deadline whose overdue write DynamoDB refuses (item
    // too large), a payload of the wrong shape, and a kind nobody knows.
    const big = await placementAtTheSizeLimit(id.twin, '2026-03-01T11:59:00.000Z');
    await w.deps.due.schedule({
      dueAt: '2026-03-01T11:59:00.000Z',
      kind: 'takedown-deadline',
      id: big.takedownId,
      payload: { takedownId: big.takedownId },
    });
    await w.deps.due.schedule({ dueAt: '2026-03-01T11:58:00.000Z', kind: 'grant-expiry', id: 'bad-payload', payload: { grantId: 42 } });
    await w.deps.due.schedule({ dueAt: '2026-03-01T11:57:00.000Z', kind: 'no-such-kind' as DueKind, id: 'unknown', payload: {} });

    w.clock.set('2026-03-01T12:30:00Z');
    const first = await sweepDue(w.deps);
    expect(first.fired).toBe(5);
    expect(first.failed.map((f) => [f.kind, f.id, f.failures, f.retryAt])).toEqual([
      ['no-such-kind', 'unknown', 1, '2026-03-01T12:30:30.000Z'],
      ['grant-expiry', 'bad-payload', 1, '2026-03-01T12:30:30.000Z'],
      ['takedown-deadline', big.takedownId, 1, '2026-03-01T12:30:30.000Z'],
    ]);
    expect(String(first.failed[1]!.error)).toContain('payload.grantId is missing');
    // Refused by the transaction check before it is sent, or by DynamoDB itself: either way the item is too large.
    expect(String(first.failed[2]!.error)).toMatch(/size|item limit/i);
    // The others fired as if the poison were not there.
    expect(w.publisher.ofType('Reevaluation Requested')).toMatchObject([{ grantId: id.grant, cause: 'CONSENT_EXPIRED' }]);
    expect(w.publisher.ofType('Takedown Delivery Due')).toEqual([{ takedownId: 'td-r', attempt: 2 }]);
    // Nothing is due any more until the poison's backoff ends; the expiry's fan-out watchdog waits 5 minutes.
    expect((await sweepDue(w.deps)).fired).toBe(0);
    expect((await queued(w)).map((d) => [d.dueAt, d.kind, d.failures]).sort()).toEqual([
      ['2026-03-01T12:30:30.000Z', 'grant-expiry', 1],
      ['2026-03-01T12:30:30.000Z', 'no-such-kind', 1],
      ['2026-03-01T12:30:30.000Z', 'takedown-deadline', 1],
      ['2026-03-01T12:35:00.000Z', 'job-watchdog', undefined],
      ['2026-03-01T13:00:00.000Z', 'takedown-deadline', undefined],
    ]);

    // At the deadline, the unapproved placement is overdue; the poison fails again and waits twice as long.
    w.clock.set('2026-03-01T13:00:00Z');
    const second = await sweepDue(w.deps);
    expect(second.overdue).toBe(1);
    expect(w.publisher.ofType('Takedown Overdue')).toMatchObject([{ takedownId: unapproved!.takedownId }]);
    expect(second.failed.map((f) => [f.id, f.failures, f.retryAt]).sort()).toEqual(
      [
        ['unknown', 2, '2026-03-01T13:01:00.000Z'],
        ['bad-payload', 2, '2026-03-01T13:01:00.000Z'],
        [big.takedownId, 2, '2026-03-01T13:01:00.000Z'],
      ].sort(),
    );
    // The big placement was not changed by the failed attempts.
    expect(await w.deps.store.getPlacement('web', big.placementId)).toMatchObject({
      revision: 1,
      takedown: { takedownId: big.takedownId },
    });
    expect((await w.deps.store.getPlacement('web', big.placementId))?.takedown?.overdue).toBeUndefined();
  });

  it("a fan-out batch's deadline item: each takedown checked once, one that fails stops none of the others", async () => {
    const w = world('2026-03-01T12:00:00Z');
    const id = ids();
    await w.send('Asset Published', publishedDetail({ assetId: `ua-${id.u}`, twinIds: [id.twin], placementId: `ua-${id.u}` }));
    await w.send('Asset Published', publishedDetail({ assetId: `ub-${id.u}`, twinIds: [id.twin], placementId: `ub-${id.u}` }));
    const [a, b] = w.publisher.ofType('Takedown Requested');
    const big = await placementAtTheSizeLimit(id.twin, '2026-03-01T12:20:00.000Z');
    // The poison sits between the two: both are still checked.
    const takedownIds = [a!.takedownId, big.takedownId, b!.takedownId];
    await w.deps.due.schedule({
      dueAt: '2026-03-01T12:20:00.000Z',
      kind: 'takedown-deadline',
      id: a!.takedownId,
      payload: { takedownIds },
    });
    await w.deps.due.schedule({
      dueAt: '2026-03-01T12:20:00.000Z',
      kind: 'takedown-deadline',
      id: 'bad-batch',
      payload: { takedownIds: [] },
    });
    w.clock.set('2026-03-01T12:20:00Z');
    const first = await sweepDue(w.deps);
    expect(first.overdue).toBe(2);
    expect(first.failed.map((f) => [f.id, f.failures, f.retryAt]).sort()).toEqual(
      [
        [a!.takedownId, 1, '2026-03-01T12:20:30.000Z'],
        ['bad-batch', 1, '2026-03-01T12:20:30.000Z'],
      ].sort(),
    );
    expect(first.failed.map((f) => String(f.error)).join(' ')).toMatch(/size|item limit/i);
    expect(first.failed.map((f) => String(f.error)).join(' ')).toContain('payload.takedownIds must be 1 to 10 takedown ids');
    expect(
      w.publisher
        .ofType('Takedown Overdue')
        .map((o) => o.takedownId)
        .sort(),
    ).toEqual([a!.takedownId, b!.takedownId].sort());
    // Fired again after its backoff: the two already overdue are not marked twice.
    w.clock.set('2026-03-01T12:20:30Z');
    const again = await sweepDue(w.deps);
    expect(again.overdue).toBe(0);
    expect(again.failed.map((f) => [f.id, f.failures]).sort()).toEqual(
      [
        [a!.takedownId, 2],
        ['bad-batch', 2],
      ].sort(),
    );
    expect(w.publisher.ofType('Takedown Overdue')).toHaveLength(2);
  });

  it('an item that fails then succeeds is removed, and its failure count does not carry over', async () => {
    const w = world('2026-03-01T12:00:00Z');
    await w.deps.due.schedule({
      dueAt: '2026-03-01T12:00:00.000Z',
      kind: 'webhook-retry',
      id: 'td-x#2',
      payload: { takedownId: 'td-x', attempt: 2 },
    });
    w.publisher.failNext = 1;
    const failed = await sweepDue(w.deps);
    expect(failed.failed).toMatchObject([{ id: 'td-x#2', failures: 1, retryAt: '2026-03-01T12:00:30.000Z' }]);
    expect(String(failed.failed[0]!.error)).toContain('bus unavailable');
    expect(w.publisher.ofType('Takedown Delivery Due')).toEqual([]);
    w.clock.set('2026-03-01T12:00:30Z');
    const fired = await sweepDue(w.deps);
    expect(fired).toMatchObject({ fired: 1, failed: [] });
    expect(w.publisher.ofType('Takedown Delivery Due')).toEqual([{ takedownId: 'td-x', attempt: 2 }]);
    expect(await queued(w)).toEqual([]);
  });

  it('more poison than one sweep takes up cannot starve the work behind it', async () => {
    const w = world('2026-03-01T12:00:00Z');
    // 40 broken items due before one good one: the first sweep takes up 5 per shard (limit 40).
    for (let i = 0; i < 40; i++) {
      await w.deps.due.schedule({
        dueAt: `2026-03-01T11:00:${String(i).padStart(2, '0')}.000Z`,
        kind: 'webhook-retry',
        id: `bad-${i}`,
        payload: {},
      });
    }
    await w.deps.due.schedule({
      dueAt: '2026-03-01T11:59:00.000Z',
      kind: 'webhook-retry',
      id: 'td-ok#2',
      payload: { takedownId: 'td-ok', attempt: 2 },
    });
    let sweeps = 0;
    while (w.publisher.ofType('Takedown Delivery Due').length === 0 && sweeps < 10) {
      await sweepDue(w.deps, 40);
      sweeps++;
    }
    expect(w.publisher.ofType('Takedown Delivery Due')).toEqual([{ takedownId: 'td-ok', attempt: 2 }]);
    // Each sweep sets aside what it took up, so the good item is reached within a few sweeps, at the same clock time.
    expect(sweeps).toBeLessThan(10);
    // What was taken up waits 30 s; the rest is still due, untouched.
    const left = await queued(w);
    expect(left).toHaveLength(40);
    for (const d of left) {
      expect(d.failures === 1 ? d.dueAt : d.failures).toBe(d.failures === 1 ? '2026-03-01T12:00:30.000Z' : undefined);
    }
  });
});

describe('set-aside backoff', () => {
  it('30 s after the first failure, doubling, at most an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 50].map((n) => setAsideDelayMs(n) / 1000)).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600,
    ]);
    expect(SET_ASIDE).toEqual({ firstDelayMs: 30_000, maxDelayMs: 3_600_000 });
    expect(() => setAsideDelayMs(0)).toThrow(RangeError);
    expect(() => setAsideDelayMs(1.5)).toThrow(RangeError);
  });
});
