/**
 * Races the interleavings found (interleavings.test.ts, property B), pinned down one by one:
 * the same steps in the one order that breaks, so that a regression shows at once.
 */
import { describe, expect, it } from 'vitest';
import type { ConsentStore } from '../../shared/ports/consent-store.ts';
import type { Deps } from '../../shared/ports/deps.ts';
import { handleInbound } from '../../shared/use-cases/handle-inbound.ts';
import { grantDetail, ids, publicationDetail, renderDetail } from '../support/fixtures.ts';
import { envelope, world } from '../support/harness.ts';

/** `deps` whose store holds `method` until `release()`; `reached` settles when a call arrives there. */
function pausing(deps: Deps, method: keyof ConsentStore) {
  let release!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const store = new Proxy(deps.store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        arrived();
        await gate;
        return value.apply(target, args);
      };
    },
  });
  return { deps: { ...deps, store }, reached, release };
}

describe('races found by the interleavings', () => {
  // Found by property B (seed -315089155): an amendment read the grant before a revocation
  // committed, and committed after it. The amendment's write was conditional on the version
  // only, which a revocation keeps: it overwrote the revoked state, and the grant covered
  // again. EVENTS.md: "A revoked grantId stays revoked forever".
  it('an amendment that read the grant before a revocation committed does not revive it', async () => {
    const { deps, send, publisher } = world();
    const id = ids();
    const v1 = grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent });
    await send('Consent Granted', v1);

    const paused = pausing(deps, 'commitGrant');
    const amending = handleInbound(paused.deps, envelope('Consent Granted', { ...v1, version: 2 }, { id: `evt-amend-${id.u}` }));
    await paused.reached;
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    paused.release();
    await amending.catch(() => undefined);

    expect(await deps.store.grantState(id.grant)).toMatchObject({ revokedAt: '2026-03-01T12:00:00Z' });
    const [stored] = (await deps.store.grantsOfTwins([id.twin])).get(id.twin) ?? [];
    expect(stored).toMatchObject({ grantId: id.grant, revokedAt: '2026-03-01T12:00:00Z' });
    const render = renderDetail({ twinIds: [id.twin] });
    await send('Render Requested', render);
    const publication = publicationDetail({ twinIds: [id.twin] });
    await send('Publication Requested', publication);
    expect(publisher.ofType('Render Approved').filter((d) => d['requestId'] === render.requestId)).toEqual([]);
    expect(publisher.ofType('Publication Approved').filter((d) => d['publicationId'] === publication.publicationId)).toEqual([]);
  });
});
