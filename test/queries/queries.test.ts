import { describe, expect, it } from 'vitest';
import { wireQueries } from '../../shared/adapters/wire.ts';
import { checkUse } from '../../shared/use-cases/queries/check.ts';
import { twinHistory } from '../../shared/use-cases/queries/history.ts';
import { fanoutProgress } from '../../shared/use-cases/queries/revocation-progress.ts';
import { parseUsageRecordId, usageRecordId } from '../../shared/model/log/usage-record-id.ts';
import { statement, totalsOf } from '../../shared/use-cases/queries/statement.ts';
import { tallyPlacements } from '../../shared/use-cases/queries/placement-tally.ts';
import { grantStatus, twinStatus } from '../../shared/use-cases/queries/status.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { auditOf, db, tables, world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';

// Far from other files' clocks, so their sweeps of the shared due queue leave these alone.
const NOW = '2035-06-10T12:00:00Z';

function queryWorld() {
  const w = world(NOW, 3600);
  return { ...w, q: { queries: wireQueries({ db, tables }), clock: w.clock } };
}

/** A twin with two covering grants of brand-hm, an approved publication and three placements on instagram. */
async function twinWithPlacements() {
  const w = queryWorld();
  const id = ids();
  const scope = { media: ['image'], channels: ['instagram'], territories: ['SE', 'DE'], modifications: ['garment'] };
  const common = { twinId: id.twin, talentId: id.talent, validFrom: '2035-01-01T00:00:00Z', validUntil: '2036-01-01T00:00:00Z', scope };
  await w.send('Consent Granted', grantDetail({ ...common, grantId: id.grant }));
  await w.send(
    'Consent Granted',
    grantDetail({ ...common, grantId: id.grant2, compensation: { currency: 'EUR', perRender: 1, perPlacement: 2 } }),
  );
  const pub = publicationDetail({ twinIds: [id.twin], assetId: `asset-${id.u}`, channel: 'instagram', territories: ['SE'] });
  await w.send('Publication Requested', pub);
  for (let i = 0; i < 3; i++) {
    const p = { assetId: pub.assetId, channel: 'instagram', twinIds: [id.twin], publicationId: pub.publicationId, territories: ['SE'] };
    await w.send('Asset Published', publishedDetail({ ...p, placementId: `p-${id.u}-${i}` }));
  }
  return { ...w, id, pub };
}

