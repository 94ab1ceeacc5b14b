import { describe, expect, it } from 'vitest';
import { wireQueries } from '../../shared/adapters/wire.ts';
import { findTwins, MAX_TWINS_LISTED } from '../../shared/use-cases/queries/twins.ts';
import { grantDetail } from '../support/fixtures.ts';
import { db, tables, uid, world } from '../support/harness.ts';

const NOW = '2035-06-10T12:00:00Z';

/** Twins granted through the front door, all under one fresh prefix so other files' twins stay out. */
async function grantedTwins(count: number, grantsEach = 1) {
  const w = world(NOW, 3600);
  const prefix = `dir-${uid()}-`;
  const twinIds = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  for (const twinId of twinIds) {
    for (let g = 0; g < grantsEach; g++) {
      const grant = grantDetail({
        grantId: `${twinId}-g${g}`,
        twinId,
        talentId: `talent-of-${twinId}`,
        licensee: g === 0 ? 'brand-hm' : 'brand-cos',
      });
      expect(await w.send('Consent Granted', grant)).toBe('processed');
    }
  }
  return { q: { queries: wireQueries({ db, tables }), clock: w.clock }, w, prefix, twinIds };
}

describe('twin directory', () => {
  it('lists the twins under a prefix in id order, with their talents, licensees and grant counts', async () => {
    const { q, prefix, twinIds } = await grantedTwins(3, 2);
    const list = await findTwins(q, prefix);
    expect(list.more).toBe(false);
    expect(list.twins).toEqual(
      twinIds.map((twinId) => ({ twinId, talentIds: [`talent-of-${twinId}`], licensees: ['brand-cos', 'brand-hm'], grants: 2 })),
    );
    expect((await findTwins(q, `${prefix}001`)).twins.map((t) => t.twinId)).toEqual([twinIds[1]]);
    expect(await findTwins(q, `${prefix}9`)).toEqual({ prefix: `${prefix}9`, twins: [], more: false });
  });

  it('an amendment does not list a twin twice, and a revoked grant stays listed', async () => {
    const { q, w, prefix, twinIds } = await grantedTwins(1);
    const twinId = twinIds[0]!;
    await w.send('Consent Granted', grantDetail({ grantId: `${twinId}-g0`, twinId, talentId: `talent-of-${twinId}`, version: 2 }));
    await w.send('Consent Revoked', { grantId: `${twinId}-g0`, twinId, revokedAt: NOW });
    expect((await findTwins(q, prefix)).twins).toEqual([
      { twinId, talentIds: [`talent-of-${twinId}`], licensees: ['brand-hm'], grants: 1 },
    ]);
  });

  it('stops at the limit across pages and says there are more', async () => {
    // 60 twins of 2 grants: 120 entries, more than one page of the directory.
    const { q, prefix, twinIds } = await grantedTwins(60, 2);
    const first = await findTwins(q, prefix, 55);
    expect(first.twins.map((t) => t.twinId)).toEqual(twinIds.slice(0, 55));
    expect(first.twins.every((t) => t.grants === 2)).toBe(true);
    expect(first.more).toBe(true);
    const all = await findTwins(q, prefix, MAX_TWINS_LISTED);
    expect(all.twins).toHaveLength(60);
    expect(all.more).toBe(false);
  });

  it('ids with # and % cannot match another twin’s prefix', async () => {
    const w = world(NOW, 3600);
    const base = `odd-${uid()}`;
    for (const twinId of [`${base}#a`, `${base}%23a`, `${base}`]) {
      await w.send('Consent Granted', grantDetail({ grantId: `g-${uid()}`, twinId, talentId: 't' }));
    }
    const q = { queries: wireQueries({ db, tables }), clock: w.clock };
    expect((await findTwins(q, `${base}#`)).twins.map((t) => t.twinId)).toEqual([`${base}#a`]);
    expect((await findTwins(q, `${base}%`)).twins.map((t) => t.twinId)).toEqual([`${base}%23a`]);
    expect((await findTwins(q, base)).twins).toHaveLength(3);
  });
});
