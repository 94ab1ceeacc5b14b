import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startPutEventsServer, type PutEventsServer } from '../../local/bus/put-events-server.ts';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/eventbridge-publisher.ts';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import type { PublicationRecord } from '../../shared/model/records.ts';
import { reevaluatePlacements } from '../../shared/use-cases/reevaluate-placements.ts';
import type { ReevaluationRequest } from '../../shared/use-cases/reevaluation-requested.ts';
import { grantDetail, ids } from '../support/fixtures.ts';
import { db, tables, world } from '../support/harness.ts';
import { seedPlacements, seedPublication } from '../support/seed.ts';

let server: PutEventsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A world whose events go through the real EventBridge client to the local PutEvents endpoint (256 KB per call, as EventBridge). */
async function worldOnTheBus() {
  const w = world('2026-03-01T12:00:00Z');
  const received: EventEnvelope[] = [];
  server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: (_bus, e) => void received.push(e) });
  const client = new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  w.deps.publisher = new EventBridgePublisher(client, 'twinguard', async () => {});
  const ofType = (detailType: string) =>
    received.filter((e) => e['detail-type'] === detailType).map((e) => e.detail as Record<string, any>);
  return { ...w, received, ofType };
}

describe('a revocation does not stall on large takedowns (issue 8, failure 2)', () => {
  it('100 placements with 27 KB URLs, stored before the url bound: every takedown goes out and the job finishes', async () => {
    const w = await worldOnTheBus();
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
    const url = `https://example.invalid/${'u'.repeat(27 * 1024)}`;
    const placements = await seedPlacements(db, tables.consent, {
      count: 100,
      prefix: `p-${id.u}`,
      publication,
      reliesOn: publication.grants,
      url,
    });

    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    const [request] = w.ofType('Reevaluation Requested') as ReevaluationRequest[];
    expect(await reevaluatePlacements(w.deps, request!)).toBe('done');

    const sent = w.ofType('Takedown Requested');
    expect(sent.map((t) => t.placementId).sort()).toEqual(placements.map((p) => p.placementId).sort());
    expect(new Set(sent.map((t) => t.url))).toEqual(new Set([url]));
    expect(await w.deps.fanout.getJob(request!.jobId)).toMatchObject({ status: 'done', scanned: 100, takedowns: 100 });
  });
});
