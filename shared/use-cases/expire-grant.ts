import type { Deps } from '../ports/deps.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { watchdogOf } from './job-watchdog.ts';
import { jobIds, reevaluationRequested } from './reevaluation-requested.ts';

/**
 * A grant version reached its `validUntil`: re-evaluate its placements, unless the grant
 * was amended since (the new version has its own expiry) or revoked (already re-evaluated).
 */
export async function expireGrant(deps: Deps, due: { grantId: string; twinId: string; version: number }): Promise<Outcome> {
  const jobId = jobIds.expired(due.grantId, due.version);
  const { outcome } = await once(deps, { kind: 'expiry', businessId: jobId, eventId: jobId }, async () => {
    const state = await deps.store.grantState(due.grantId);
    if (state?.version !== due.version || state.revokedAt !== undefined) return noChange();
    const request = { jobId, grantId: due.grantId, twinId: due.twinId, cause: 'CONSENT_EXPIRED' } as const;
    const outbox = [reevaluationRequested(request)];
    return commit(outbox, (receipt) => deps.store.commitDecision({ receipt, audit: [], usage: [], due: [watchdogOf(deps, request)] }));
  });
  return outcome;
}
