import { describe, expect, it } from 'vitest';
import { grantDetail, ids, publicationDetail, publishedDetail } from '../support/fixtures.ts';
import { usageOf, world } from '../support/harness.ts';

async function approvedPublication(over: Record<string, unknown> = {}) {
  const w = world('2026-03-01T12:00:00Z', 600);
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
  const pub = publicationDetail({ twinIds: [id.twin], ...over });
  await w.send('Publication Requested', pub);
  expect(w.publisher.ofType('Publication Approved')).toHaveLength(1);
  const live = (more: Record<string, unknown> = {}) =>
    publishedDetail({ assetId: pub.assetId, channel: pub.channel, twinIds: [id.twin], publicationId: pub.publicationId, ...more });
  return { ...w, id, pub, live };
}

describe('Asset Published', () => {
  it('a covered placement is recorded, relies on its grant and is paid per placement', async () => {
    const { send, publisher, deps, id, live } = await approvedPublication();
    const placement = live();
    await send('Asset Published', placement);
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
    expect(publisher.ofType('Usage Recorded')).toEqual([
      {
        talentId: id.talent,
        twinId: id.twin,
        grantId: id.grant,
        kind: 'placement',
        amount: 200,
        currency: 'EUR',
        refId: placement.placementId,
      },
    ]);
    expect(await deps.store.getPlacement('instagram', placement.placementId)).toMatchObject({
      status: 'live',
      reliesOn: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
    });
    expect(await usageOf(id.talent)).toHaveLength(1);
  });

  it('without publicationId, any approval of the same asset and channel covers it', async () => {
    const { send, publisher, live } = await approvedPublication();
    const { publicationId: _none, ...placement } = live() as Record<string, unknown>;
    await send('Asset Published', placement);
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
  });

  it('a placement never approved is taken down at once with UNAPPROVED_PUBLICATION', async () => {
    const { send, publisher, deps } = world('2026-03-01T12:00:00Z', 600);
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    const placement = publishedDetail({ twinIds: [id.twin], assetId: `asset-${id.u}` });
    await send('Asset Published', placement);
    expect(publisher.ofType('Takedown Requested')).toEqual([
      {
        takedownId: expect.stringMatching(/^td-/),
        assetId: placement.assetId,
        channel: 'instagram',
        placementId: placement.placementId,
        url: placement.url,
        twinIds: [id.twin],
        grantIds: [],
        reason: 'UNAPPROVED_PUBLICATION',
        requestedAt: '2026-03-01T12:00:00.000Z',
        deadline: '2026-03-01T12:10:00.000Z',
      },
    ]);
    expect(publisher.ofType('Usage Recorded')).toEqual([]);
    expect((await deps.store.getPlacement('instagram', placement.placementId))?.status).toBe('takedown-requested');
  });

  it.each([
    ['a denied publication', { aiDisclosure: { labelled: false } }, {}],
    ['another channel than approved', {}, { channel: 'tiktok' }],
    ['another asset than approved', {}, { assetId: 'asset-other' }],
  ])('%s is unapproved', async (_name, pubOver, liveOver) => {
    const w = world();
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    const pub = publicationDetail({ twinIds: [id.twin], ...pubOver });
    await w.send('Publication Requested', pub);
    await w.send(
      'Asset Published',
      publishedDetail({ assetId: pub.assetId, channel: pub.channel, twinIds: [id.twin], publicationId: pub.publicationId, ...liveOver }),
    );
    expect(w.publisher.ofType('Takedown Requested').map((t) => t.reason)).toEqual(['UNAPPROVED_PUBLICATION']);
  });

  it('revoked between approval and going live: taken down with CONSENT_REVOKED', async () => {
    const { send, publisher, id, live } = await approvedPublication();
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    await send('Asset Published', live());
    expect(publisher.ofType('Takedown Requested')).toMatchObject([{ reason: 'CONSENT_REVOKED', grantIds: [id.grant] }]);
  });

  it('narrowed between approval and going live: SCOPE_NARROWED', async () => {
    const { send, publisher, id, live } = await approvedPublication();
    await send(
      'Consent Granted',
      grantDetail({
        grantId: id.grant,
        twinId: id.twin,
        version: 2,
        scope: { media: ['image'], channels: ['web'], territories: ['*'], modifications: ['garment'] },
      }),
    );
    await send('Asset Published', live());
    expect(publisher.ofType('Takedown Requested')).toMatchObject([{ reason: 'SCOPE_NARROWED', grantIds: [id.grant] }]);
  });

  it('expired between approval and going live: CONSENT_EXPIRED', async () => {
    const { send, publisher, clock, live } = await approvedPublication();
    clock.set('2027-01-01T00:00:00Z');
    await send('Asset Published', live());
    expect(publisher.ofType('Takedown Requested').map((t) => t.reason)).toEqual(['CONSENT_EXPIRED']);
  });

  it('an amendment that still covers keeps the placement live on the new version', async () => {
    const { send, publisher, deps, id, live } = await approvedPublication();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 2, validUntil: '2027-06-30T00:00:00Z' }));
    const placement = live();
    await send('Asset Published', placement);
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
    expect((await deps.store.getPlacement('instagram', placement.placementId))?.reliesOn).toEqual([
      { twinId: id.twin, grantId: id.grant, version: 2 },
    ]);
  });

  it('a repeated Asset Published for the same channel placement is a duplicate', async () => {
    const { send, publisher, id, live } = await approvedPublication();
    const placement = live();
    await send('Asset Published', placement);
    expect(await send('Asset Published', { ...placement, url: 'https://example.invalid/other' })).toBe('duplicate');
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);
    expect(await usageOf(id.talent)).toHaveLength(1);
  });

  it('a multi-twin asset needs every twin covered; one lost twin pulls it', async () => {
    const w = world();
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    await w.send('Consent Granted', grantDetail({ grantId: id.grant2, twinId: id.twin2, talentId: id.talent2 }));
    const pub = publicationDetail({ twinIds: [id.twin, id.twin2] });
    await w.send('Publication Requested', pub);
    await w.send('Consent Revoked', { grantId: id.grant2, twinId: id.twin2, revokedAt: '2026-03-01T12:00:00Z' });
    await w.send(
      'Asset Published',
      publishedDetail({ assetId: pub.assetId, channel: pub.channel, twinIds: [id.twin, id.twin2], publicationId: pub.publicationId }),
    );
    expect(w.publisher.ofType('Takedown Requested')).toMatchObject([
      { reason: 'CONSENT_REVOKED', twinIds: [id.twin, id.twin2], grantIds: [id.grant2] },
    ]);
    expect(w.publisher.ofType('Usage Recorded')).toEqual([]);
  });

  it('a placement racing a revocation is decided again and ends taken down', async () => {
    const { send, publisher, deps, id, live } = await approvedPublication();
    // The revocation commits after the placement read the grants but before it wrote.
    const store = deps.store;
    let raced = false;
    deps.store = Object.create(store, {
      grantsOfTwins: {
        value: async (twinIds: string[]) => {
          const grants = await store.grantsOfTwins(twinIds);
          if (!raced) {
            raced = true;
            deps.store = store;
            await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
            deps.store = racing;
          }
          return grants;
        },
      },
    });
    const racing = deps.store;
    const placement = live();
    await send('Asset Published', placement);
    expect(raced).toBe(true);
    expect(publisher.ofType('Takedown Requested')).toMatchObject([{ reason: 'CONSENT_REVOKED', placementId: placement.placementId }]);
    expect(publisher.ofType('Usage Recorded')).toEqual([]);
  });
});

