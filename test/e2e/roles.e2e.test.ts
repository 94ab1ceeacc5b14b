import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grant, put, readTap, renderRequest, startTwinGuard, uid, waitForTap, type RunningTwinGuard, terminate } from './support.ts';

const BRAND_ACCOUNT = '000000000000';
const STRANGER_ACCOUNT = '999999999999';

/**
 * Roles are accounts, not `source` strings: `npm start --accounts` takes each caller to be
 * the account of the access key that signed its PutEvents call, as EventBridge does. The
 * app's roles are the defaults (the brand's own account holds every role), so the stranger's
 * events, whatever `source` they claim, are answered with `Event Rejected` and change nothing.
 */
describe('npm start --accounts: who may act is decided by the caller’s account', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-roles-'));
  const tap = join(dir, 'tap.jsonl');
  const accounts = join(dir, 'accounts.json');
  let twinguard: RunningTwinGuard;
  let brand: EventBridgeClient;
  let stranger: EventBridgeClient;

  const client = (accessKeyId: string) =>
    new EventBridgeClient({ endpoint: twinguard.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'not-checked' } });

  beforeAll(async () => {
    writeFileSync(accounts, JSON.stringify({ BRANDKEY: BRAND_ACCOUNT, STRANGERKEY: STRANGER_ACCOUNT }));
    twinguard = await startTwinGuard(['--port', '0', '--in-memory', '--tap', tap, '--accounts', accounts]);
    brand = client('BRANDKEY');
    stranger = client('STRANGERKEY');
  });

  afterAll(async () => {
    brand?.destroy();
    stranger?.destroy();
    // Stopped as a person would stop it, so that its DynamoDB Local stops too (a SIGKILL left it running).
    if (twinguard !== undefined) await terminate(twinguard);
    rmSync(dir, { recursive: true, force: true });
  });

  const rejectionOf = (eventId: string) => waitForTap(tap, (e) => e['detail-type'] === 'Event Rejected' && e.detail.eventId === eventId);

  it('answers a grant with the consent authority’s source from a stranger’s account with Event Rejected; the grant never counts', async () => {
    const id = uid();
    const g = grant(id);
    const eventId = await put(stranger, 'twinguard.consent', 'Consent Granted', g);

    const rejected = await rejectionOf(eventId);
    expect(rejected.account).toBe(BRAND_ACCOUNT);
    expect(rejected.detail).toEqual({
      eventId,
      source: 'twinguard.consent',
      detailType: 'Consent Granted',
      errors: [
        {
          path: 'account',
          message: `"Consent Granted" is accepted only from the consent role's accounts; ${STRANGER_ACCOUNT} is not one of them`,
        },
      ],
    });
    const inbound = readTap(tap).find((e) => e.id === eventId);
    expect(inbound).toMatchObject({ source: 'twinguard.consent', account: STRANGER_ACCOUNT });

    // The rejection is the whole of its processing: a render now sees no grant.
    await put(brand, 'twinguard.studio', 'Render Requested', renderRequest(id, g.twinId));
    const decision = await waitForTap(
      tap,
      (e) => /^Render (Approved|Denied)$/.test(e['detail-type']) && e.detail.requestId === `render-${id}`,
    );
    expect(decision['detail-type']).toBe('Render Denied');
    expect(decision.detail.reasons).toEqual([expect.objectContaining({ code: 'NO_CONSENT' })]);
  });

  it('takes the same grant from the brand’s account', async () => {
    const id = uid();
    const g = grant(id);
    await put(brand, 'twinguard.consent', 'Consent Granted', g);
    for (let attempt = 0; ; attempt++) {
      const probe = `${id}-${attempt}`;
      await put(brand, 'twinguard.studio', 'Render Requested', renderRequest(probe, g.twinId));
      const decision = await waitForTap(
        tap,
        (e) => /^Render (Approved|Denied)$/.test(e['detail-type']) && e.detail.requestId === `render-${probe}`,
      );
      if (decision['detail-type'] === 'Render Approved') break;
      expect(attempt).toBeLessThan(20);
    }
  });

  it('answers TwinGuard’s own source forged by a stranger, even for a takedown report', async () => {
    const report = {
      takedownId: `td-${uid()}`,
      assetId: 'a',
      channel: 'instagram',
      placementId: 'p',
      completedAt: new Date().toISOString(),
    };
    const eventId = await put(stranger, 'twinguard', 'Takedown Completed', report);
    expect((await rejectionOf(eventId)).detail.errors).toEqual([expect.objectContaining({ path: 'source' })]);
  });

  it('answers an inbound detail-type sent with TwinGuard’s own source, even from the brand’s account', async () => {
    const eventId = await put(brand, 'twinguard', 'Consent Granted', grant(uid()));
    expect((await rejectionOf(eventId)).detail).toMatchObject({ source: 'twinguard', detailType: 'Consent Granted' });
  });

  it('refuses a caller whose key it does not know, before reading the request', async () => {
    const unknown = client('UNKNOWNKEY');
    try {
      await expect(
        unknown.send(
          new PutEventsCommand({
            Entries: [{ EventBusName: 'twinguard', Source: 'twinguard.consent', DetailType: 'Consent Granted', Detail: '{}' }],
          }),
        ),
      ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    } finally {
      unknown.destroy();
    }
  });

  it('dead-letters nothing and logs no handler failure', () => {
    expect(twinguard.stderr()).not.toMatch(/failed on|dead letter/);
  });
});
