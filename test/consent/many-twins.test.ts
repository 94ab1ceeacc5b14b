import { describe, expect, it } from 'vitest';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoConsentStore } from '../../shared/adapters/dynamodb/dynamo-consent-store.ts';
import { LIMITS } from '../../shared/model/events/limits.ts';
import { grantDetail, publicationDetail, publishedDetail } from '../support/fixtures.ts';
import { auditOf, db, uid, usageOf, world } from '../support/harness.ts';
import { countsOfTwin } from '../support/placement-counts.ts';
import { runReevaluations } from '../support/reevaluations.ts';

type World = ReturnType<typeof world>;

/** `n` twins, each with its own talent and grant. */
async function twins(w: World, n: number, tag: string) {
  const u = uid();
  const all = Array.from({ length: n }, (_, i) => ({
    twin: `twin-${tag}${i}-${u}`,
    grant: `grant-${tag}${i}-${u}`,
    talent: `talent-${tag}${i}-${u}`,
  }));
  for (const t of all) await w.send('Consent Granted', grantDetail({ grantId: t.grant, twinId: t.twin, talentId: t.talent }));
  return all;
}

async function approved(w: World, twinIds: string[]) {
  const pub = publicationDetail({ twinIds });
  await w.send('Publication Requested', pub);
  expect(w.publisher.ofType('Publication Approved').map((p) => p.publicationId)).toContain(pub.publicationId);
  return pub;
}

const revoke = (t: { grant: string; twin: string }) => ({ grantId: t.grant, twinId: t.twin, revokedAt: '2026-03-01T12:00:00Z' });

