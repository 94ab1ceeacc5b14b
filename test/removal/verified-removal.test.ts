import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRemovalChecker } from '../../shared/adapters/http/http-removal-checker.ts';
import { parseGoneStatuses } from '../../shared/model/removal.ts';
import { MAX_REMOVAL_LOOKS_PER_SWEEP, sweepDue } from '../../shared/use-cases/sweep-due.ts';
import type { Settings } from '../../shared/ports/deps.ts';
import { grantDetail, ids, publishedDetail } from '../support/fixtures.ts';
import { auditOf, world } from '../support/harness.ts';
import { startSite, type SiteServer } from './site-server.ts';

let site: SiteServer;
beforeAll(async () => {
  site = await startSite();
});
afterAll(() => site.close());

const SCHEDULE = { checks: 3, intervalSeconds: 60 };

/**
 * Through the domain on DynamoDB Local: an unapproved placement at `path` of the site is
 * taken down, its channel reports the takedown completed, and the sweeper is wired with
 * the local runtime's checker (http and loopback allowed).
 */
async function completedTakedown(path: string, settings: Partial<Settings> = {}) {
  const w = world('2036-04-01T12:00:00Z', 600, { removalSchedule: SCHEDULE, ...settings });
  const deps = { ...w.deps, removal: new HttpRemovalChecker({ allowLocal: true, timeoutMs: 1_000 }) };
  const id = ids();
  await w.send(
    'Consent Granted',
    grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2040-01-01T00:00:00Z' }),
  );
  await w.send(
    'Asset Published',
    publishedDetail({ assetId: `asset-${id.u}`, channel: 'web', twinIds: [id.twin], placementId: `pl-${id.u}`, url: site.url(path) }),
  );
  const [requested] = w.publisher.ofType('Takedown Requested');
  expect(requested).toBeDefined();
  const facts = { takedownId: requested!.takedownId, assetId: requested!.assetId, channel: 'web', placementId: requested!.placementId };
  expect(await w.send('Takedown Completed', { ...facts, completedAt: '2036-04-01T12:00:05Z' })).toBe('processed');
  return { w, deps, id, facts };
}

