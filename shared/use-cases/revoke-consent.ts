import type { ConsentRevoked } from '../model/events/inbound-schemas.ts';
import type { Deps } from '../ports/deps.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { revocationLines } from './audit-lines.ts';
import { jobIds, reevaluationRequested } from './reevaluation-requested.ts';
import { watchdogOf } from './job-watchdog.ts';

/**
 * `Consent Revoked`: terminal. Primary course: 1. read the grant's state by id (the grant
 * may not have arrived yet); 2. mark the id revoked forever, and the grant too if stored;
 * 3. audit it; 4. re-evaluate the placements that relied on it. A later `Consent Granted` for the id, of any version, is then ignored.
 */
export async function revokeConsent(deps: Deps, detail: ConsentRevoked, eventId: string): Promise<Outcome> {
  const { outcome } = await once(deps, { kind: 'revocation', businessId: detail.grantId, eventId }, async () => {
    const previous = await deps.store.grantState(detail.grantId);
    if (previous?.revokedAt !== undefined) return noChange();
    // The stored grant knows its twin; the event's twinId serves when the grant is not here yet.
    const twinId = previous?.twinId ?? detail.twinId;
    // Every placement that relied on the grant is checked again against the twin's other grants.
    const request = { jobId: jobIds.revoked(detail.grantId), grantId: detail.grantId, twinId, cause: 'CONSENT_REVOKED' } as const;
    const outbox = [reevaluationRequested(request)];
    const audit = revocationLines(detail.grantId, twinId, { at: deps.clock.now().toISOString(), eventId, request: detail });
    return commit(outbox, (receipt) =>
      deps.store.commitRevocation({
        grantId: detail.grantId,
        twinId,
        revokedAt: detail.revokedAt,
        reason: detail.reason,
        previous,
        receipt,
        audit,
        // Resumes the fan-out whatever happens to its event.
        due: [watchdogOf(deps, request)],
      }),
    );
  });
  return outcome;
}
