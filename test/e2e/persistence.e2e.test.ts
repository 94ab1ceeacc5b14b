import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb/dynamodb-local.ts';
import {
  eventBridge,
  grant,
  isRenderDecision,
  put,
  readTap,
  renderRequest,
  startTwinGuard,
  terminate,
  uid,
  waitForTap,
  type RunningTwinGuard,
  killHard,
} from './support.ts';

describe('npm start --data DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-data-'));
  const data = join(dir, 'state');
  const running: RunningTwinGuard[] = [];
  afterAll(() => {
    for (const r of running) killHard(r.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps grants across a restart: a render after the restart is approved', async () => {
    const id = uid();
    const g = grant(id);
    const port = await freePort();

    // First run: grant, then stop. Stopping drains the deliveries under way, so the grant is stored.
    const first = await startTwinGuard(['--port', String(port), '--data', data, '--tap', join(dir, 'first.jsonl')]);
    running.push(first);
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    const client = eventBridge(first.url);
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    client.destroy();
    expect(await terminate(first)).toEqual({ code: 0, signal: null });
    expect(readdirSync(join(data, 'dynamodb')).length).toBeGreaterThan(0);

    // Second run on the same data: the tables exist already, the grant is still there.
    const secondTap = join(dir, 'second.jsonl');
    const second = await startTwinGuard(['--port', String(port), '--data', data, '--tap', secondTap]);
    running.push(second);
    const again = eventBridge(second.url);
    await put(again, 'twinguard.studio', 'Render Requested', renderRequest(id, g.twinId));
    again.destroy();

    const approved = await waitForTap(secondTap, isRenderDecision);
    expect(approved['detail-type']).toBe('Render Approved');
    expect(approved.detail.grants).toEqual([{ twinId: g.twinId, grantId: g.grantId, version: 1 }]);
    expect(readTap(secondTap).some((e) => e['detail-type'] === 'Consent Granted')).toBe(false);
    expect(await terminate(second)).toEqual({ code: 0, signal: null });
    expect(existsSync(join(data, 'dead-letters'))).toBe(false);
  });
});
