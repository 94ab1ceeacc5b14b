import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startPutEventsServer, type PutEventsServer } from '../../local/bus/put-events-server.ts';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/eventbridge-publisher.ts';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { reevaluatePlacements } from '../../shared/use-cases/reevaluate-placements.ts';
import type { ReevaluationRequest } from '../../shared/use-cases/reevaluation-requested.ts';
import { grantedTwinWithPlacements } from '../support/granted-twin.ts';
import { world } from '../support/harness.ts';

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
    const url = `https://example.invalid/${'u'.repeat(27 * 1024)}`;
    const { id, placements } = await grantedTwinWithPlacements(w, { count: 100, url });

    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    const [request] = w.ofType('Reevaluation Requested') as ReevaluationRequest[];
    expect(await reevaluatePlacements(w.deps, request!)).toBe('done');

    const sent = w.ofType('Takedown Requested');
    expect(sent.map((t) => t.placementId).sort()).toEqual(placements.map((p) => p.placementId).sort());
    expect(new Set(sent.map((t) => t.url))).toEqual(new Set([url]));
    expect(await w.deps.fanout.getJob(request!.jobId)).toMatchObject({ status: 'done', scanned: 100, takedowns: 100 });
  });
});