describe('Asset Published: the placement\'s own territories (EVENTS.md "Placements")', () => {
  const narrowTo = (id: { grant: string; twin: string }, territories: string[]) =>
    grantDetail({ grantId: id.grant, twinId: id.twin, version: 2, scope: { ...grantDetail().scope, territories } });

  it('live in a territory the publication never covered: taken down with TERRITORY_NOT_ALLOWED, though consent would cover it', async () => {
    // The grant allows SE, DE and US; the publication was approved for SE and DE only.
    const { send, publisher, deps, live } = await approvedPublication();
    const placement = live({ territories: ['SE', 'US'] });
    await send('Asset Published', placement);
    expect(publisher.ofType('Takedown Requested')).toMatchObject([
      { placementId: placement.placementId, reason: 'TERRITORY_NOT_ALLOWED', grantIds: [] },
    ]);
    expect(publisher.ofType('Usage Recorded')).toEqual([]);
    expect(await deps.store.getPlacement('instagram', placement.placementId)).toMatchObject({
      status: 'takedown-requested',
      territories: ['SE', 'US'],
      reliesOn: [],
    });
  });

  it('live in a part of the approved territories: covered and paid', async () => {
    const { send, publisher, live } = await approvedPublication();
    await send('Asset Published', live({ territories: ['DE'] }));
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);
  });

  it('consent narrowed away from a territory the placement does not use: it stays live on the new version', async () => {
    const { send, publisher, deps, id, live } = await approvedPublication();
    await send('Consent Granted', narrowTo(id, ['SE']));
    const placement = live({ territories: ['SE'] });
    await send('Asset Published', placement);
    expect(publisher.ofType('Takedown Requested')).toEqual([]);
    expect((await deps.store.getPlacement('instagram', placement.placementId))?.reliesOn).toEqual([
      { twinId: id.twin, grantId: id.grant, version: 2 },
    ]);
  });

  it('consent narrowed away from a territory the placement uses: SCOPE_NARROWED', async () => {
    const { send, publisher, id, live } = await approvedPublication();
    await send('Consent Granted', narrowTo(id, ['SE']));
    await send('Asset Published', live({ territories: ['SE', 'DE'] }));
    expect(publisher.ofType('Takedown Requested')).toMatchObject([{ reason: 'SCOPE_NARROWED', grantIds: [id.grant] }]);
  });

  it('without publicationId, the approval whose territories hold the placement covers it; none does: TERRITORY_NOT_ALLOWED', async () => {
    const w = world();
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    const wide = publicationDetail({ twinIds: [id.twin], territories: ['SE', 'DE'] });
    await w.send('Publication Requested', wide);
    w.clock.set('2026-03-01T12:05:00Z');
    await w.send('Publication Requested', publicationDetail({ twinIds: [id.twin], assetId: wide.assetId, territories: ['SE'] }));
    expect(w.publisher.ofType('Publication Approved')).toHaveLength(2);
    const live = (territories: string[]) => publishedDetail({ assetId: wide.assetId, twinIds: [id.twin], territories });
    const inDe = live(['DE']);
    await w.send('Asset Published', inDe);
    expect(await w.deps.store.getPlacement('instagram', inDe.placementId)).toMatchObject({
      status: 'live',
      publicationId: wide.publicationId,
    });
    await w.send('Asset Published', live(['US']));
    expect(w.publisher.ofType('Takedown Requested').map((t) => t.reason)).toEqual(['TERRITORY_NOT_ALLOWED']);
  });

  it('a publication approved for any territory (*) holds a placement anywhere its consent allows', async () => {
    const w = world();
    const id = ids();
    await w.send(
      'Consent Granted',
      grantDetail({ grantId: id.grant, twinId: id.twin, scope: { ...grantDetail().scope, territories: ['*'] } }),
    );
    const pub = publicationDetail({ twinIds: [id.twin], territories: ['*'] });
    await w.send('Publication Requested', pub);
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 2 })); // SE, DE, US
    const live = (territories: string[]) =>
      publishedDetail({ assetId: pub.assetId, publicationId: pub.publicationId, twinIds: [id.twin], territories });
    await w.send('Asset Published', live(['JP']));
    await w.send('Asset Published', live(['US']));
    expect(w.publisher.ofType('Takedown Requested').map((t) => t.reason)).toEqual(['SCOPE_NARROWED']);
    expect(w.publisher.ofType('Usage Recorded')).toHaveLength(1);
  });
});
