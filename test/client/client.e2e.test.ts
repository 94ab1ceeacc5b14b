import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidEventError,
  isRenderApproved,
  isRenderDenied,
  isTakedownRequested,
  isTwinGuardEvent,
  parseSqsRecord,
  parseTwinGuardEvent,
  TwinGuardClient,
  type InboundEvent,
} from '../../client/index.ts';
import { INBOUND_EXAMPLES } from '../../shared/model/events/examples.ts';
import { isPublicDetailType } from '../../shared/model/events/outbound-schemas.ts';
import { eventBridge, grant, put, readTap, startTwinGuard, terminate, uid, waitForTap, type RunningTwinGuard } from '../e2e/support.ts';

/**
 * The typed client against `npm start`'s real PutEvents endpoint, and its parsers on what
 * the runtime really emits (the tap holds the envelopes a rule's target would receive).
 */
describe('the client against the local runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-client-'));
  const tap = join(dir, 'tap.jsonl');
  let running: RunningTwinGuard;
  let sdk: EventBridgeClient;
  let twinguard: TwinGuardClient;

  beforeAll(async () => {
    running = await startTwinGuard(['--port', '0', '--in-memory', '--tap', tap]);
    sdk = eventBridge(running.url);
    twinguard = new TwinGuardClient({ eventBridge: sdk });
  });

  afterAll(async () => {
    sdk?.destroy();
    if (running !== undefined) await terminate(running);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A granted twin: the grant sent with the client, and its effect awaited through decisions. */
  async function grantedTwin(): Promise<{ id: string; twinId: string; grantId: string }> {
    const id = uid();
    const g = grant(id);
    const sent = await twinguard.consentGranted(g);
    expect(sent.eventId).toMatch(/^[0-9a-f-]{36}$/);
    for (let i = 0; i < 50; i++) {
      const probe = `probe-${uid()}`;
      await twinguard.renderRequested({ requestId: probe, twinIds: [g.twinId], licensee: 'brand-hm', medium: 'image' });
      const decision = await waitForTap(tap, (e) => (isRenderApproved(e) || isRenderDenied(e)) && e.detail.requestId === probe);
      if (isRenderApproved(decision)) return { id, twinId: g.twinId, grantId: g.grantId };
    }
    throw new Error(`the grant of ${g.twinId} never took effect`);
  }

  it('sends a render request that TwinGuard approves, and parses the approval and the usage', async () => {
    const { id, twinId, grantId } = await grantedTwin();
    const requestId = `render-${id}`;
    const { eventId } = await twinguard.renderRequested({ ...INBOUND_EXAMPLES['Render Requested'], requestId, twinIds: [twinId] });

    const inbound = await waitForTap(tap, (e) => e.id === eventId);
    expect(inbound).toMatchObject({ source: 'twinguard.studio', 'detail-type': 'Render Requested' });
    const approval = parseTwinGuardEvent(
      await waitForTap(tap, (e) => isRenderApproved(e) && e.detail.requestId === requestId),
      'Render Approved',
    );
    expect(approval.detail.grants).toEqual([{ twinId, grantId, version: 1 }]);
    const usage = await waitForTap(tap, (e) => isTwinGuardEvent(e, 'Usage Recorded') && e.detail.refId === requestId);
    expect(parseTwinGuardEvent(usage, 'Usage Recorded').detail).toMatchObject({ kind: 'render', amount: 50, currency: 'EUR' });
  });

  it('sends a batch of 12 in two PutEvents calls; every decision arrives and parses, also from an SQS body', async () => {
    const { id, twinId } = await grantedTwin();
    const events: InboundEvent[] = Array.from({ length: 12 }, (_, i) => ({
      detailType: 'Render Requested',
      // Every third asks for a modification the grant does not allow: denied.
      detail: {
        requestId: `batch-${id}-${i}`,
        twinIds: [twinId],
        licensee: 'brand-hm',
        medium: 'image',
        modifications: i % 3 ? [] : ['age'],
      },
    }));
    const report = await twinguard.send(events);
    expect(report.failed).toEqual([]);
    expect(report.sent.map((s) => s.index)).toEqual([...events.keys()]);
    for (const [i] of events.entries()) {
      const decision = await waitForTap(
        tap,
        (e) => (isRenderApproved(e) || isRenderDenied(e)) && e.detail.requestId === `batch-${id}-${i}`,
      );
      const fromQueue = parseSqsRecord({ body: JSON.stringify(decision) });
      expect(fromQueue['detail-type']).toBe(i % 3 ? 'Render Approved' : 'Render Denied');
      if (isRenderDenied(fromQueue)) expect(fromQueue.detail.reasons.map((r) => r.code)).toEqual(['MODIFICATION_NOT_ALLOWED']);
    }
  });

  it('takes a placement down after a revocation: the Takedown Requested parses', async () => {
    const { id, twinId, grantId } = await grantedTwin();
    const publicationId = `pub-${id}`;
    await twinguard.publicationRequested({
      ...INBOUND_EXAMPLES['Publication Requested'],
      publicationId,
      assetId: `asset-${id}`,
      twinIds: [twinId],
    });
    await waitForTap(tap, (e) => isTwinGuardEvent(e, 'Publication Approved') && e.detail.publicationId === publicationId);
    await twinguard.assetPublished({
      ...INBOUND_EXAMPLES['Asset Published'],
      assetId: `asset-${id}`,
      placementId: `ig-${id}`,
      publicationId,
      twinIds: [twinId],
    });
    await waitForTap(tap, (e) => isTwinGuardEvent(e, 'Usage Recorded') && e.detail.refId === `ig-${id}`);
    await twinguard.consentRevoked({ grantId, twinId, revokedAt: new Date().toISOString() });
    const takedown = await waitForTap(tap, (e) => isTakedownRequested(e) && e.detail.placementId === `ig-${id}`);
    expect(parseTwinGuardEvent(takedown, 'Takedown Requested').detail).toMatchObject({ reason: 'CONSENT_REVOKED', grantIds: [grantId] });
  });

  it('refuses an invalid event before it reaches the bus; a malformed one sent around it is answered by Event Rejected', async () => {
    const requestId = `bad-${uid()}`;
    const before = readTap(tap).length;
    const invalid = { requestId, twinIds: [], licensee: 'brand-hm', medium: 'image' };
    await expect(twinguard.renderRequested(invalid)).rejects.toThrow(InvalidEventError);
    await expect(twinguard.renderRequested(invalid)).rejects.toThrow('Render Requested: detail.twinIds must list at least one twin');
    expect(
      readTap(tap)
        .slice(before)
        .some((e) => (e.detail as { requestId?: string }).requestId === requestId),
    ).toBe(false);

    const eventId = await put(sdk, 'twinguard.studio', 'Render Requested', invalid);
    const rejected = parseTwinGuardEvent(
      await waitForTap(tap, (e) => isTwinGuardEvent(e, 'Event Rejected') && e.detail.eventId === eventId),
      'Event Rejected',
    );
    expect(rejected.detail.errors).toEqual([{ path: 'detail.twinIds', message: 'must list at least one twin' }]);
  });

  it('parses every public event the runtime emitted, and refuses its internal ones', () => {
    const emitted = readTap(tap).filter((e) => e.source === 'twinguard');
    const publicOnes = emitted.filter((e) => isPublicDetailType(e['detail-type']));
    expect(new Set(publicOnes.map((e) => e['detail-type']))).toEqual(
      new Set(['Render Approved', 'Render Denied', 'Publication Approved', 'Usage Recorded', 'Takedown Requested', 'Event Rejected']),
    );
    for (const event of publicOnes) expect(() => parseTwinGuardEvent(event), event['detail-type']).not.toThrow();
    for (const event of emitted.filter((e) => !isPublicDetailType(e['detail-type']))) {
      expect(() => parseTwinGuardEvent(event)).toThrow(/internal to TwinGuard/);
    }
  });
});
