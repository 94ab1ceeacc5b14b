import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoDueQueue } from '../../shared/adapters/dynamodb/due-queue.ts';
import { wireAdapters } from '../../shared/adapters/wire.ts';
import { DEFAULT_SOURCES } from '../../shared/model/events/roles.ts';

const LOCAL = '000000000000';
import { startPartner, type PartnerServer } from '../channels/partner-server.ts';
import { countsOfGrant } from '../support/placement-counts.ts';
import { approvedPublication, seedPlacements, seedPublication } from '../support/seed.ts';
import {
  childPids,
  commandOf,
  eventBridge,
  grant,
  put,
  readTap,
  spawnNode,
  startTwinGuard,
  stillAlive,
  terminate,
  uid,
  waitForTap,
  type RunningTwinGuard,
} from './support.ts';

const PLACEMENTS = 2_000;
// The runtime's default is 10 s; the restart alone takes longer, so the watchdog still resumes
// the job at the first sweep, and a page slowed down by a loaded machine is not taken for a stall.
process.env['JOB_STALL_SECONDS'] = '20';
const SECRET = 'healing-channel-secret';

/** The runtime's DynamoDB Local (it prints the endpoint at start) and its tables, read as the status CLI does. */
async function storeOf(running: RunningTwinGuard) {
  const endpoint = /DynamoDB Local on (http:\/\/127\.0\.0\.1:\d+)/.exec(running.stderr())?.[1];
  if (endpoint === undefined) throw new Error(`no DynamoDB endpoint in the runtime's stderr:\n${running.stderr()}`);
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const names = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  const tables = { consent: names.find((n) => n.includes('ConsentTable'))!, audit: names.find((n) => n.includes('AuditTable'))! };
  const db = documentClient(client);
  const wired = wireAdapters({
    db,
    tables,
    publisher: { publish: async () => {} },
    settings: {
      sources: DEFAULT_SOURCES,
      // The runtime's own account holds every role locally.
      accounts: { consent: [LOCAL], studio: [LOCAL], publisher: [LOCAL], channel: [LOCAL] },
      channelSenders: {},
      takedownSlaSeconds: 3600,
      reevaluationBudget: 2000,
      jobStallSeconds: 10,
    },
  });
  return { endpoint, client, db, tables, ...wired };
}

/** Polls until `check` holds; fails with `describe()` after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, describe: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${describe()}`);
    await sleep(200);
  }
}

/** The `Takedown Requested` events on the tap for a grant, by placement. */
function takedownsOnTap(tap: string, grantId: string): { events: number; byPlacement: Map<string, Set<string>> } {
  const requested = readTap(tap).filter((e) => e['detail-type'] === 'Takedown Requested' && e.detail.grantIds?.includes(grantId));
  const byPlacement = new Map<string, Set<string>>();
  for (const e of requested) {
    const key = `${e.detail.channel}/${e.detail.placementId}`;
    byPlacement.set(key, (byPlacement.get(key) ?? new Set()).add(e.detail.takedownId));
  }
  return { events: requested.length, byPlacement };
}

