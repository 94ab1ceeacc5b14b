import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as logMain } from '../../local/cli/log.ts';
import { readMain } from '../../local/cli/read/commands.ts';
import { verifyStatement } from '../../verifier/index.ts';
import { approvedOnTheBus, eventBridge, grant, put, type RunningTwinGuard, startTwinGuard, terminate, uid, waitForTap } from './support.ts';

/**
 * `npm start` with events put through its EventBridge endpoint, as integrators do: a render
 * and a placement each sent three times (the same request and placement ids, as a producer
 * retrying or a bus delivering again would) are paid once, and the statement with proofs
 * of the month verifies with the runtime's public key alone.
 */
describe('a statement of npm start, duplicates put through the bus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-statement-e2e-'));
  const data = join(dir, 'state');
  const tap = join(dir, 'tap.jsonl');
  let twinguard: RunningTwinGuard;
  let client: EventBridgeClient;

  beforeAll(async () => {
    twinguard = await startTwinGuard(['--port', '0', '--data', data, '--tap', tap]);
    client = eventBridge(twinguard.url);
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    if (twinguard !== undefined) await terminate(twinguard);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Events are routed concurrently: a request sent right after its grant may be decided first, so ask (anew) until approved. */
  const approved = (detailType: 'Render Requested' | 'Publication Requested', detail: () => Record<string, unknown>) =>
    approvedOnTheBus(client, tap, detailType, detail);

  it('pays a render and a placement once each, and the statement with proofs verifies offline', async () => {
    const g = grant(uid());
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    const render = await approved('Render Requested', () => ({
      requestId: `render-${uid()}`,
      twinIds: [g.twinId],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: ['garment'],
    }));
    const pub = await approved('Publication Requested', () => ({
      publicationId: `pub-${uid()}`,
      assetId: `asset-${uid()}`,
      twinIds: [g.twinId],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: ['garment'],
      channel: 'instagram',
      territories: ['SE'],
      aiDisclosure: { labelled: true },
    }));
    const placement = {
      assetId: pub['assetId'],
      channel: 'instagram',
      publicationId: pub['publicationId'],
      placementId: `ig-${uid()}`,
      url: 'https://example.invalid/p/1',
      twinIds: [g.twinId],
      licensee: 'brand-hm',
      territories: ['SE'],
      publishedAt: new Date().toISOString(),
    };
    // The placement three times at once (racing each other), the render twice more after it was paid.
    const ids = await Promise.all([1, 2, 3].map(() => put(client, 'twinguard.channel', 'Asset Published', placement)));
    expect(new Set(ids).size).toBe(3);
    await waitForTap(tap, (e) => e['detail-type'] === 'Usage Recorded' && e.detail.refId === placement.placementId);
    for (let i = 0; i < 2; i++) await put(client, 'twinguard.studio', 'Render Requested', render);

    const month = new Date().toISOString().slice(0, 7);
    const file = join(dir, 'statement.json');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), width: 200 };
    // Until every line is sealed (the grace is 2 s locally), and a few seconds more for any duplicate still in flight.
    let doc: { lines: { sealed: boolean; kind: string; refId: string }[]; totals: unknown } = { lines: [], totals: [] };
    const deadline = Date.now() + 45_000;
    let stableSince = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline) {
      expect(await readMain('statement', ['--talent', g.talentId, '--month', month, '--proofs', file, '--data', data], io)).toBe(0);
      doc = JSON.parse(readFileSync(file, 'utf8'));
      const settled = doc.lines.length >= 2 && doc.lines.every((l) => l.sealed);
      stableSince = settled ? Math.min(stableSince, Date.now()) : Number.POSITIVE_INFINITY;
      if (Date.now() - stableSince > 5_000) break;
      await sleep(500);
    }
    expect(doc.lines.map((l) => [l.kind, l.refId, l.sealed]).sort()).toEqual([
      ['placement', placement.placementId, true],
      ['render', render['requestId'], true],
    ]);
    expect(doc.totals).toEqual([{ currency: 'EUR', renders: 1, placements: 1, amount: 250 }]);
    expect(
      readFileSync(tap, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"Usage Recorded"') && l.includes(g.twinId)),
    ).toHaveLength(2);

    const jwks = JSON.parse(readFileSync(join(data, 'log', 'jwks.json'), 'utf8'));
    expect(await verifyStatement(doc, jwks)).toMatchObject({ ok: true, lines: 2, verified: 2, unsealed: 0, failures: [] });
    out.length = 0;
    expect(await logMain(['verify', file, '--data', data], io)).toBe(0);
    expect(out.join('\n')).toContain(`statement of talent ${g.talentId} for ${month}: 2 of 2 line(s) proven against the head of`);
    expect(out.join('\n')).toContain('EUR 250 (1 renders, 1 placements), recomputed from the lines');
  }, 120_000);
});
