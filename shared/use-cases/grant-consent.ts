import type { Grant } from '../consent/grant.ts';
import type { ConsentGranted } from '../events/inbound-schemas.ts';
import type { Deps } from '../ports/deps.ts';
import { once, type Outcome } from './once.ts';
import { RejectedEventError } from './rejected-event-error.ts';

/**
 * `Consent Granted`: create a grant, or amend it with a higher version.
 * Primary course: 1. read the grant's state by id; 2. if it was revoked, or this version
 * is not newer, change nothing (stale, duplicate or arriving after its revocation);
 * 3. store the whole new version (an amendment replaces, never patches) and audit it.
 */
export async function grantConsent(deps: Deps, detail: ConsentGranted, eventId: string): Promise<Outcome> {
  const key = { kind: 'grant', businessId: `${detail.grantId}#${detail.version}`, eventId };
  return once(deps, key, async (receipt) => {
    const previous = await deps.store.grantState(detail.grantId);
    if (previous?.revokedAt !== undefined) return undefined;
    if (previous?.version !== undefined && previous.version >= detail.version) return undefined;
    if (previous?.twinId !== undefined && previous.twinId !== detail.twinId) {
      throw new RejectedEventError([
        { path: 'detail.twinId', message: `grant ${detail.grantId} belongs to twin ${previous.twinId}; an amendment cannot move it to another twin` },
      ]);
    }
    const grant: Grant = { ...detail, scope: { ...detail.scope } };
    const at = deps.clock.now().toISOString();
    const r = receipt([]);
    await deps.store.commitGrant({
      grant,
      previous,
      receipt: r,
      audit: [{ twinId: grant.twinId, at, recordId: key.businessId, kind: 'grant', outcome: previous ? 'amended' : 'granted', request: detail, eventId }],
    });
    return r.outbox;
  });
}