describe('query layer', () => {
  it('status of a twin: grants with standing, placements by channel, territory and state, open takedowns with deadlines', async () => {
    const { q, id, send } = await twinWithPlacements();
    // An unapproved placement on web is taken down at once: an open takedown.
    await send(
      'Asset Published',
      publishedDetail({ assetId: `other-${id.u}`, channel: 'web', twinIds: [id.twin], placementId: `u-${id.u}` }),
    );
    const s = await twinStatus(q, id.twin);
    expect(s.grants.map((g) => [g.grantId, g.standing])).toEqual([
      [id.grant, 'active'],
      [id.grant2, 'active'],
    ]);
    expect(s.placements.totals).toEqual({ live: 3, takedownRequested: 1, takenDown: 0, failed: 0, overdue: 0, total: 4 });
    expect(s.placements.byChannel.map((c) => [c.channel, c.live, c.takedownRequested])).toEqual([
      ['instagram', 3, 0],
      ['web', 0, 1],
    ]);
    expect(s.placements.liveByTerritory).toEqual([{ territory: 'SE', live: 3 }]);
    expect(s.placements.openTakedowns).toHaveLength(1);
    expect(s.placements.openTakedowns[0]).toMatchObject({ channel: 'web', placementId: `u-${id.u}`, deadline: '2035-06-10T13:00:00.000Z' });
    expect(s.placements.cut).toBe(false);
  });

  it('status of a grant counts a placement that moved onto another grant under that grant only', async () => {
    const { q, id, send, deps, publisher } = await twinWithPlacements();
    expect((await grantStatus(q, id.grant)).placements.totals).toMatchObject({ live: 3, total: 3 });
    expect((await grantStatus(q, id.grant2)).placements.totals).toMatchObject({ live: 0, total: 0 });
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: NOW });
    await runReevaluations(deps, publisher);
    const revoked = await grantStatus(q, id.grant);
    expect(revoked.grant?.standing).toBe('revoked');
    expect(revoked.placements.totals.total).toBe(0);
    expect((await grantStatus(q, id.grant2)).placements.totals).toMatchObject({ live: 3, total: 3 });
    expect((await twinStatus(q, id.twin)).placements.totals).toMatchObject({ live: 3, total: 3 });
  });

  it('check runs the decision rule with every reason, and records and emits nothing', async () => {
    const { q, id, publisher } = await twinWithPlacements();
    const events = publisher.events.length;
    const trail = (await auditOf(id.twin)).length;
    const denied = await checkUse(q, {
      twinIds: [id.twin],
      licensee: 'brand-hm',
      medium: 'video',
      modifications: ['garment'],
      channel: 'tiktok',
      territories: ['JP'],
    });
    expect(denied.approved).toBe(false);
    const codes = denied.reasons.map((r) => `${r.grantId}:${r.code}`).sort();
    expect(codes).toEqual(
      [id.grant, id.grant2].flatMap((g) => [`${g}:CHANNEL_NOT_ALLOWED`, `${g}:MEDIUM_NOT_ALLOWED`, `${g}:TERRITORY_NOT_ALLOWED`]).sort(),
    );
    const other = await checkUse(q, { twinIds: [id.twin], licensee: 'brand-zara', medium: 'image', modifications: [] });
    expect(other.reasons.map((r) => r.code)).toEqual(['NO_CONSENT']);
    const approved = await checkUse(q, {
      twinIds: [id.twin],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: ['garment'],
      channel: 'instagram',
      territories: ['DE'],
    });
    expect(approved).toMatchObject({ approved: true, grants: [{ grantId: id.grant, version: 1 }] });
    expect(publisher.events.length).toBe(events);
    expect((await auditOf(id.twin)).length).toBe(trail);
  });

  it('history: every decision with reasons and grant versions, within a window, bounded with a cursor', async () => {
    const { q, id, send, clock } = await twinWithPlacements();
    clock.set('2035-06-11T09:00:00Z');
    await send('Render Requested', renderDetail({ twinIds: [id.twin], medium: 'video', modifications: [] }));
    const all = await twinHistory(q, id.twin, {});
    const kinds = all.entries.map((e) => `${e.kind}:${e.outcome}`);
    // Lines of one instant come in record-id order; the render came a day later.
    expect(kinds.slice(0, 6).sort()).toEqual(
      ['grant:granted', 'grant:granted', 'publication-decision:approved', 'placement:live', 'placement:live', 'placement:live'].sort(),
    );
    expect(kinds[6]).toBe('render-decision:denied');
    const publication = all.entries.find((e) => e.kind === 'publication-decision')!;
    expect(publication.grants).toEqual([{ twinId: id.twin, grantId: id.grant, version: 1 }]);
    expect(all.entries[6]!.reasons!.map((r) => `${r.grantId}:${r.code}`)).toEqual([
      `${id.grant}:MEDIUM_NOT_ALLOWED`,
      `${id.grant2}:MEDIUM_NOT_ALLOWED`,
    ]);
    const window = await twinHistory(q, id.twin, { from: '2035-06-11', to: '2035-06-11' });
    expect(window.entries.map((e) => e.kind)).toEqual(['render-decision']);
    const first = await twinHistory(q, id.twin, {}, { limit: 4 });
    expect(first.entries).toHaveLength(4);
    expect(first.cut).toBe(true);
    const rest = await twinHistory(q, id.twin, {}, { limit: 4, cursor: first.cursor! });
    expect([...first.entries, ...rest.entries].map((e) => e.recordId)).toEqual(all.entries.map((e) => e.recordId));
    expect(rest.cut).toBe(false);
    // Exactly at the limit: nothing more follows, so it is not cut.
    expect(await twinHistory(q, id.twin, {}, { limit: 7 })).toMatchObject({ cut: false });
    expect((await twinHistory(q, id.twin, {}, { limit: 7 })).cursor).toBeUndefined();
  });

  it('statement: every paid use as the ledger holds it, with licensee, and totals per currency computed by hand', async () => {
    const w = queryWorld();
    const id = ids();
    const base = { talentId: id.talent, validFrom: '2035-01-01T00:00:00Z', validUntil: '2036-01-01T00:00:00Z' };
    await w.send('Consent Granted', grantDetail({ ...base, grantId: id.grant, twinId: id.twin }));
    await w.send(
      'Consent Granted',
      grantDetail({
        ...base,
        grantId: id.grant2,
        twinId: id.twin2,
        licensee: 'brand-zara',
        compensation: { currency: 'USD', perRender: 12.5, perPlacement: 0.1 },
      }),
    );
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin2], licensee: 'brand-zara' }));
    const pub = publicationDetail({ twinIds: [id.twin2], licensee: 'brand-zara', assetId: `a-${id.u}` });
    await w.send('Publication Requested', pub);
    for (let i = 0; i < 3; i++) {
      const p = {
        assetId: pub.assetId,
        channel: pub.channel,
        twinIds: [id.twin2],
        licensee: 'brand-zara',
        publicationId: pub.publicationId,
      };
      await w.send('Asset Published', publishedDetail({ ...p, placementId: `z-${id.u}-${i}` }));
    }
    // A render of the next month is not on this statement.
    w.clock.set('2035-07-01T00:00:00Z');
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    const s = await statement(w.q, id.talent, '2035-06');
    // EUR: 2 renders x 50; USD: 1 render x 12.5 + 3 placements x 0.1.
    expect(s.totals).toEqual([
      { currency: 'EUR', renders: 2, placements: 0, amount: 100 },
      { currency: 'USD', renders: 1, placements: 3, amount: 12.8 },
    ]);
    expect(s.lines).toHaveLength(6);
    expect(new Set(s.lines.map((l) => `${l.twinId}/${l.grantId}/${l.licensee}`))).toEqual(
      new Set([`${id.twin}/${id.grant}/brand-hm`, `${id.twin2}/${id.grant2}/brand-zara`]),
    );
    // Each line names its usage record in the log (what `npm run log -- prove --record` takes), one record a line.
    for (const l of s.lines) expect(l.recordId).toBe(usageRecordId(l));
    expect(new Set(s.lines.map((l) => l.recordId)).size).toBe(6);
    expect(parseUsageRecordId(s.lines[0]!.recordId)).toEqual({
      talentId: id.talent,
      at: s.lines[0]!.at,
      kind: s.lines[0]!.kind,
      refId: s.lines[0]!.refId,
      twinId: s.lines[0]!.twinId,
    });
    expect(s.cut).toBe(false);
    expect((await statement(w.q, id.talent, '2035-07')).totals).toEqual([{ currency: 'EUR', renders: 1, placements: 0, amount: 50 }]);
    await expect(statement(w.q, id.talent, '2035-13')).rejects.toThrow(/YYYY-MM/);
  });

  it('a usage record id names one record, ids with # included, and nothing else parses as one', () => {
    const u = { talentId: 'talent#1', at: '2035-06-10T12:00:00.000Z', kind: 'render' as const, refId: 'req/#2', twinId: 'twin %3' };
    expect(usageRecordId(u)).toBe('usage:talent%231#2035-06-10T12:00:00.000Z#render#req%2F%232#twin%20%253');
    expect(parseUsageRecordId(usageRecordId(u))).toEqual(u);
    for (const bad of [
      'render-decision:dec-1',
      'usage:t#2035-06-10T12:00:00Z#render#r',
      'usage:t#2035-06-10T12:00:00Z#gift#r#w',
      'usage:t#yesterday#render#r#w',
      'usage:%41#2035-06-10T12:00:00Z#render#r#w',
      'usage:%E0#2035-06-10T12:00:00Z#render#r#w',
      'usage:#2035-06-10T12:00:00Z#render#r#w',
      `usage:${'t'.repeat(300_000)}#2035-06-10T12:00:00Z#render#r#w`,
    ])
      expect(parseUsageRecordId(bad)).toBeUndefined();
  });

  it('totals add money exactly (0.1 three times is 0.3)', () => {
    const u = { talentId: 't', twinId: 'w', grantId: 'g', refId: 'r', at: NOW, kind: 'placement' as const, currency: 'USD' };
    expect(totalsOf([0.1, 0.1, 0.1].map((amount) => ({ ...u, amount })))).toEqual([
      { currency: 'USD', renders: 0, placements: 3, amount: 0.3 },
    ]);
  });

  it('fan-out progress: nothing started, takedowns requested, then finished when every one is confirmed', async () => {
    const { q, id, send, deps, publisher, clock } = await twinWithPlacements();
    // Only one grant, so the revocation takes the placements down instead of moving them.
    await send('Consent Revoked', { grantId: id.grant2, twinId: id.twin, revokedAt: NOW });
    expect(await fanoutProgress(q, id.grant)).toMatchObject({ placements: 3, takedownsRequested: 0, finished: false, scanDone: false });
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: NOW });
    await runReevaluations(deps, publisher);
    expect(await fanoutProgress(q, id.grant)).toMatchObject({
      cause: 'CONSENT_REVOKED',
      scanDone: true,
      placements: 3,
      takedownsRequested: 3,
      completed: 0,
      open: 3,
      finished: false,
    });
    const takedowns = publisher.ofType('Takedown Requested');
    clock.set('2035-06-10T12:05:00Z');
    for (const t of takedowns) {
      const { takedownId, assetId, channel, placementId } = t;
      await send('Takedown Completed', { takedownId, assetId, channel, placementId, completedAt: '2035-06-10T12:04:00Z' });
    }
    expect(await fanoutProgress(q, id.grant)).toMatchObject({
      takedownsRequested: 3,
      completed: 3,
      open: 0,
      finished: true,
      elapsedSeconds: 240,
    });
  });

  it('a read that stops at its bound says it was cut', async () => {
    const { q, id } = await twinWithPlacements();
    const cut = await tallyPlacements(q, { twinId: id.twin }, () => true, 2);
    expect(cut).toMatchObject({ read: 2, cut: true, totals: { total: 2 } });
    expect(await tallyPlacements(q, { twinId: id.twin }, () => true, 3)).toMatchObject({ read: 3, cut: false });
    const s = await statement(q, id.talent, '2035-06', 2);
    expect(s.lines).toHaveLength(2);
    expect(s.cut).toBe(true);
    expect((await statement(q, id.talent, '2035-06', 3)).cut).toBe(false);
  });
});
