import { describe, expect, it } from 'vitest';
import { grantDetail, ids, publicationDetail, publishedDetail } from '../support/fixtures.ts';
import { world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';

/** A twin with one grant, an approved publication, and `n` live placements reported through the bus. */
async function livePlacements(n: number, grantOver: Record<string, unknown> = {}, channels = ['instagram']) {
  const w = world('2026-03-01T12:00:00Z', 3600);
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, ...grantOver }));
  const placements: Record<string, any>[] = [];
  for (const channel of channels) {
    const pub = publicationDetail({ twinIds: [id.twin], channel, assetId: `asset-${id.u}` });
    await w.send('Publication Requested', pub);
    for (let i = 0; i < n; i++) {
      const p = publishedDetail({
        assetId: pub.assetId,
        channel,
        twinIds: [id.twin],
        publicationId: pub.publicationId,
        placementId: `${channel}-${id.u}-${i}`,
      });
      await w.send('Asset Published', p);
      placements.push(p);
    }
  }
  expect(w.publisher.ofType('Takedown Requested')).toEqual([]);
  return { ...w, id, placements };
}

const revoke = (id: { grant: string; twin: string }) => ({
  grantId: id.grant,
  twinId: id.twin,
  revokedAt: '2026-03-01T12:00:00Z',
  reason: 'talent withdrew consent',
});

describe('revocation pulls every placement that relied on the grant', () => {
  it('takes down each placement once, with CONSENT_REVOKED, the grant and a deadline', async () => {
    const { send, publisher, deps, id, placements } = await livePlacements(3, {}, ['instagram', 'web']);
    await send('Consent Revoked', revoke(id));
    await runReevaluations(deps, publisher);
    const takedowns = publisher.ofType('Takedown Requested');
    expect(takedowns.map((t) => `${t.channel}/${t.placementId}`).sort()).toEqual(
      placements.map((p) => `${p.channel}/${p.placementId}`).sort(),
    );
    for (const t of takedowns) {
      expect(t).toMatchObject({
        reason: 'CONSENT_REVOKED',
        grantIds: [id.grant],
        twinIds: [id.twin],
        requestedAt: '2026-03-01T12:00:00.000Z',
        deadline: '2026-03-01T13:00:00.000Z',
      });
      expect(t.url).toBe('https://example.invalid/p/17895');
    }
    expect(new Set(takedowns.map((t) => t.takedownId)).size).toBe(6);
    const stored = await deps.store.getPlacement('web', placements[5]!.placementId);
    expect(stored).toMatchObject({ status: 'takedown-requested', takedown: { reason: 'CONSENT_REVOKED' } });
  });

  it('a redelivered revocation or re-evaluation request sends nothing twice', async () => {
    const { send, publisher, deps, id } = await livePlacements(4);
    const revocation = revoke(id);
    await send('Consent Revoked', revocation);
    await send('Consent Revoked', revocation);
    await runReevaluations(deps, publisher);
    const request = publisher.ofType('Reevaluation Requested')[0]!;
    publisher.events.push({ detailType: 'Reevaluation Requested', detail: request });
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested')).toHaveLength(4);
  });

  it('a placement still covered by another grant of the twin stays live and moves onto it', async () => {
    const { send, publisher, deps, id, placements } = await livePlacements(2);
    await send('Consent Granted', grantDetail({ grantId: id.grant2, twinId: id.twin, talentId: id.talent }));
    await send('Consent Revoked', revoke(id));
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
    expect((await deps.store.getPlacement('instagram', placements[0]!.placementId))?.reliesOn).toEqual([
      { twinId: id.twin, grantId: id.grant2, version: 1 },
    ]);
    // Now the other grant goes too: the placement is found through it.
    await send('Consent Revoked', { ...revoke(id), grantId: id.grant2 });
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested').map((t) => [t.reason, t.grantIds])).toEqual([
      ['CONSENT_REVOKED', [id.grant2]],
      ['CONSENT_REVOKED', [id.grant2]],
    ]);
  });

  it('placements of other grants are left alone', async () => {
    const a = await livePlacements(2);
    const b = await livePlacements(2);
    await a.send('Consent Revoked', revoke(a.id));
    await runReevaluations(a.deps, a.publisher);
    expect(a.publisher.ofType('Takedown Requested')).toHaveLength(2);
    expect((await b.deps.store.getPlacement('instagram', b.placements[0]!.placementId))?.status).toBe('live');
  });

  it('losing one twin of a multi-twin asset pulls the asset, naming all its twins', async () => {
    const w = world();
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    await w.send('Consent Granted', grantDetail({ grantId: id.grant2, twinId: id.twin2, talentId: id.talent2 }));
    const pub = publicationDetail({ twinIds: [id.twin, id.twin2] });
    await w.send('Publication Requested', pub);
    const live = publishedDetail({
      assetId: pub.assetId,
      channel: pub.channel,
      twinIds: [id.twin, id.twin2],
      publicationId: pub.publicationId,
    });
    await w.send('Asset Published', live);
    await w.send('Consent Revoked', { grantId: id.grant2, twinId: id.twin2, revokedAt: '2026-03-01T12:00:00Z' });
    await runReevaluations(w.deps, w.publisher);
    expect(w.publisher.ofType('Takedown Requested')).toMatchObject([
      { placementId: live.placementId, twinIds: [id.twin, id.twin2], grantIds: [id.grant2], reason: 'CONSENT_REVOKED' },
    ]);
    // The other twin's grant goes too while the takedown is open: no second takedown.
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    await runReevaluations(w.deps, w.publisher);
    expect(w.publisher.ofType('Takedown Requested')).toHaveLength(1);
  });
});