describe('npm start: a revocation killed mid-fan-out (SIGKILL) and restarted on its data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-healing-e2e-'));
  const data = join(dir, 'state');
  const tap = join(dir, 'tap.jsonl');
  const running: RunningTwinGuard[] = [];
  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) await terminate(r);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the job after the restart: every placement gets exactly one takedown', async () => {
    const id = uid();
    const g = grant(id);
    const first = await startTwinGuard(['--port', '0', '--data', data, '--tap', tap]);
    running.push(first);
    const client = eventBridge(first.url);
    let store = await storeOf(first);
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    await until(
      async () => (await store.deps.store.grantState(g.grantId))?.version === 1,
      () => 'the grant is not stored',
      30_000,
    );

    // 2,000 live placements that rely on the grant, written in the layout the runtime writes.
    const publication = approvedPublication(id, g.twinId, g.grantId, { decidedAt: new Date().toISOString() });
    await seedPublication(store.db, store.tables.consent, publication);
    const placements = await seedPlacements(store.db, store.tables.consent, {
      count: PLACEMENTS,
      prefix: `p-${id}`,
      publication,
      reliesOn: publication.grants,
      channels: ['instagram', 'web'],
    });
    expect(await countsOfGrant(store, g.grantId)).toMatchObject({ live: PLACEMENTS, total: PLACEMENTS });

    await put(client, 'twinguard.consent', 'Consent Revoked', {
      grantId: g.grantId,
      twinId: g.twinId,
      revokedAt: new Date().toISOString(),
    });
    await until(
      () => takedownsOnTap(tap, g.grantId).byPlacement.size >= 300,
      () => 'fewer than 300 takedowns on the tap',
      60_000,
    );

    // The machine dies: the runtime and its DynamoDB Local, at once, with no chance to clean up.
    const java = childPids(first.pid).filter((pid) => commandOf(pid).startsWith('java '));
    expect(java).toHaveLength(1);
    first.child.kill('SIGKILL');
    for (const pid of java) process.kill(pid, 'SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await stillAlive(java)).toEqual([]);
    client.destroy();
    store.client.destroy();
    const atKill = takedownsOnTap(tap, g.grantId).byPlacement.size;
    expect(atKill).toBeGreaterThanOrEqual(300);
    // Killed mid-fan-out: some placements are still live (else this test shows nothing).
    expect(atKill).toBeLessThan(PLACEMENTS);

    // Restarted on the same data: nothing redelivers the lost event; the job's watchdog resumes it.
    const second = await startTwinGuard(['--port', '0', '--data', data, '--tap', tap]);
    running.push(second);
    store = await storeOf(second);
    await until(
      () => takedownsOnTap(tap, g.grantId).byPlacement.size === PLACEMENTS,
      () => `${takedownsOnTap(tap, g.grantId).byPlacement.size} of ${PLACEMENTS} placements have a takedown on the tap`,
      180_000,
    );
    const { events, byPlacement } = takedownsOnTap(tap, g.grantId);
    expect([...byPlacement.keys()].sort()).toEqual(placements.map((p) => `${p.channel}/${p.placementId}`).sort());
    // Exactly one takedown per placement, whatever was in flight when the machine died.
    expect([...byPlacement.values()].filter((takedownIds) => takedownIds.size !== 1)).toEqual([]);
    // A takedown put on the bus just before the kill, but not yet noted as sent, is sent again by
    // the resume (same takedownId: partners deduplicate on it): at most the page in flight.
    const resent = events - PLACEMENTS;
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(resent).toBeLessThanOrEqual(100);
    const resumes = readTap(tap).filter((e) => e['detail-type'] === 'Reevaluation Requested' && e.detail.jobId === `revoked#${g.grantId}`);
    const watchdogResumes = resumes.filter((e) => e.detail.resumeSeq !== undefined).length;
    expect(watchdogResumes).toBeGreaterThanOrEqual(1);

    await until(
      async () => (await store.deps.fanout.getJob(`revoked#${g.grantId}`))?.status === 'done',
      () => 'the job is not done',
      30_000,
    );
    expect(await store.deps.fanout.getJob(`revoked#${g.grantId}`)).toMatchObject({ scanned: PLACEMENTS, takedowns: PLACEMENTS });
    expect(await countsOfGrant(store, g.grantId)).toMatchObject({ live: 0, takedownRequested: PLACEMENTS, total: PLACEMENTS });
    console.info(
      `killed after ${atKill} of ${PLACEMENTS} takedowns; resumed ${watchdogResumes} time(s) after the restart; all ${PLACEMENTS} had one takedown, ${resent} sent twice`,
    );
    store.client.destroy();
    expect(await terminate(second)).toEqual({ code: 0, signal: null });
  }, 900_000);
});

