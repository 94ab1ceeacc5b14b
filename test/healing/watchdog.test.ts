import { describe, expect, it } from 'vitest';
import { reevaluationRequestedSchema } from '../../shared/model/events/internal-schemas.ts';
import { reevaluatePlacements, type Checkpoint } from '../../shared/use-cases/reevaluate-placements.ts';
import type { ReevaluationRequest } from '../../shared/use-cases/reevaluation-requested.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { grantDetail } from '../support/fixtures.ts';
import { grantedTwinWithPlacements } from '../support/granted-twin.ts';
import { world } from '../support/harness.ts';

class InjectedCrash extends Error {}

const N = 250;
const FAR = new Date('2100-01-01T00:00:00Z');

/** A twin with one grant and `count` live placements on three channels, seeded straight into the table. */
async function twinWithPlacements(count: number) {
  const w = world('2026-03-01T12:00:00Z');
  const { id, placements } = await grantedTwinWithPlacements(w, { count, channels: ['instagram', 'tiktok', 'web'] });
  // Two invocations, of 200 and 50, when nothing goes wrong.
  w.deps.settings.reevaluationBudget = 200;
  const requests = () => w.publisher.ofType('Reevaluation Requested') as unknown as ReevaluationRequest[];
  /**
   * Plays the bus for `Reevaluation Requested` from the `from`-th one published: runs each
   * and the continuations they publish, except those `lose` drops (a dead-lettered event).
   */
  const drive = async (from: number, opts: { checkpoint?: Checkpoint; lose?: (r: ReevaluationRequest) => boolean } = {}) => {
    for (let next = from; next < requests().length; next++) {
      const request = requests()[next]!;
      if (opts.lose?.(request)) continue;
      await reevaluatePlacements(w.deps, request, opts.checkpoint);
    }
  };
  const revoke = () => w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
  return { ...w, id, placements, requests, drive, revoke };
}

type Twin = Awaited<ReturnType<typeof twinWithPlacements>>;

/** Every placement got exactly one takedown, sent exactly once; the job is done and knows it. */
async function expectEachTakenDownOnce(t: Twin) {
  const sent = t.publisher.ofType('Takedown Requested');
  const perPlacement = new Map<string, string[]>();
  for (const s of sent)
    perPlacement.set(`${s.channel}/${s.placementId}`, [...(perPlacement.get(`${s.channel}/${s.placementId}`) ?? []), s.takedownId]);
  expect([...perPlacement.keys()].sort()).toEqual(t.placements.map((p) => `${p.channel}/${p.placementId}`).sort());
  expect([...perPlacement.values()].filter((takedowns) => takedowns.length !== 1)).toEqual([]);
  expect(sent).toHaveLength(N);
  expect(new Set(sent.map((s) => s.takedownId)).size).toBe(N);
  const job = await t.deps.fanout.getJob(`revoked#${t.id.grant}`);
  expect({ status: job?.status, scanned: job?.scanned, takedowns: job?.takedowns }).toEqual({ status: 'done', scanned: N, takedowns: N });
  for (const p of [t.placements[0]!, t.placements[N - 1]!]) {
    expect((await t.deps.store.getPlacement(p.channel, p.placementId))?.status).toBe('takedown-requested');
  }
}

/** The watchdog fires 5 minutes after the last progress, not before, and resumes the job once. */
async function watchdogResumes(t: Twin, lastProgress: string, resumeSeq: number | undefined) {
  const before = t.requests().length;
  t.clock.set(new Date(Date.parse(lastProgress) + 299_000).toISOString());
  expect(await sweepDue(t.deps)).toMatchObject({ jobsResumed: 0, failed: [] });
  expect(t.requests()).toHaveLength(before);
  t.clock.set(new Date(Date.parse(lastProgress) + 300_000).toISOString());
  expect(await sweepDue(t.deps)).toMatchObject({ fired: 1, byKind: { 'job-watchdog': 1 }, jobsResumed: 1, failed: [] });
  const resume = t.requests().slice(before);
  expect(resume).toEqual([
    {
      jobId: `revoked#${t.id.grant}`,
      grantId: t.id.grant,
      twinId: t.id.twin,
      cause: 'CONSENT_REVOKED',
      ...(resumeSeq === undefined ? {} : { resumeSeq }),
    },
  ]);
  return before;
}

