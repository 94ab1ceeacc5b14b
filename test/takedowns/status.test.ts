import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { placementItems } from '../../shared/adapters/dynamodb/placement-items.ts';
import type { PlacementRecord, PlacementStatus } from '../../shared/model/records.ts';
import { markOverdue } from '../../shared/use-cases/mark-overdue.ts';
import type { StateCounts } from '../../shared/use-cases/queries/placement-tally.ts';
import { grantDetail, ids, publicationDetail, publishedDetail } from '../support/fixtures.ts';
import { db, tables, world } from '../support/harness.ts';
import { countsOfGrant as statusOfGrant, countsOfTwin as statusOfTwin } from '../support/placement-counts.ts';
import { runReevaluations } from '../support/reevaluations.ts';

type PlacementCounts = StateCounts;
const none: PlacementCounts = { live: 0, takedownRequested: 0, takenDown: 0, failed: 0, overdue: 0, total: 0 };

/**
 * Through the bus: a twin with one grant, three covered placements and four unapproved ones,
 * whose takedowns end completed, finally failed, overdue and still open.
 */
async function placementsInEveryState() {
  // Far from other files' clocks: their sweeps of the shared due queue must not mark these overdue.
  const w = world('2035-06-01T12:00:00Z', 600);
  const id = ids();
  await w.send(
    'Consent Granted',
    grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2040-01-01T00:00:00Z' }),
  );
  const pub = publicationDetail({ twinIds: [id.twin], assetId: `asset-${id.u}` });
  await w.send('Publication Requested', pub);
  for (let i = 0; i < 3; i++) {
    await w.send(
      'Asset Published',
      publishedDetail({
        assetId: pub.assetId,
        channel: pub.channel,
        twinIds: [id.twin],
        publicationId: pub.publicationId,
        placementId: `live-${id.u}-${i}`,
      }),
    );
  }
  for (let i = 0; i < 4; i++) {
    await w.send(
      'Asset Published',
      publishedDetail({ assetId: `other-${id.u}`, channel: 'web', twinIds: [id.twin], placementId: `unapproved-${id.u}-${i}` }),
    );
  }
  const takedowns = w.publisher.ofType('Takedown Requested');
  expect(takedowns).toHaveLength(4);
  const [completed, failed, overdue] = takedowns.map((t) => ({
    takedownId: t.takedownId,
    assetId: t.assetId,
    channel: t.channel,
    placementId: t.placementId,
  }));
  await w.send('Takedown Completed', { ...completed!, completedAt: '2035-06-01T12:01:00Z' });
  await w.send('Takedown Failed', { ...failed!, error: 'gone', final: true });
  w.clock.set('2035-06-01T12:11:00Z');
  expect(await markOverdue(w.deps, overdue!.takedownId)).toBe('processed');
  return { ...w, id, pub };
}

describe('placement status', () => {
  it('counts a twin’s placements by state, overdue among the open takedowns', async () => {
    const { id } = await placementsInEveryState();
    expect(await statusOfTwin({ db, tables }, id.twin)).toEqual({
      live: 3,
      takedownRequested: 2,
      takenDown: 1,
      failed: 1,
      overdue: 1,
      total: 7,
    });
  });

  it('counts a grant’s placements: those that relied on it, before and after its revocation', async () => {
    const { id, send, deps, publisher } = await placementsInEveryState();
    // The unapproved placements never relied on the grant.
    expect(await statusOfGrant({ db, tables }, id.grant)).toEqual({ ...none, live: 3, total: 3 });
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2035-06-01T12:11:00Z' });
    await runReevaluations(deps, publisher);
    expect(await statusOfGrant({ db, tables }, id.grant)).toEqual({ ...none, takedownRequested: 3, total: 3 });
    expect(await statusOfTwin({ db, tables }, id.twin)).toEqual({
      live: 0,
      takedownRequested: 5,
      takenDown: 1,
      failed: 1,
      overdue: 1,
      total: 7,
    });
  });

  it('a multi-twin placement counts for each of its twins', async () => {
    const w = world('2035-06-01T12:00:00Z');
    const id = ids();
    await w.send(
      'Asset Published',
      publishedDetail({ assetId: `asset-${id.u}`, twinIds: [id.twin, id.twin2], placementId: `both-${id.u}` }),
    );
    const expected = { ...none, takedownRequested: 1, total: 1 };
    expect(await statusOfTwin({ db, tables }, id.twin)).toEqual(expected);
    expect(await statusOfTwin({ db, tables }, id.twin2)).toEqual(expected);
  });

  it('unknown twin or grant: all zero', async () => {
    const id = ids();
    expect(await statusOfTwin({ db, tables }, id.twin)).toEqual(none);
    expect(await statusOfGrant({ db, tables }, id.grant)).toEqual(none);
  });

  it('pages through hundreds of placements (more than one Query and BatchGetItem page) with exact counts', async () => {
    const id = ids();
    const states: [PlacementStatus, boolean][] = [
      ['live', false],
      ['takedown-requested', false],
      ['takedown-requested', true],
      ['taken-down', true], // overdue, then confirmed: no longer overdue
      ['takedown-failed', true],
      ['taken-down', false],
    ];
    const count = 257;
    const placements: PlacementRecord[] = Array.from({ length: count }, (_, i) => {
      const [state, overdue] = states[i % states.length]!;
      return {
        channel: i % 2 === 0 ? 'web' : 'instagram',
        placementId: `bulk-${id.u}-${i}`,
        assetId: `asset-${id.u}`,
        twinIds: [id.twin],
        licensee: 'brand-hm',
        territories: ['SE'],
        publishedAt: '2026-03-01T09:00:00Z',
        recordedAt: '2026-03-01T09:00:00Z',
        status: state,
        reliesOn: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
        revision: 0,
        ...(state === 'live'
          ? {}
          : {
              takedown: {
                takedownId: `td-${id.u}-${i}`,
                reason: 'CONSENT_REVOKED',
                grantIds: [id.grant],
                requestedAt: '2026-03-01T10:00:00Z',
                deadline: '2026-03-01T11:00:00Z',
                attempts: 0,
                ...(overdue ? { overdue: true } : {}),
              },
            }),
      } satisfies PlacementRecord;
    });
    await writeItems(placements.flatMap(placementItems));
    const expected = tally(placements);
    expect(expected.total).toBe(count);
    expect(expected.overdue).toBeGreaterThan(0);
    expect(await statusOfTwin({ db, tables }, id.twin)).toEqual(expected);
    expect(await statusOfGrant({ db, tables }, id.grant)).toEqual(expected);
  });
});

function tally(placements: readonly PlacementRecord[]): PlacementCounts {
  const counts = { ...none };
  for (const p of placements) {
    counts.total++;
    if (p.status === 'live') counts.live++;
    if (p.status === 'takedown-requested') counts.takedownRequested++;
    if (p.status === 'taken-down') counts.takenDown++;
    if (p.status === 'takedown-failed') counts.failed++;
    if (p.takedown?.overdue === true && p.status !== 'taken-down') counts.overdue++;
  }
  return counts;
}

async function writeItems(items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tables.consent]: pending } }));
      pending = (out.UnprocessedItems?.[tables.consent] as typeof pending | undefined) ?? [];
    }
  }
}