describe('narrowing and expiry', () => {
  it('an amendment that drops a channel takes down only that channel, with SCOPE_NARROWED', async () => {
    const { send, publisher, deps, id } = await livePlacements(2, {}, ['instagram', 'web']);
    await send(
      'Consent Granted',
      grantDetail({
        grantId: id.grant,
        twinId: id.twin,
        talentId: id.talent,
        version: 2,
        scope: { ...grantDetail().scope, channels: ['web'] },
      }),
    );
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested').map((t) => [t.channel, t.reason])).toEqual([
      ['instagram', 'SCOPE_NARROWED'],
      ['instagram', 'SCOPE_NARROWED'],
    ]);
  });

  it("an amendment that drops a territory takes down only the placements live there, whatever the publication's territories", async () => {
    const w = world('2026-03-01T12:00:00Z', 3600);
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    const pub = publicationDetail({ twinIds: [id.twin], territories: ['SE', 'DE'] });
    await w.send('Publication Requested', pub);
    const live = (territories: string[]) =>
      publishedDetail({ assetId: pub.assetId, channel: pub.channel, publicationId: pub.publicationId, twinIds: [id.twin], territories });
    const [inSe, inDe] = [live(['SE']), live(['DE'])];
    await w.send('Asset Published', inSe);
    await w.send('Asset Published', inDe);
    await w.send(
      'Consent Granted',
      grantDetail({
        grantId: id.grant,
        twinId: id.twin,
        talentId: id.talent,
        version: 2,
        scope: { ...grantDetail().scope, territories: ['SE', 'US'] },
      }),
    );
    await runReevaluations(w.deps, w.publisher);
    expect(w.publisher.ofType('Takedown Requested')).toMatchObject([{ placementId: inDe.placementId, reason: 'SCOPE_NARROWED' }]);
    expect(await w.deps.store.getPlacement(pub.channel, inSe.placementId)).toMatchObject({
      status: 'live',
      reliesOn: [{ twinId: id.twin, grantId: id.grant, version: 2 }],
    });
  });

  it('an amendment that only widens re-evaluates nothing', async () => {
    const { send, publisher, id } = await livePlacements(1);
    await send(
      'Consent Granted',
      grantDetail({
        grantId: id.grant,
        twinId: id.twin,
        version: 2,
        scope: { ...grantDetail().scope, channels: ['*'] },
        validUntil: '2027-12-31T00:00:00Z',
      }),
    );
    expect(publisher.ofType('Reevaluation Requested')).toEqual([]);
  });

  it('at validUntil the sweep re-evaluates the grant’s placements: CONSENT_EXPIRED', async () => {
    const { publisher, deps, clock, id } = await livePlacements(2, { validUntil: '2026-03-01T12:30:00Z' });
    const { sweepDue } = await import('../../shared/use-cases/sweep-due.ts');
    clock.set('2026-03-01T12:29:59Z');
    await sweepUntilIdle(sweepDue, deps);
    expect(publisher.ofType('Reevaluation Requested').filter((r) => r.grantId === id.grant)).toEqual([]);
    clock.set('2026-03-01T12:30:00Z');
    await sweepUntilIdle(sweepDue, deps);
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested').map((t) => t.reason)).toEqual(['CONSENT_EXPIRED', 'CONSENT_EXPIRED']);
  });

  it('the expiry of an amended version does nothing; the new version’s expiry counts', async () => {
    const { send, publisher, deps, clock, id } = await livePlacements(1, { validUntil: '2026-03-01T12:30:00Z' });
    await send(
      'Consent Granted',
      grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, version: 2, validUntil: '2026-03-01T14:00:00Z' }),
    );
    const { sweepDue } = await import('../../shared/use-cases/sweep-due.ts');
    clock.set('2026-03-01T13:00:00Z');
    await sweepUntilIdle(sweepDue, deps);
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
    clock.set('2026-03-01T14:00:00Z');
    await sweepUntilIdle(sweepDue, deps);
    await runReevaluations(deps, publisher);
    expect(publisher.ofType('Takedown Requested').map((t) => t.reason)).toEqual(['CONSENT_EXPIRED']);
  });
});

