import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../local/console/server.ts';
import { readDiscovery } from '../../local/runtime/discovery.ts';
import {
  approvedOnTheBus,
  eventBridge,
  grant,
  put,
  ROOT,
  startTwinGuard,
  terminate,
  uid,
  waitForTap,
  type RunningTwinGuard,
} from '../e2e/support.ts';

/** Screenshots of each page, kept as test artifacts (git-ignored). */
const SHOTS = join(ROOT, 'test-artifacts', 'console');

/**
 * The console in a real headless Chromium, against the local runtime, with real events
 * sent through the EventBridge SDK: what legal and talent relations would see.
 */
describe('console in the browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-console-'));
  let twinguard: RunningTwinGuard;
  let client: EventBridgeClient;
  let console_: RunningConsole;
  let browser: Browser;
  let page: Page;
  let tap = '';
  const logged: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    twinguard = await startTwinGuard(['--port', '0', '--data', dir, '--fresh']);
    client = eventBridge(twinguard.url);
    tap = readDiscovery(dir)!.tapFile;
    console_ = await startConsole({ stateDir: dir, port: 0 }, process.env, (l) => logged.push(l));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await console_?.close();
    client?.destroy();
    if (twinguard?.child.exitCode === null) await terminate(twinguard);
    rmSync(dir, { recursive: true, force: true });
  });

  const approved = (detailType: 'Render Requested' | 'Publication Requested', detail: (n: number) => Record<string, unknown>) =>
    approvedOnTheBus(client, tap, detailType, detail);

  async function placements(g: ReturnType<typeof grant>, n: number) {
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
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const placementId = `ig-${uid()}`;
      ids.push(placementId);
      await put(client, 'twinguard.channel', 'Asset Published', {
        assetId: pub.assetId,
        channel: 'instagram',
        publicationId: pub.publicationId,
        placementId,
        url: `https://example.invalid/${placementId}`,
        twinIds: [g.twinId],
        licensee: 'brand-hm',
        territories: ['SE'],
        publishedAt: new Date().toISOString(),
      });
    }
    for (const id of ids) await waitForTap(tap, (e) => e['detail-type'] === 'Usage Recorded' && e.detail.refId === id);
    return ids;
  }

  it('a revocation: the progress page counts the takedowns live and shows it finish', async () => {
    const g = grant(uid());
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    const ids = await placements(g, 3);
    await page.goto(`${console_.url}/grants/${encodeURIComponent(g.grantId)}/progress`);
    await expect.poll(() => page.locator('#state').textContent()).toBe('Not started.');

    await put(client, 'twinguard.consent', 'Consent Revoked', {
      grantId: g.grantId,
      twinId: g.twinId,
      revokedAt: new Date().toISOString(),
    });
    // The page updates itself (no reload): three takedowns requested, none confirmed.
    await expect.poll(() => page.locator('[data-field=takedownsRequested]').textContent(), { timeout: 20_000 }).toBe('3');
    expect(await page.locator('[data-field=completed]').textContent()).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'revocation-running.png'), fullPage: true });

    for (const placementId of ids) {
      const t = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Requested' && e.detail.placementId === placementId);
      const { takedownId, assetId, channel } = t.detail;
      await put(client, 'twinguard.channel', 'Takedown Completed', {
        takedownId,
        assetId,
        channel,
        placementId,
        completedAt: new Date().toISOString(),
      });
    }
    await expect
      .poll(() => page.locator('#state').textContent(), { timeout: 20_000 })
      .toMatch(/^Finished: every takedown is completed or failed/);
    expect(await page.locator('[data-field=completed]').textContent()).toBe('3');
    expect(await page.locator('[data-field=open]').textContent()).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'revocation-finished.png'), fullPage: true });

    // Found from the twins page by the beginning of its id, then its own page: the revoked
    // grant in the timeline, its placements taken down.
    await page.goto(`${console_.url}/`);
    await page.locator('#twin').fill(g.twinId.slice(0, -2));
    await page.locator('#twin').press('Enter');
    await page.waitForURL(/\/\?twin=/);
    expect(await page.locator('#twin-list tbody td:first-child').allTextContents()).toContain(g.twinId);
    await page.screenshot({ path: join(SHOTS, 'twins.png'), fullPage: true });
    await page.getByRole('link', { name: g.twinId, exact: true }).click();
    await page.waitForURL(`${console_.url}/twins/${encodeURIComponent(g.twinId)}`);
    expect(await page.locator('main').textContent()).toMatch(/revoked/);
    expect(await page.locator('main').textContent()).toContain('0 live, 0 takedown requested, 3 taken down');
    await page.screenshot({ path: join(SHOTS, 'twin.png'), fullPage: true });
  }, 120_000);

  it('a statement shows the totals of a known case, and downloads as CSV', async () => {
    // EUR 50 a render, 200 a placement: 2 renders and 1 placement are EUR 300.
    const g = grant(uid());
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    for (let n = 0; n < 2; n++) {
      const d = await approved('Render Requested', () => ({
        requestId: `render-${uid()}`,
        twinIds: [g.twinId],
        licensee: 'brand-hm',
        medium: 'image',
        modifications: ['garment'],
      }));
      await waitForTap(tap, (e) => e['detail-type'] === 'Usage Recorded' && e.detail.refId === d.requestId);
    }
    await placements(g, 1);
    const month = new Date().toISOString().slice(0, 7);
    await page.goto(`${console_.url}/statements`);
    await page.locator('#talent').fill(g.talentId);
    await page.locator('#month').fill(month);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/statements\?talent=/);
    expect(await page.locator('#totals tbody tr').count()).toBe(1);
    expect(await page.locator('#totals tbody td').allTextContents()).toEqual(['EUR', '2', '1', '300']);
    await page.screenshot({ path: join(SHOTS, 'statement.png'), fullPage: true });
    const href = await page.locator('a[download]').getAttribute('href');
    const csv = await (await fetch(`${console_.url}${href}`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('at,kind,talentId,twinId,grantId,licensee,amount,currency,refId,recordId');
    expect(
      lines
        .slice(1)
        .map((l) =>
          l
            .split(',')
            .slice(1)
            .filter((_, i) => i === 0 || i === 5)
            .join(' '),
        )
        .sort(),
    ).toEqual(['placement 200', 'render 50', 'render 50']);
  }, 120_000);

  it('"may we?" shows a denial with its reasons; bad input gets a clear message, never a stack trace', async () => {
    const g = grant(uid());
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    // The grant is stored when a render of it is approved.
    await approved('Render Requested', () => ({
      requestId: `render-${uid()}`,
      twinIds: [g.twinId],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: [],
    }));
    await page.goto(`${console_.url}/check`);
    await page.locator('#twin').fill(g.twinId);
    await page.locator('#licensee').fill('brand-hm');
    await page.locator('#medium').fill('image');
    await page.locator('#channel').fill('tiktok');
    await page.locator('#territories').fill('JP');
    await page.locator('#medium').press('Enter');
    await page.waitForURL(/\/check\?/);
    const answer = (await page.locator('#answer').textContent())!;
    expect(answer).toContain('No.');
    expect(answer).toContain(`CHANNEL_NOT_ALLOWED grant ${g.grantId} does not allow channel tiktok`);
    expect(answer).toContain(`TERRITORY_NOT_ALLOWED grant ${g.grantId} does not allow territories JP`);
    await page.screenshot({ path: join(SHOTS, 'may-we-denied.png'), fullPage: true });

    await page.locator('#twin').fill('x'.repeat(1000));
    await page.locator('#twin').press('Enter');
    await page.waitForURL(/\/check\?twin=xxx/);
    expect(await page.locator('[role=alert]').textContent()).toBe(
      'each twin must be an id of 1 to 256 characters, got 1000 characters starting "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"',
    );
    expect(await page.locator('body').textContent()).not.toMatch(/at \w+ \(|Error:/);
    await page.screenshot({ path: join(SHOTS, 'may-we-bad-input.png'), fullPage: true });
    expect(logged).toEqual([]);
  }, 120_000);
});
