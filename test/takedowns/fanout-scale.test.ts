import { describe, expect, it } from 'vitest';
import type { PublicationRecord } from '../../shared/model/records.ts';
import { reevaluatePlacements } from '../../shared/use-cases/reevaluate-placements.ts';
import { grantDetail, ids } from '../support/fixtures.ts';
import { db, tables, world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';
import { seedPlacements, seedPublication } from '../support/seed.ts';

class InjectedCrash extends Error {}

async function twinWithPlacements(count: number) {
  const w = world('2026-03-01T12:00:00Z');
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
  const publication: PublicationRecord = {
    publicationId: `pub-${id.u}`,
    assetId: `asset-${id.u}`,
    channel: 'instagram',
    twinIds: [id.twin],
    licensee: 'brand-hm',
    medium: 'image',
    modifications: ['garment'],
    territories: ['SE'],
    aiLabelled: true,
    approved: true,
    grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
    decisionId: `dec-${id.u}`,
    decidedAt: '2026-03-01T08:00:00Z',
  };
  await seedPublication(db, tables.consent, publication);
  const placements = await seedPlacements(db, tables.consent, {
    count,
    prefix: `p-${id.u}`,
    publication,
    reliesOn: publication.grants,
    channels: ['instagram', 'tiktok', 'web'],
  });
  return { ...w, id, placements };
}

describe('fan-out at scale', () => {
  it('hands over to a fresh invocation after its budget, and finishes every placement once', async () => {
    const { send, publisher, deps, id, placements } = await twinWithPlacements(650);
    deps.settings.reevaluationBudget = 200;
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    const invocations = await runReevaluations(deps, publisher);
    expect(invocations).toBe(4);
    const sent = publisher.ofType('Takedown Requested').map((t) => `${t.channel}/${t.placementId}`);
    expect(sent).toHaveLength(650);
    expect(new Set(sent)).toEqual(new Set(placements.map((p) => `${p.channel}/${p.placementId}`)));
  });

  it('20,000 placements, crashed midway and resumed: every takedown sent exactly once', async () => {
    const { send, publisher, deps, id, placements } = await twinWithPlacements(20_000);
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    const request = publisher.ofType('Reevaluation Requested')[0]! as any;
    let pages = 0;
    // Crash halfway, after the 100th page was committed and sent but before its cursor was saved.
    await expect(
      runReevaluations(deps, publisher, (step) => {
        if (step === 'page-committed' && ++pages === 100) throw new InjectedCrash('injected');
      }),
    ).rejects.toThrow(InjectedCrash);
    expect(publisher.ofType('Takedown Requested')).toHaveLength(10_000);
    // The platform retries the same request; continuations follow until the job is done.
    publisher.events.push({ detailType: 'Reevaluation Requested', detail: request });
    await runReevaluations(deps, publisher);
    const sent = publisher.ofType('Takedown Requested');
    expect(sent).toHaveLength(20_000);
    const keys = new Set(sent.map((t) => `${t.channel}/${t.placementId}`));
    expect(keys.size).toBe(20_000);
    expect(keys).toEqual(new Set(placements.map((p) => `${p.channel}/${p.placementId}`)));
    expect(new Set(sent.map((t) => t.takedownId)).size).toBe(20_000);
    const job = await deps.fanout.getJob(request.jobId);
    expect({ status: job?.status, scanned: job?.scanned, takedowns: job?.takedowns }).toEqual({
      status: 'done',
      scanned: 20_000,
      takedowns: 20_000,
    });
  }, 600_000);

  it('a crash after takedowns were stored but before they were sent: the resume sends them, once', async () => {
    const { send, publisher, deps, id } = await twinWithPlacements(300);
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    const request = publisher.ofType('Reevaluation Requested')[0]! as any;
    // The bus refuses one batch of the first page: those takedowns are committed, not sent.
    publisher.failNext = 1;
    await expect(reevaluatePlacements(deps, request)).rejects.toThrow('bus unavailable');
    expect(publisher.ofType('Takedown Requested')).toHaveLength(90);
    await reevaluatePlacements(deps, request);
    const sent = publisher.ofType('Takedown Requested').map((t) => t.placementId);
    expect(sent).toHaveLength(300);
    expect(new Set(sent).size).toBe(300);
  });
});
