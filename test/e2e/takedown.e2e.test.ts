import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPartner, type PartnerServer } from '../channels/partner-server.ts';
import { eventBridge, grant, put, startTwinGuard, terminate, uid, waitForTap, type RunningTwinGuard } from './support.ts';

const SECRET = 'web-channel-secret';
/** The channel is mid-rotation: it signs with a new Standard Webhooks secret and the old one; the partner still holds the old. */
const NEW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * Issue 4 end to end through `npm start`: a revocation pulls a live placement from a webhook
 * channel (signed, retried after a 503, confirmed), and an expiry pulls one from an event channel.
 */
describe('npm start: takedowns end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-takedown-e2e-'));
  const tap = join(dir, 'tap.jsonl');
  let twinguard: RunningTwinGuard;
  let client: EventBridgeClient;
  let web: PartnerServer;

  beforeAll(async () => {
    web = await startPartner(SECRET);
    const channels = join(dir, 'channels.json');
    // The partner answers 503 the first time, then 200.
    writeFileSync(channels, JSON.stringify({ web: { url: web.url('/script/503,200'), secrets: [NEW_SECRET, SECRET] } }));
    twinguard = await startTwinGuard(['--port', '0', '--in-memory', '--tap', tap, '--channels', channels]);
    client = eventBridge(twinguard.url);
  });

  afterAll(async () => {
    client?.destroy();
    if (twinguard?.child.exitCode === null) await terminate(twinguard);
    await web?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a revocation pulls the placement from a webhook channel: signed POST (verified by standardwebhooks), 503 retried, then completed', async () => {
    const id = uid();
    const g = grant(id);
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    const publication = await approvedPublication(client, tap, g.twinId, 'web');
    const placementId = `web-${id}`;
    await put(client, 'twinguard.channel', 'Asset Published', { ...placementOf(publication, g.twinId), placementId });
    await waitForTap(tap, (e) => e['detail-type'] === 'Usage Recorded' && e.detail.refId === placementId);

    await put(client, 'twinguard.consent', 'Consent Revoked', {
      grantId: g.grantId,
      twinId: g.twinId,
      revokedAt: new Date().toISOString(),
      reason: 'talent withdrew consent',
    });

    const requested = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Requested' && e.detail.placementId === placementId);
    expect(requested.detail).toMatchObject({ reason: 'CONSENT_REVOKED', grantIds: [g.grantId], channel: 'web' });
    const failed = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Failed' && e.detail.placementId === placementId);
    expect(failed.detail).toMatchObject({ takedownId: requested.detail.takedownId, final: false, attempts: 1 });
    const completed = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Completed' && e.detail.placementId === placementId);
    expect(completed.source).toBe('twinguard');
    expect(completed.detail.takedownId).toBe(requested.detail.takedownId);
    expect(web.received.map((r) => [r.headers['webhook-id'], r.headers['x-twinguard-delivery'], r.signatureValid])).toEqual([
      [requested.detail.takedownId, requested.detail.takedownId, true],
      [requested.detail.takedownId, requested.detail.takedownId, true],
    ]);
    // Two v1 signatures during the rotation; the deprecated header is keyed with the new secret.
    expect(web.received.map((r) => String(r.headers['webhook-signature']).split(' ').length)).toEqual([2, 2]);
    expect(web.received.map((r) => r.legacySignatureValid)).toEqual([false, false]);
    // The body is the Takedown Requested envelope as it crossed the bus.
    expect(JSON.parse(web.received[0]!.body.toString('utf8'))).toEqual(requested);
  });

  it('an expiry while the runtime runs pulls the placement from an event channel within seconds', async () => {
    const id = uid();
    const validUntil = new Date(Date.now() + 6_000).toISOString();
    const g = grant(id, { validUntil });
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    const publication = await approvedPublication(client, tap, g.twinId, 'instagram');
    const placementId = `ig-${id}`;
    await put(client, 'twinguard.channel', 'Asset Published', { ...placementOf(publication, g.twinId), placementId });

    const requested = await waitForTap(
      tap,
      (e) => e['detail-type'] === 'Takedown Requested' && e.detail.placementId === placementId,
      30_000,
    );
    expect(requested.detail).toMatchObject({ reason: 'CONSENT_EXPIRED', grantIds: [g.grantId], channel: 'instagram' });
    expect(Date.parse(requested.time)).toBeGreaterThanOrEqual(Date.parse(validUntil) - 1000);
  });
});

/** Sends publication requests (each its own id) until one is approved: the grant is processed asynchronously. */
async function approvedPublication(client: EventBridgeClient, tap: string, twinId: string, channel: string) {
  for (let i = 0; i < 50; i++) {
    const publication = {
      publicationId: `pub-${uid()}`,
      assetId: `asset-${uid()}`,
      twinIds: [twinId],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: ['garment'],
      channel,
      territories: ['SE'],
      aiDisclosure: { labelled: true },
    };
    await put(client, 'twinguard.publisher', 'Publication Requested', publication);
    const decision = await waitForTap(
      tap,
      (e) =>
        ['Publication Approved', 'Publication Denied'].includes(e['detail-type']) && e.detail.publicationId === publication.publicationId,
    );
    if (decision['detail-type'] === 'Publication Approved') return publication;
  }
  throw new Error(`no publication of ${twinId} was approved`);
}

function placementOf(publication: { assetId: string; channel: string; publicationId: string }, twinId: string) {
  return {
    assetId: publication.assetId,
    channel: publication.channel,
    publicationId: publication.publicationId,
    url: `https://example.invalid/${publication.assetId}`,
    twinIds: [twinId],
    licensee: 'brand-hm',
    territories: ['SE'],
    publishedAt: new Date().toISOString(),
  };
}