describe('verified removal', () => {
  it('a URL answering 410 is Removal Verified at the first look, recorded on the takedown and in the audit', async () => {
    const { w, deps, id, facts } = await completedTakedown('/gone');
    const hits = site.hits('/gone');
    const swept = await sweepDue(deps);
    expect(swept.removals).toEqual({ verified: 1, unverified: 0 });
    expect(w.publisher.ofType('Removal Verified')).toEqual([
      {
        ...facts,
        url: site.url('/gone'),
        completedAt: '2036-04-01T12:00:05Z',
        checkedAt: '2036-04-01T12:00:00.000Z',
        checks: 1,
        finding: 'HTTP 410',
      },
    ]);
    expect(site.hits('/gone')).toBe(hits + 1);
    expect((await deps.store.getPlacement('web', facts.placementId))?.takedown?.removal).toEqual({
      outcome: 'verified',
      checkedAt: '2036-04-01T12:00:00.000Z',
      checks: 1,
      finding: 'HTTP 410',
    });
    expect((await auditOf(id.twin)).map((a) => a.outcome)).toContain('removal-verified');
    // Settled: nothing is due any more, later sweeps look no more.
    // The takedown's deadline item still fires (a no-op on a completed takedown); no look does.
    w.clock.set('2036-04-01T13:00:00Z');
    expect((await sweepDue(deps)).byKind['removal-check']).toBeUndefined();
    expect(site.hits('/gone')).toBe(hits + 1);
    expect(w.publisher.ofType('Removal Unverified')).toEqual([]);
  });

  it('a URL still serving 200 is looked at three times over the window, then Removal Unverified', async () => {
    const { w, deps, facts } = await completedTakedown('/live');
    const hits = site.hits('/live');
    expect((await sweepDue(deps)).byKind).toEqual({ 'removal-check': 1 });
    // Not due again before the interval: no look.
    w.clock.set('2036-04-01T12:00:59Z');
    expect((await sweepDue(deps)).fired).toBe(0);
    w.clock.set('2036-04-01T12:01:00Z');
    expect((await sweepDue(deps)).removals).toEqual({ verified: 0, unverified: 0 });
    expect(w.publisher.ofType('Removal Unverified')).toEqual([]);
    w.clock.set('2036-04-01T12:02:00Z');
    expect((await sweepDue(deps)).removals).toEqual({ verified: 0, unverified: 1 });
    expect(site.hits('/live')).toBe(hits + 3);
    expect(w.publisher.ofType('Removal Unverified')).toEqual([
      {
        ...facts,
        url: site.url('/live'),
        completedAt: '2036-04-01T12:00:05Z',
        checkedAt: '2036-04-01T12:02:00.000Z',
        checks: 3,
        finding: 'HTTP 200',
      },
    ]);
    expect(w.publisher.ofType('Removal Verified')).toEqual([]);
    // The takedown's deadline item still fires (a no-op on a completed takedown); no look does.
    w.clock.set('2036-04-01T13:00:00Z');
    expect((await sweepDue(deps)).byKind['removal-check']).toBeUndefined();
  });

  it('a URL that goes away between looks is verified at the look that finds it gone', async () => {
    const { w, deps } = await completedTakedown('/flip');
    await sweepDue(deps);
    w.clock.set('2036-04-01T12:01:00Z');
    expect((await sweepDue(deps)).removals).toEqual({ verified: 1, unverified: 0 });
    expect(w.publisher.ofType('Removal Verified').map((d) => [d.checks, d.finding])).toEqual([[2, 'HTTP 410']]);
  });

  it('a redirect is not gone: it is still served', async () => {
    const { w, deps } = await completedTakedown('/moved');
    for (const at of ['2036-04-01T12:00:00Z', '2036-04-01T12:01:00Z', '2036-04-01T12:02:00Z']) {
      w.clock.set(at);
      await sweepDue(deps);
    }
    expect(w.publisher.ofType('Removal Unverified').map((d) => d.finding)).toEqual(['HTTP 301']);
  });

  it('with the deployed checker, a loopback URL is refused, never fetched, and ends Removal Unverified', async () => {
    const { w, facts } = await completedTakedown('/gone');
    const hits = site.hits('/gone');
    // w.deps carries the strict checker wireAdapters builds by default.
    for (const at of ['2036-04-01T12:00:00Z', '2036-04-01T12:01:00Z', '2036-04-01T12:02:00Z']) {
      w.clock.set(at);
      await sweepDue(w.deps);
    }
    expect(site.hits('/gone')).toBe(hits);
    const [unverified] = w.publisher.ofType('Removal Unverified');
    expect(unverified).toMatchObject({ takedownId: facts.takedownId, checks: 3 });
    expect(unverified!.finding).toMatch(/^refused: scheme http: is not allowed/);
  });

  it('a takedown that fails is never looked at; a placement without a URL schedules no look', async () => {
    const w = world('2036-04-01T12:00:00Z', 600, { removalSchedule: SCHEDULE });
    const id = ids();
    await w.send(
      'Consent Granted',
      grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2040-01-01T00:00:00Z' }),
    );
    const noUrl = publishedDetail({ assetId: `asset-${id.u}`, channel: 'web', twinIds: [id.twin], placementId: `pl-${id.u}` });
    delete (noUrl as { url?: string }).url;
    await w.send('Asset Published', noUrl);
    const [requested] = w.publisher.ofType('Takedown Requested');
    const facts = { takedownId: requested!.takedownId, assetId: requested!.assetId, channel: 'web', placementId: requested!.placementId };
    await w.send('Takedown Completed', { ...facts, completedAt: '2036-04-01T12:00:05Z' });
    const swept = await sweepDue(w.deps);
    expect(swept.byKind['removal-check']).toBeUndefined();
    expect(w.publisher.events.filter((e) => e.detailType.startsWith('Removal'))).toEqual([]);
  });

  it('one sweep takes a bounded number of looks; the rest wait, still due, for the next', async () => {
    const w = world('2036-04-01T12:00:00Z', 600, { removalSchedule: SCHEDULE });
    const deps = { ...w.deps, removal: new HttpRemovalChecker({ allowLocal: true, timeoutMs: 1_000 }) };
    const id = ids();
    await w.send(
      'Consent Granted',
      grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2040-01-01T00:00:00Z' }),
    );
    const count = MAX_REMOVAL_LOOKS_PER_SWEEP + 1;
    for (let i = 0; i < count; i++)
      await w.send(
        'Asset Published',
        publishedDetail({
          assetId: `asset-${id.u}`,
          channel: 'web',
          twinIds: [id.twin],
          placementId: `pl-${id.u}-${i}`,
          url: site.url('/gone'),
        }),
      );
    const requested = w.publisher.ofType('Takedown Requested');
    expect(requested).toHaveLength(count);
    for (const r of requested)
      await w.send('Takedown Completed', {
        takedownId: r.takedownId,
        assetId: r.assetId,
        channel: 'web',
        placementId: r.placementId,
        completedAt: '2036-04-01T12:00:05Z',
      });
    const first = await sweepDue(deps);
    expect(first.byKind['removal-check']).toBe(MAX_REMOVAL_LOOKS_PER_SWEEP);
    expect(first.removals.verified).toBe(MAX_REMOVAL_LOOKS_PER_SWEEP);
    const second = await sweepDue(deps);
    expect(second.byKind['removal-check']).toBe(1);
    expect(w.publisher.ofType('Removal Verified')).toHaveLength(count);
  });

  it('a 300 KB url is refused at the door: no placement, no takedown, nothing to look at', async () => {
    const w = world('2036-04-01T12:00:00Z', 600, { removalSchedule: SCHEDULE });
    const id = ids();
    const detail = publishedDetail({
      twinIds: [id.twin],
      placementId: `pl-${id.u}`,
      url: `https://cdn.example.com/${'a'.repeat(300_000)}`,
    });
    expect(await w.send('Asset Published', detail)).toBe('processed');
    const [rejected] = w.publisher.ofType('Event Rejected');
    expect(rejected!.errors).toContainEqual({ path: 'detail.url', message: 'must be at most 2048 characters' });
    expect(await w.deps.store.getPlacement(detail.channel, detail.placementId)).toBeUndefined();
    expect((await sweepDue(w.deps)).fired).toBe(0);
  });

  it("a channel's rule decides what is gone: 451 is verified on a channel that names it, and not on another", async () => {
    const rules = parseGoneStatuses({ web: [404, 410, 451] });
    const ruled = await completedTakedown('/legal', { goneStatuses: rules });
    expect((await sweepDue(ruled.deps)).removals).toEqual({ verified: 1, unverified: 0 });
    expect(ruled.w.publisher.ofType('Removal Verified').map((d) => [d.channel, d.finding])).toEqual([['web', 'HTTP 451']]);
    // The same answer on a channel without the rule (the placement is on web; the rule names another channel).
    const other = await completedTakedown('/legal', { goneStatuses: parseGoneStatuses({ instagram: [451] }) });
    for (const at of ['2036-04-01T12:00:00Z', '2036-04-01T12:01:00Z', '2036-04-01T12:02:00Z']) {
      other.w.clock.set(at);
      await sweepDue(other.deps);
    }
    expect(other.w.publisher.ofType('Removal Unverified').map((d) => d.finding)).toEqual(['HTTP 451']);
    expect(other.w.publisher.ofType('Removal Verified')).toEqual([]);
  });

  it('a gone rule is bounded and validated, naming every problem', () => {
    expect([...parseGoneStatuses({ web: [404, 410, 451], tiktok: [404] })]).toEqual([
      ['web', [404, 410, 451]],
      ['tiktok', [404]],
    ]);
    const problem = (value: unknown) => {
      try {
        parseGoneStatuses(value);
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problem([404])).toMatch(/must be an object mapping channel names/);
    expect(problem(null)).toMatch(/must be an object mapping channel names/);
    expect(problem({ web: [] })).toBe('invalid gone statuses: "web": must be a list of 1 to 8 HTTP statuses');
    expect(problem({ web: Array.from({ length: 9 }, (_, i) => 400 + i) })).toMatch(/must be a list of 1 to 8/);
    expect(problem({ web: [200] })).toMatch(/"web": every status must be a 4xx/);
    expect(problem({ web: [301] })).toMatch(/"web": every status must be a 4xx/);
    expect(problem({ web: [503] })).toMatch(/"web": every status must be a 4xx/);
    expect(problem({ web: [404.5] })).toMatch(/"web": every status must be a 4xx/);
    expect(problem({ web: ['404'] })).toMatch(/"web": every status must be a 4xx/);
    expect(problem({ web: [404, 404] })).toBe('invalid gone statuses: "web": must not repeat a status');
    expect(problem({ '': [404] })).toMatch(/a channel name must be 1 to 256 characters/);
    expect(problem({ ['c'.repeat(300_000)]: [404] })).toMatch(/^invalid gone statuses: "c{59}…": a channel name must be 1 to 256/);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`ch${i}`, [404]]));
    expect(problem(many)).toBe('invalid gone statuses: at most 100 channels may have a rule, got 101');
    expect(problem({ web: [404], tiktok: 'x' })).toBe('invalid gone statuses: "tiktok": must be a list of 1 to 8 HTTP statuses');
  });
});
