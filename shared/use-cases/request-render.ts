import { decide, unique } from '../model/consent/decide.ts';
import type { RenderRequested } from '../model/events/inbound-schemas.ts';
import type { Deps } from '../ports/deps.ts';
import { decisionLines } from './audit-lines.ts';
import { commit, once, type Outcome } from './once.ts';
import { issueCredential } from './issue-credential.ts';
import { usageEvents, usageOf } from './usage.ts';

/**
 * `Render Requested`: may the studio make this image or video?
 * Primary course: 1. read every grant of every twin (one consistent query each);
 * 2. approve when each twin has a covering grant, else deny with every reason;
 * 3. store the decision in each twin's audit trail and meter one use per twin;
 * 4. emit `Render Approved` and `Usage Recorded`, or `Render Denied`.
 */
export async function requestRender(deps: Deps, detail: RenderRequested, eventId: string): Promise<Outcome> {
  const { outcome } = await once(deps, { kind: 'render', businessId: detail.requestId, eventId }, async () => {
    const grants = await deps.store.grantsOfTwins(detail.twinIds);
    const now = deps.clock.now();
    const at = now.toISOString();
    const use = { licensee: detail.licensee, medium: detail.medium, modifications: detail.modifications ?? [] };
    const decision = decide(detail.twinIds, grants, use, now);
    const decisionId = deps.ids.next('dec');
    const twinIds = unique(detail.twinIds);
    const common = { requestId: detail.requestId, twinIds, licensee: detail.licensee, campaignId: detail.campaignId, decisionId };
    const usage = decision.approved ? usageOf(decision.covering, 'render', detail.requestId, at) : [];
    const credential = decision.approved
      ? await issueCredential(deps, { kind: 'render', decisionId, requestId: detail.requestId, twinIds, ...use }, decision.covering, now)
      : undefined;
    const outbox = decision.approved
      ? [
          { detailType: 'Render Approved' as const, detail: { ...common, grants: decision.grants, ...(credential && { credential }) } },
          ...usageEvents(usage),
        ]
      : [{ detailType: 'Render Denied' as const, detail: { ...common, reasons: decision.reasons } }];
    const audit = decisionLines('render-decision', decisionId, twinIds, decision, { at, eventId, request: detail });
    return commit(outbox, (receipt) => deps.store.commitDecision({ receipt, audit, usage }));
  });
  return outcome;
}