describe('a fan-out job that lost its driver is resumed by its watchdog', () => {
  it.each([
    ['crashed after a page was committed and sent, before its cursor was saved', 'page-committed'],
    ['crashed right after a page was saved', 'page-saved'],
  ] as const)('%s: resumed from its cursor, every placement taken down once', async (_what, step) => {
    const t = await twinWithPlacements(N);
    await t.revoke();
    let pages = 0;
    // The crash on page 2 kills the driver, and nobody redelivers its event.
    const crash: Checkpoint = (at) => {
      if (at === step && ++pages === 2) throw new InjectedCrash(at);
    };
    await expect(t.drive(0, { checkpoint: crash })).rejects.toThrow(InjectedCrash);
    const stuck = await t.deps.fanout.getJob(`revoked#${t.id.grant}`);
    expect(stuck).toMatchObject({ status: 'running', seq: step === 'page-saved' ? 3 : 2 });
    expect(t.publisher.ofType('Takedown Requested')).toHaveLength(200);

    const from = await watchdogResumes(t, '2026-03-01T12:00:00Z', stuck!.seq);
    await t.drive(from);
    await expectEachTakenDownOnce(t);
  });

  it('the bus refused a batch of takedowns mid-page: the resume sends them, once', async () => {
    const t = await twinWithPlacements(N);
    await t.revoke();
    t.publisher.failNext = 1;
    await expect(t.drive(0)).rejects.toThrow('bus unavailable');
    expect(t.publisher.ofType('Takedown Requested')).toHaveLength(90);
    const from = await watchdogResumes(t, '2026-03-01T12:00:00Z', 1);
    await t.drive(from);
    await expectEachTakenDownOnce(t);
  });

  it('its hand-over to the next invocation was dead-lettered: looked at again after 5 minutes of no progress, then resumed', async () => {
    const t = await twinWithPlacements(N);
    await t.revoke();
    // The first invocation runs at 12:03 and hands over; its continuation never arrives.
    t.clock.set('2026-03-01T12:03:00Z');
    await t.drive(0, { lose: (r) => t.requests().indexOf(r) > 0 });
    expect(t.publisher.ofType('Takedown Requested')).toHaveLength(200);
    // At 12:05 the watchdog sees progress 2 minutes ago: it publishes nothing, and looks again at 12:08.
    t.clock.set('2026-03-01T12:05:00Z');
    expect(await sweepDue(t.deps)).toMatchObject({ fired: 1, jobsResumed: 0, failed: [] });
    expect((await t.deps.due.due(FAR, 100)).filter((d) => d.kind === 'job-watchdog').map((d) => d.dueAt)).toEqual([
      '2026-03-01T12:08:00.000Z',
    ]);
    const from = await watchdogResumes(t, '2026-03-01T12:03:00Z', 3);
    await t.drive(from);
    await expectEachTakenDownOnce(t);
  });

  it('its first request was dead-lettered, so no job was ever written: the watchdog starts it', async () => {
    const t = await twinWithPlacements(N);
    await t.revoke();
    expect(await t.deps.fanout.getJob(`revoked#${t.id.grant}`)).toBeUndefined();
    const from = await watchdogResumes(t, '2026-03-01T12:00:00Z', undefined);
    await t.drive(from);
    await expectEachTakenDownOnce(t);
  });

  it('a driver that was only slow keeps the job; the late resume does nothing', async () => {
    const t = await twinWithPlacements(N);
    await t.revoke();
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atPause = new Promise<void>((resolve) => (reached = resolve));
    let pages = 0;
    const first = t.requests()[0]!;
    const slow = reevaluatePlacements(t.deps, first, async (step) => {
      if (step === 'page-saved' && ++pages === 1) {
        reached();
        await paused;
      }
    });
    await atPause;
    // Five minutes without a saved page: the watchdog resumes the job at seq 2.
    const from = await watchdogResumes(t, '2026-03-01T12:00:00Z', 2);
    const resume = t.requests()[from]!;
    // The slow driver goes on (and saves page 2) before the resume runs.
    release();
    expect(await slow).toBe('continued');
    expect(await reevaluatePlacements(t.deps, resume)).toBe('duplicate');
    // The slow driver's hand-over finishes the job.
    await t.drive(from + 1);
    await expectEachTakenDownOnce(t);
  });

  it('a finished job: its watchdog goes quietly', async () => {
    const t = await twinWithPlacements(N);
    await t.revoke();
    await t.drive(0);
    await expectEachTakenDownOnce(t);
    t.clock.set('2026-03-01T12:05:00Z');
    expect(await sweepDue(t.deps)).toMatchObject({ fired: 1, jobsResumed: 0, failed: [] });
    expect(t.requests()).toHaveLength(2);
    expect((await t.deps.due.due(FAR, 1000)).filter((d) => d.kind === 'job-watchdog')).toEqual([]);
  });

  it('a narrowing job is watched too', async () => {
    const t = await twinWithPlacements(3);
    // A narrowing amendment at 12:00 (the placements are live in SE only); its request is lost.
    const narrowed = { ...grantDetail().scope, territories: ['DE', 'US'] };
    await t.send(
      'Consent Granted',
      grantDetail({ grantId: t.id.grant, twinId: t.id.twin, talentId: t.id.talent, version: 2, scope: narrowed }),
    );
    t.clock.set('2026-03-01T12:05:00Z');
    expect(await sweepDue(t.deps)).toMatchObject({ jobsResumed: 1, failed: [] });
    expect(t.requests().map((r) => [r.jobId, r.cause])).toEqual([
      [`narrowed#${t.id.grant}#2`, 'SCOPE_NARROWED'],
      [`narrowed#${t.id.grant}#2`, 'SCOPE_NARROWED'],
    ]);
    await t.drive(1);
    expect(t.publisher.ofType('Takedown Requested').map((r) => r.reason)).toEqual(['SCOPE_NARROWED', 'SCOPE_NARROWED', 'SCOPE_NARROWED']);
  });

  it('an expiry job is watched too', async () => {
    const t = await twinWithPlacements(3);
    // The grant expires at its validUntil; the expiry's request is lost.
    t.clock.set('2026-12-31T23:59:59Z');
    expect(await sweepDue(t.deps)).toMatchObject({ byKind: { 'grant-expiry': 1 }, failed: [] });
    t.clock.set('2027-01-01T00:04:59Z');
    expect(await sweepDue(t.deps)).toMatchObject({ jobsResumed: 1, failed: [] });
    expect(t.requests().map((r) => [r.jobId, r.cause])).toEqual([
      [`expired#${t.id.grant}#1`, 'CONSENT_EXPIRED'],
      [`expired#${t.id.grant}#1`, 'CONSENT_EXPIRED'],
    ]);
    await t.drive(1);
    expect(t.publisher.ofType('Takedown Requested').map((r) => r.reason)).toEqual([
      'CONSENT_EXPIRED',
      'CONSENT_EXPIRED',
      'CONSENT_EXPIRED',
    ]);
  });
});

describe('Reevaluation Requested from the watchdog', () => {
  it('carries an optional resumeSeq, a whole number', () => {
    const base = { jobId: 'revoked#g', grantId: 'g', twinId: 't', cause: 'CONSENT_REVOKED' };
    expect(reevaluationRequestedSchema.parse({ ...base, resumeSeq: 4 })).toEqual({ ...base, resumeSeq: 4 });
    expect(reevaluationRequestedSchema.parse(base)).toEqual(base);
    expect(() => reevaluationRequestedSchema.parse({ ...base, resumeSeq: -1 })).toThrow();
    expect(() => reevaluationRequestedSchema.parse({ ...base, resumeSeq: 1.5 })).toThrow();
  });
});