describe('npm start: a webhook partner down past the retry budget, then back; an operator closes one that stays down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-redelivery-e2e-'));
  const tap = join(dir, 'tap.jsonl');
  let twinguard: RunningTwinGuard;
  let client: EventBridgeClient;
  let partner: PartnerServer;

  beforeAll(async () => {
    partner = await startPartner(SECRET);
    const channels = join(dir, 'channels.json');
    writeFileSync(
      channels,
      JSON.stringify({
        // Down for five attempts (the local budget), then back.
        flaky: { url: partner.url('/script/503,503,503,503,503,200'), secret: SECRET },
        // Refuses for good.
        gone: { url: partner.url('/status/410'), secret: SECRET },
      }),
    );
    twinguard = await startTwinGuard(['--port', '0', '--in-memory', '--tap', tap, '--channels', channels]);
    client = eventBridge(twinguard.url);
  });

  afterAll(async () => {
    client?.destroy();
    if (twinguard?.child.exitCode === null) await terminate(twinguard);
    await partner?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An unapproved placement on `channel`: taken down at once; its takedown id. */
  async function unapprovedOn(channel: string): Promise<string> {
    const placementId = `${channel}-${uid()}`;
    await put(client, 'twinguard.channel', 'Asset Published', {
      assetId: `asset-${uid()}`,
      channel,
      placementId,
      url: `https://example.invalid/${placementId}`,
      twinIds: [`twin-${uid()}`],
      licensee: 'brand-hm',
      territories: ['SE'],
      publishedAt: new Date().toISOString(),
    });
    const requested = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Requested' && e.detail.placementId === placementId);
    return requested.detail.takedownId;
  }

  it('the takedown fails finally after 5 attempts, is delivered again 5 s later, and completes', async () => {
    const takedownId = await unapprovedOn('flaky');
    const completed = await waitForTap(tap, (e) => e['detail-type'] === 'Takedown Completed' && e.detail.takedownId === takedownId, 90_000);
    expect(completed.source).toBe('twinguard');
    const failed = readTap(tap).filter((e) => e['detail-type'] === 'Takedown Failed' && e.detail.takedownId === takedownId);
    expect(failed.map((e) => [e.detail.attempts, e.detail.final])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, true],
    ]);
    const due = readTap(tap).filter((e) => e['detail-type'] === 'Takedown Delivery Due' && e.detail.takedownId === takedownId);
    expect(due.at(-1)?.detail).toEqual({ takedownId, attempt: 6, redelivery: true });
    const posts = partner.received.filter((r) => r.path.startsWith('/script/') && r.headers['webhook-id'] === takedownId);
    expect(posts).toHaveLength(6);
    expect(posts.every((r) => r.signatureValid)).toBe(true);
  }, 120_000);

  it('a takedown refused for good is redelivered until an operator closes it with the takedowns CLI', async () => {
    const takedownId = await unapprovedOn('gone');
    // Failed finally at once, then redelivered (and refused again) every 5 seconds.
    await waitForTap(
      tap,
      (e) => e['detail-type'] === 'Takedown Failed' && e.detail.takedownId === takedownId && e.detail.attempts === 2,
      60_000,
    );
    const store = await storeOf(twinguard);
    const cli = (...args: string[]) => runCli([...args, '--dynamodb-endpoint', store.endpoint]);

    const listed = await cli('failed', '--channel', 'gone');
    expect(listed).toMatchObject({ code: 0, stdout: `${takedownId}\n` });
    const closed = await cli('close', '--takedown', takedownId, '--reason', 'partner removed the post by hand');
    expect(closed).toMatchObject({ code: 0, stdout: `${takedownId}: closed; it will not be delivered again\n` });
    const postsAtClose = partner.received.filter((r) => r.headers['webhook-id'] === takedownId).length;

    // The redelivery already scheduled fires, finds the takedown closed, and schedules none
    // (the in-process tests pin down that it sends nothing; here the queue drains).
    const queue = new DynamoDueQueue(store.db, store.tables);
    await until(
      async () =>
        (await queue.due(new Date('2100-01-01T00:00:00Z'), 1000)).every(
          (d) => !d.kind.startsWith('webhook-') || d.payload.takedownId !== takedownId,
        ),
      () => 'a redelivery is still due',
      30_000,
    );
    expect(partner.received.filter((r) => r.headers['webhook-id'] === takedownId)).toHaveLength(postsAtClose);
    expect(await store.deliveries.get(takedownId)).toMatchObject({ status: 'closed', closedReason: 'partner removed the post by hand' });
    expect(await cli('failed', '--channel', 'gone')).toMatchObject({ code: 0, stdout: '' });
    expect(await cli('redrive', '--takedown', takedownId)).toMatchObject({
      code: 1,
      stdout: `${takedownId}: its delivery is closed, not failed: nothing to re-drive\n`,
    });
    store.client.destroy();
  }, 120_000);
});

/** `npm run takedowns -- ...`, as an operator runs it. */
async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode('local/cli/takedowns.ts', args);
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}
