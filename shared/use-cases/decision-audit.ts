import type { Decision } from '../model/consent/decide.ts';
import type { AuditRecord } from '../model/records.ts';

/** One audit line per twin for a render or publication decision: what was asked, the outcome, and why. */
export function decisionAudit(
  kind: 'render-decision' | 'publication-decision',
  decision: Decision,
  twinIds: string[],
  at: string,
  decisionId: string,
  request: Record<string, unknown>,
  eventId: string,
): AuditRecord[] {
  return twinIds.map((twinId) => ({
    twinId,
    at,
    recordId: decisionId,
    kind,
    outcome: decision.approved ? 'approved' : 'denied',
    ...(decision.approved ? { grants: decision.grants } : { reasons: decision.reasons }),
    request,
    eventId,
  }));
}