describe('deadlines', () => {
  it('a takedown not confirmed by its deadline is overdue, once; a confirmed one is not', async () => {
    const { send, publisher, deps, clock, id } = await livePlacements(2);
    await send('Consent Revoked', revoke(id));
    await runReevaluations(deps, publisher);
    const [first, second] = publisher.ofType('Takedown Requested');
    await send('Takedown Completed', {
      takedownId: first!.takedownId,
      assetId: first!.assetId,
      channel: first!.channel,
      placementId: first!.placementId,
      completedAt: '2026-03-01T12:10:00Z',
    });
    const { sweepDue } = await import('../../shared/use-cases/sweep-due.ts');
    clock.set('2026-03-01T12:59:59Z');
    await sweepUntilIdle(sweepDue, deps);
    expect(publisher.ofType('Takedown Overdue')).toEqual([]);
    clock.set('2026-03-01T13:00:00Z');
    await sweepUntilIdle(sweepDue, deps);
    await sweepUntilIdle(sweepDue, deps);
    expect(publisher.ofType('Takedown Overdue')).toEqual([
      {
        takedownId: second!.takedownId,
        assetId: second!.assetId,
        channel: second!.channel,
        placementId: second!.placementId,
        deadline: '2026-03-01T13:00:00.000Z',
      },
    ]);
    expect(await deps.store.getPlacement(first!.channel, first!.placementId)).toMatchObject({
      status: 'taken-down',
      takedown: { completedAt: '2026-03-01T12:10:00Z' },
    });
    expect(await deps.store.getPlacement(second!.channel, second!.placementId)).toMatchObject({
      status: 'takedown-requested',
      takedown: { overdue: true },
    });
  });

  it('a channel reports a failed takedown; a final failure is recorded on the placement', async () => {
    const { send, publisher, deps, id } = await livePlacements(1);
    await send('Consent Revoked', revoke(id));
    await runReevaluations(deps, publisher);
    const [t] = publisher.ofType('Takedown Requested');
    const report = { takedownId: t!.takedownId, assetId: t!.assetId, channel: t!.channel, placementId: t!.placementId };
    await send('Takedown Failed', { ...report, error: 'rate limited', final: false });
    expect((await deps.store.getPlacement(t!.channel, t!.placementId))?.status).toBe('takedown-requested');
    await send('Takedown Failed', { ...report, error: 'gone', final: true });
    expect(await deps.store.getPlacement(t!.channel, t!.placementId)).toMatchObject({
      status: 'takedown-failed',
      takedown: { lastError: 'gone', final: true, attempts: 2 },
    });
  });

  it('a batch of takedowns shares one record: each id names its batch and finds its own placement, and no other', async () => {
    const { send, publisher, deps, id } = await livePlacements(12);
    await send('Consent Revoked', revoke(id));
    await runReevaluations(deps, publisher);
    const takedowns = publisher.ofType('Takedown Requested');
    expect(takedowns).toHaveLength(12);
    const batches = new Map<string, number[]>();
    for (const t of takedowns) {
      const [, batch, index] = /^(.+)_(\d+)$/.exec(t.takedownId as string)!;
      batches.set(batch!, [...(batches.get(batch!) ?? []), Number(index)]);
      expect(await deps.store.getTakedownRef(t.takedownId as string)).toEqual({ channel: t.channel, placementId: t.placementId });
    }
    // The batches of a page are sent side by side, so either may reach the bus first.
    expect([...batches.values()].map((i) => i.sort((a, b) => a - b)).sort((x, y) => y.length - x.length)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [0, 1],
    ]);
    const small = [...batches].find(([, i]) => i.length === 2)![0];
    expect(await deps.store.getTakedownRef(`${small}_7`)).toBeUndefined();
    expect(await deps.store.getTakedownRef(small)).toBeUndefined();
    // A report naming one takedown of a batch and another's placement is refused, and changes nothing.
    const [a, b] = takedowns;
    await send('Takedown Completed', {
      takedownId: a!.takedownId,
      assetId: b!.assetId,
      channel: b!.channel,
      placementId: b!.placementId,
      completedAt: '2026-03-01T12:10:00Z',
    });
    expect(publisher.ofType('Event Rejected').at(-1)!.errors[0]!.path).toBe('detail.placementId');
    await send('Takedown Completed', {
      takedownId: `${small}_7`,
      assetId: b!.assetId,
      channel: b!.channel,
      placementId: b!.placementId,
      completedAt: '2026-03-01T12:10:00Z',
    });
    expect(publisher.ofType('Event Rejected').at(-1)!.errors[0]!.path).toBe('detail.takedownId');
    expect((await deps.store.getPlacement(b!.channel, b!.placementId))?.status).toBe('takedown-requested');
  });

  it('a report for an unknown takedown is rejected', async () => {
    const { send, publisher } = world();
    await send('Takedown Completed', {
      takedownId: 'td-nope',
      assetId: 'a',
      channel: 'web',
      placementId: 'p',
      completedAt: '2026-03-01T12:00:00Z',
    });
    expect(publisher.ofType('Event Rejected')[0]!.errors[0]!.path).toBe('detail.takedownId');
  });
});

async function sweepUntilIdle(
  sweepDue: typeof import('../../shared/use-cases/sweep-due.ts').sweepDue,
  deps: Parameters<typeof sweepDue>[0],
) {
  while ((await sweepDue(deps)).fired > 0);
}
