import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../local/cli/log.ts';
import { verifyCredential } from '../../verifier/index.ts';
import { eventBridge, grant, put, renderRequest, type RunningTwinGuard, startTwinGuard, terminate, uid, waitForTap } from './support.ts';

/** `npm start` seals decisions into the log on its local tick, and `npm run log` proves and verifies them. */
describe('the transparency log of npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-log-e2e-'));
  const data = join(dir, 'state');
  const tap = join(dir, 'tap.jsonl');
  let twinguard: RunningTwinGuard;
  let client: EventBridgeClient;
  let endpoint: string;

  beforeAll(async () => {
    twinguard = await startTwinGuard(['--port', '0', '--data', data, '--tap', tap]);
    client = eventBridge(twinguard.url);
    endpoint = /DynamoDB Local on (http:\/\/127\.0\.0\.1:\d+)/.exec(twinguard.stderr())![1]!;
  });

  afterAll(async () => {
    client?.destroy();
    if (twinguard !== undefined) await terminate(twinguard);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the signing key in the state folder and tells where its JWKS is', () => {
    const jwks = JSON.parse(readFileSync(join(data, 'log', 'jwks.json'), 'utf8'));
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256' })]);
    expect(existsSync(join(data, 'log', 'signing-key.jwk'))).toBe(true);
    expect(twinguard.stderr()).toContain(`signed with key ${jwks.keys[0].kid}`);
  });

  it('seals a decision within seconds; its export verifies with the JWKS alone', async () => {
    const id = uid();
    const g = grant(id);
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    await sleep(500);
    // The grant may still be in flight on a loaded machine: ask again (a new request) until approved.
    let requestId = '';
    let decided: Awaited<ReturnType<typeof waitForTap>> | undefined;
    for (let attempt = 0; attempt < 20 && decided?.['detail-type'] !== 'Render Approved'; attempt++) {
      requestId = `render-${id}-${attempt}`;
      await put(client, 'twinguard.studio', 'Render Requested', renderRequest(`${id}-${attempt}`, g.twinId));
      decided = await waitForTap(
        tap,
        (e) => ['Render Approved', 'Render Denied'].includes(e['detail-type']) && e.detail.requestId === requestId,
      );
      if (decided['detail-type'] !== 'Render Approved') await sleep(500);
    }
    if (decided === undefined) throw new Error('no decision');
    // The approval carries its consent credential, signed in the handler with the runtime's key file.
    expect(decided['detail-type']).toBe('Render Approved');
    const jwks = JSON.parse(readFileSync(join(data, 'log', 'jwks.json'), 'utf8'));
    expect(await verifyCredential(decided.detail.credential, jwks, { expect: { requestId } })).toMatchObject({
      ok: true,
      value: { kind: 'render', requestId, decisionId: decided.detail.decisionId, twinIds: [g.twinId] },
    });

    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (l: string) => out.push(l) };
    const file = join(dir, 'export.json');
    const cli = ['--dynamodb-endpoint', endpoint, '--data', data];
    // Sealed once the grace (2 s locally) has passed and the sealer's next tick ran.
    const deadline = Date.now() + 30_000;
    let doc: { records: { record: Record<string, unknown> }[]; unsealed: unknown[] } = { records: [], unsealed: [] };
    while (Date.now() < deadline) {
      expect(await main(['export', '--twin', g.twinId, '--out', file, ...cli], io)).toBe(0);
      doc = JSON.parse(readFileSync(file, 'utf8'));
      if (doc.records.length >= 2 && doc.unsealed.length === 0) break;
      await sleep(500);
    }
    expect(doc.unsealed).toEqual([]);
    expect(doc.records.map((r) => r.record['recordId'])).toEqual(expect.arrayContaining([`render-decision:${decided.detail.decisionId}`]));
    out.length = 0;
    expect(await main(['verify', file, '--data', data], io)).toBe(0);
    expect(out.join('\n')).toContain('record(s) proven');

    // The same decision, proven alone by its id, and the whole store checked against the signed head.
    const proofFile = join(dir, 'proof.json');
    expect(await main(['prove', '--record', `render-decision:${decided.detail.decisionId}`, '--out', proofFile, ...cli], io)).toBe(0);
    expect(await main(['verify', proofFile, '--jwks', join(data, 'log', 'jwks.json')], io)).toBe(0);
    expect(await main(['verify', '--store', ...cli], io)).toBe(0);
    expect(out.join('\n')).toMatch(/all \d+ sealed records are as they were sealed/);
    writeFileSync(join(dir, 'empty.json'), '{}');
    expect(await main(['verify', join(dir, 'empty.json'), '--data', data], io)).toBe(1);
  });
});