describe('a placement with many twins is recorded (issue 8, failure 4)', () => {
  it(`${LIMITS.twins} twins through Asset Published: live, every talent paid once, every trail and index written`, async () => {
    const w = world();
    const cast = await twins(w, LIMITS.twins, 'a');
    const pub = await approved(
      w,
      cast.map((t) => t.twin),
    );
    const placement = publishedDetail({
      assetId: pub.assetId,
      channel: pub.channel,
      publicationId: pub.publicationId,
      twinIds: cast.map((t) => t.twin),
    });
    expect(await w.send('Asset Published', placement)).toBe('processed');

    expect(w.publisher.ofType('Takedown Requested')).toEqual([]);
    expect(
      w.publisher
        .ofType('Usage Recorded')
        .map((u) => u.twinId)
        .sort(),
    ).toEqual(cast.map((t) => t.twin).sort());
    const stored = await w.deps.store.getPlacement(pub.channel, placement.placementId);
    expect(stored).toMatchObject({ status: 'live' });
    expect(stored!.reliesOn.map((g) => g.grantId).sort()).toEqual(cast.map((t) => t.grant).sort());
    for (const t of cast) {
      expect(await usageOf(t.talent)).toMatchObject([{ kind: 'placement', refId: placement.placementId, grantId: t.grant }]);
      expect((await auditOf(t.twin)).filter((a) => a.kind === 'placement').map((a) => a.outcome)).toEqual(['live']);
      expect((await countsOfTwin({ db, tables: w.tables }, t.twin)).live).toBe(1);
    }
    // A duplicate changes nothing and pays no one twice.
    expect(await w.send('Asset Published', placement)).toBe('duplicate');
    expect(w.publisher.ofType('Usage Recorded')).toHaveLength(LIMITS.twins);
    expect(await usageOf(cast[0]!.talent)).toHaveLength(1);

    // And a later revocation of any one of them finds it.
    await w.send('Consent Revoked', revoke(cast[7]!));
    await runReevaluations(w.deps, w.publisher);
    expect(w.publisher.ofType('Takedown Requested')).toMatchObject([
      { placementId: placement.placementId, reason: 'CONSENT_REVOKED', grantIds: [cast[7]!.grant] },
    ]);
    expect(w.publisher.ofType('Takedown Requested')[0]!.twinIds).toHaveLength(LIMITS.twins);
  });

  it(`${LIMITS.twins} twins named by the placement and ${LIMITS.twins} others by its publication: all ${2 * LIMITS.twins} recorded`, async () => {
    const w = world();
    const approvedCast = await twins(w, LIMITS.twins, 'p');
    const namedCast = await twins(w, LIMITS.twins, 'n');
    const pub = await approved(
      w,
      approvedCast.map((t) => t.twin),
    );
    const placement = publishedDetail({
      assetId: pub.assetId,
      channel: pub.channel,
      publicationId: pub.publicationId,
      twinIds: namedCast.map((t) => t.twin),
    });
    expect(await w.send('Asset Published', placement)).toBe('processed');
    const everyone = [...approvedCast, ...namedCast];
    expect(w.publisher.ofType('Usage Recorded')).toHaveLength(everyone.length);
    const stored = await w.deps.store.getPlacement(pub.channel, placement.placementId);
    expect(stored).toMatchObject({ status: 'live' });
    expect(stored!.twinIds).toHaveLength(everyone.length);
    for (const t of [approvedCast[0]!, namedCast[LIMITS.twins - 1]!]) {
      expect(await usageOf(t.talent)).toHaveLength(1);
      expect((await countsOfTwin({ db, tables: w.tables }, t.twin)).live).toBe(1);
    }

    await w.send('Consent Revoked', revoke(namedCast[3]!));
    await runReevaluations(w.deps, w.publisher);
    const [takedown] = w.publisher.ofType('Takedown Requested');
    expect(takedown).toMatchObject({ placementId: placement.placementId, reason: 'CONSENT_REVOKED', grantIds: [namedCast[3]!.grant] });
    expect(takedown!.twinIds).toHaveLength(everyone.length);
  });

  it('the fan-out takes down many placements of 40 twins each, every one once', async () => {
    const w = world();
    const approvedCast = await twins(w, LIMITS.twins, 'p');
    const namedCast = await twins(w, LIMITS.twins, 'n');
    const pub = await approved(
      w,
      approvedCast.map((t) => t.twin),
    );
    const placements = Array.from({ length: 3 }, () =>
      publishedDetail({
        assetId: pub.assetId,
        channel: pub.channel,
        publicationId: pub.publicationId,
        twinIds: namedCast.map((t) => t.twin),
      }),
    );
    for (const p of placements) await w.send('Asset Published', p);
    expect(w.publisher.ofType('Takedown Requested')).toEqual([]);

    await w.send('Consent Revoked', revoke(approvedCast[0]!));
    await runReevaluations(w.deps, w.publisher);
    const sent = w.publisher.ofType('Takedown Requested');
    expect(sent.map((t) => t.placementId).sort()).toEqual(placements.map((p) => p.placementId).sort());
    for (const p of placements)
      expect(await w.deps.store.getPlacement(pub.channel, p.placementId)).toMatchObject({ status: 'takedown-requested' });
    // One batch: each twin's trail has one line listing the three takedowns.
    const lines = (await auditOf(namedCast[0]!.twin)).filter((a) => a.kind === 'takedown');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.request.takedowns.map((t: { placementId: string }) => t.placementId).sort()).toEqual(
      placements.map((p) => p.placementId).sort(),
    );
  });

  it(`an unapproved placement of ${LIMITS.twins} twins is recorded and taken down`, async () => {
    const w = world();
    const cast = await twins(w, LIMITS.twins, 'u');
    const placement = publishedDetail({ assetId: `asset-${uid()}`, twinIds: cast.map((t) => t.twin) });
    await w.send('Asset Published', placement);
    expect(w.publisher.ofType('Takedown Requested')).toMatchObject([
      { reason: 'UNAPPROVED_PUBLICATION', placementId: placement.placementId },
    ]);
    expect((await countsOfTwin({ db, tables: w.tables }, cast[19]!.twin)).takedownRequested).toBe(1);
  });

  it('a run stopped between the steps of a many-twin write is finished by the redelivery: every talent paid once', async () => {
    const w = world();
    const cast = await twins(w, LIMITS.twins, 'c');
    const pub = await approved(
      w,
      cast.map((t) => t.twin),
    );
    const placement = publishedDetail({
      assetId: pub.assetId,
      channel: pub.channel,
      publicationId: pub.publicationId,
      twinIds: cast.map((t) => t.twin),
    });
    // The machine dies after the placement's transaction, having written 5 usage records: the
    // remainder goes in chunks of 25 records, each with its log marker, the first of them
    // the 20 audit lines and 5 usage records; it dies on a chunk of usage records only.
    const dying = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: any) => {
          const puts = command instanceof TransactWriteCommand ? (command.input.TransactItems ?? []).flatMap((i) => i.Put?.Item ?? []) : [];
          const records = puts.filter((item) => item.type !== 'log-pending');
          if (records.length > 0 && records.every((item) => item.type === 'usage')) throw new Error('machine died');
          return target.send(command);
        };
      },
    });
    const store = w.deps.store;
    w.deps.store = new DynamoConsentStore(dying, w.tables);
    const eventId = `evt-${uid()}`;
    await expect(w.send('Asset Published', placement, { id: eventId })).rejects.toThrow('machine died');
    expect(await w.deps.store.getPlacement(pub.channel, placement.placementId)).toMatchObject({ status: 'live' });
    const paid = async () => (await Promise.all(cast.map((t) => usageOf(t.talent)))).map((u) => u.length);
    expect((await paid()).filter((n) => n === 1).length).toBeLessThan(LIMITS.twins);

    w.deps.store = store;
    expect(await w.send('Asset Published', placement, { id: eventId })).toBe('duplicate');
    expect(await paid()).toEqual(cast.map(() => 1));
    for (const t of cast) expect((await auditOf(t.twin)).filter((a) => a.kind === 'placement')).toHaveLength(1);
    expect(w.publisher.ofType('Usage Recorded')).toHaveLength(LIMITS.twins);
    // Nothing is left to finish: a further duplicate writes nothing more.
    expect(await w.send('Asset Published', placement)).toBe('duplicate');
    expect(await paid()).toEqual(cast.map(() => 1));
  });

  it('without publicationId, the twins are those named and those of the approval it is judged by, not of every approval of the asset', async () => {
    const w = world();
    const asset = `asset-${uid()}`;
    const casts = [];
    for (const tag of ['x', 'y', 'z']) {
      const cast = await twins(w, 5, tag);
      w.clock.set(`2026-03-01T12:00:0${casts.length}Z`);
      await w.send('Publication Requested', publicationDetail({ assetId: asset, twinIds: cast.map((t) => t.twin) }));
      casts.push(cast);
    }
    const named = await twins(w, 1, 'w');
    const placement = publishedDetail({ assetId: asset, twinIds: [named[0]!.twin] });
    await w.send('Asset Published', placement);
    const stored = await w.deps.store.getPlacement('instagram', placement.placementId);
    // The newest approval covers it.
    expect(stored).toMatchObject({ status: 'live' });
    expect([...stored!.twinIds].sort()).toEqual([named[0]!.twin, ...casts[2]!.map((t) => t.twin)].sort());
    expect(w.publisher.ofType('Usage Recorded')).toHaveLength(6);
  });
});
