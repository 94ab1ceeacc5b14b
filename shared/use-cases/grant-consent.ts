import type { Grant } from '../model/consent/grant.ts';
import { narrows } from '../model/consent/narrowing.ts';
import type { OutboundEvent } from '../model/events/envelope.ts';
import type { ConsentGranted } from '../model/events/inbound-schemas.ts';
import type { Deps } from '../ports/deps.ts';
import type { DueItem } from '../model/due-item.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { grantLines } from './audit-lines.ts';
import { jobIds, reevaluationRequested } from './reevaluation-requested.ts';
import { watchdogOf } from './job-watchdog.ts';
import { RejectedEventError } from '../model/errors.ts';

/**
 * `Consent Granted`: create a grant, or amend it with a higher version.
 * Primary course: 1. read the grant's state by id; 2. if it was revoked, or this version
 * is not newer, change nothing (stale, duplicate or arriving after its revocation);
 * 3. store the whole new version (an amendment replaces, never patches), audit it, and
 * schedule its expiry; 4. if the amendment narrows the grant, re-evaluate its placements.
 */
export async function grantConsent(deps: Deps, detail: ConsentGranted, eventId: string): Promise<Outcome> {
  const key = { kind: 'grant', businessId: `${detail.grantId}#${detail.version}`, eventId };
  const { outcome } = await once(deps, key, async () => {
    const previous = await deps.store.grantState(detail.grantId);
    if (previous?.revokedAt !== undefined) return noChange();
    if (previous?.version !== undefined && previous.version >= detail.version) return noChange();
    if (previous?.twinId !== undefined && previous.twinId !== detail.twinId) {
      throw new RejectedEventError([
        {
          path: 'detail.twinId',
          message: `grant ${detail.grantId} belongs to twin ${previous.twinId}; an amendment cannot move it to another twin`,
        },
      ]);
    }
    const grant: Grant = { ...detail, scope: { ...detail.scope } };
    const outbox: OutboundEvent[] = [];
    const due = expiryOf(grant);
    if (previous?.version !== undefined) {
      const before = (await deps.store.grantsOfTwins([grant.twinId])).get(grant.twinId)?.find((g) => g.grantId === grant.grantId);
      if (before === undefined || narrows(before, grant)) {
        const request = {
          jobId: jobIds.narrowed(grant.grantId, grant.version),
          grantId: grant.grantId,
          twinId: grant.twinId,
          cause: 'SCOPE_NARROWED',
        } as const;
        outbox.push(reevaluationRequested(request));
        // Resumes the fan-out whatever happens to its event.
        due.push(watchdogOf(deps, request));
      }
    }
    const audit = grantLines(grant, previous !== undefined, { at: deps.clock.now().toISOString(), eventId, request: detail });
    return commit(outbox, (receipt) =>
      deps.store.commitGrant({
        grant,
        previous,
        receipt,
        audit,
        due,
      }),
    );
  });
  return outcome;
}

/** The expiry is checked against the version when it fires, so an amended or revoked grant's old expiry does nothing. */
function expiryOf(grant: Grant): DueItem[] {
  if (grant.validUntil === undefined) return [];
  return [
    {
      dueAt: new Date(grant.validUntil).toISOString(),
      kind: 'grant-expiry',
      id: `${grant.grantId}#${grant.version}`,
      payload: { grantId: grant.grantId, twinId: grant.twinId, version: grant.version },
    },
  ];
}
