import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childPids,
  commandOf,
  eventBridge,
  grant,
  isRenderDecision,
  put,
  readTap,
  renderRequest,
  startTwinGuard,
  stillAlive,
  terminate,
  uid,
  waitForTap,
  type RunningTwinGuard,
  killHard,
} from './support.ts';

/**
 * `npm start` as a user runs it: a child process, the real EventBridge client, the tap.
 * One runtime serves the file; each test uses its own ids. The last test stops it.
 */
describe('npm start, end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-e2e-'));
  const tap = join(dir, 'tap.jsonl');
  let twinguard: RunningTwinGuard;
  let client: EventBridgeClient;

  beforeAll(async () => {
    // A 1 s SLA: a takedown nobody confirms is overdue at the sweeper's next ticks.
    twinguard = await startTwinGuard(['--port', '0', '--in-memory', '--tap', tap, '--takedown-sla', '1']);
    client = eventBridge(twinguard.url);
  });

  afterAll(() => {
    client?.destroy();
    if (twinguard !== undefined) killHard(twinguard.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the ready line and nothing else on stdout', () => {
    expect(twinguard.stdout()).toBe(`twinguard ready on ${twinguard.url}\n`);
  });

  it('approves a render covered by a grant, with the grants, and records the usage', async () => {
    const id = uid();
    const g = grant(id);
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    // The grant is processed asynchronously; the render must see it, so wait for its effect
    // being visible in the only way an integrator can: retry the render until it is decided.
    await waitForGrant(client, tap, g.twinId);
    const requestId = `render-${id}`;
    await put(client, 'twinguard.studio', 'Render Requested', renderRequest(id, g.twinId));

    const approved = await waitForTap(tap, (e) => e['detail-type'] === 'Render Approved' && e.detail.requestId === requestId);
    expect(approved.source).toBe('twinguard');
    expect(approved.detail.twinIds).toEqual([g.twinId]);
    expect(approved.detail.grants).toEqual([{ twinId: g.twinId, grantId: g.grantId, version: 1 }]);
    expect(approved.detail.decisionId).toEqual(expect.any(String));
    const usage = await waitForTap(tap, (e) => e['detail-type'] === 'Usage Recorded' && e.detail.refId === requestId);
    expect(usage.detail).toMatchObject({
      talentId: g.talentId,
      twinId: g.twinId,
      grantId: g.grantId,
      kind: 'render',
      amount: 50,
      currency: 'EUR',
    });
  });

  it('denies a render of a twin nobody granted', async () => {
    const id = uid();
    const requestId = `render-${id}`;
    await put(client, 'twinguard.studio', 'Render Requested', renderRequest(id, `twin-nobody-${id}`));

    const denied = await waitForTap(tap, (e) => e['detail-type'] === 'Render Denied' && e.detail.requestId === requestId);
    expect(denied.detail.reasons).toEqual([expect.objectContaining({ twinId: `twin-nobody-${id}`, code: 'NO_CONSENT' })]);
    expect(readTap(tap).some((e) => e['detail-type'] === 'Render Approved' && e.detail.requestId === requestId)).toBe(false);
  });

  it('answers a malformed event with Event Rejected naming the EventId PutEvents returned', async () => {
    const { evidence: _dropped, ...withoutEvidence } = grant(uid());
    const eventId = await put(client, 'twinguard.consent', 'Consent Granted', withoutEvidence);

    const rejected = await waitForTap(tap, (e) => e['detail-type'] === 'Event Rejected' && e.detail.eventId === eventId);
    expect(rejected.detail).toMatchObject({ source: 'twinguard.consent', detailType: 'Consent Granted' });
    expect(rejected.detail.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'detail.evidence' })]));
  });

  it('routes a known detail-type from the wrong source to Event Rejected, by the rules of the CDK app', async () => {
    const id = uid();
    const eventId = await put(client, 'twinguard.studio', 'Consent Granted', grant(id));

    const rejected = await waitForTap(tap, (e) => e['detail-type'] === 'Event Rejected' && e.detail.eventId === eventId);
    expect(rejected.detail).toMatchObject({ source: 'twinguard.studio', detailType: 'Consent Granted' });
  });

  it('runs the sweep schedule on its local tick: an unconfirmed takedown becomes overdue', async () => {
    const id = uid();
    const placementId = `ig-${id}`;
    await put(client, 'twinguard.channel', 'Asset Published', {
      assetId: `asset-${id}`,
      channel: 'instagram',
      placementId,
      twinIds: [`twin-${id}`],
      licensee: 'brand-hm',
      territories: ['SE'],
      publishedAt: new Date().toISOString(),
    });

    const requested = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Requested' && e.detail.placementId === placementId);
    expect(requested.detail.reason).toBe('UNAPPROVED_PUBLICATION');
    const overdue = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Overdue' && e.detail.placementId === placementId);
    expect(overdue.detail).toMatchObject({ takedownId: requested.detail.takedownId, deadline: requested.detail.deadline });
  });

  it('stops on SIGTERM with exit code 0, leaving no process behind', async () => {
    const children = childPids(twinguard.pid);
    expect(children.map(commandOf).some((c) => c.startsWith('java '))).toBe(true);

    const exit = await terminate(twinguard);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(await stillAlive(children)).toEqual([]);
    expect(twinguard.stderr()).toContain('SIGTERM, stopping');
  });
});

/**
 * Waits until the twin's grant is in force: a probe render (its own request id) comes back
 * approved. Events are delivered asynchronously and in parallel, as by EventBridge, so a
 * render sent right after a grant could be decided first.
 */
async function waitForGrant(client: EventBridgeClient, tap: string, twinId: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const probe = `probe-${uid()}`;
    await put(client, 'twinguard.studio', 'Render Requested', renderRequest(probe, twinId));
    const decision = await waitForTap(tap, (e) => isRenderDecision(e) && e.detail.requestId === `render-${probe}`);
    if (decision['detail-type'] === 'Render Approved') return;
  }
  throw new Error(`the grant of ${twinId} never took effect`);
}
