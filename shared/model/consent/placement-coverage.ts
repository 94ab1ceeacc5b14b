import { decide, unique } from './decide.ts';
import type { Grant, GrantRef } from './grant.ts';
import type { Reason, ReasonCode } from './reason-codes.ts';
import type { PublicationRecord } from '../records.ts';
import { useOfPublication } from './use.ts';

export type PlacementVerdict =
  | { covered: true; publication: PublicationRecord; covering: Grant[] }
  | { covered: false; reason: ReasonCode; grantIds: string[]; reasons: Reason[]; publication?: PublicationRecord };

/**
 * Is a live placement covered? (EVENTS.md "Placements".) It is when an approved
 * publication of the asset on that channel exists and the consent of every twin (the
 * publication's and any the placement names) still covers what was approved, now.
 * Otherwise the reason says what ended the consent, so that the takedown can say why.
 * Either way the verdict names the publication it rests on (the covering one, or the one
 * whose loss it reports), absent only when there is none.
 */
export function judgePlacement(
  placementTwinIds: readonly string[],
  publications: readonly PublicationRecord[],
  grantsByTwin: ReadonlyMap<string, Grant[]>,
  now: Date,
): PlacementVerdict {
  if (publications.length === 0) {
    return { covered: false, reason: 'UNAPPROVED_PUBLICATION', grantIds: [], reasons: [] };
  }
  // The newest approval first: it is the one the placement most likely follows.
  const ordered = [...publications].sort((a, b) => b.decidedAt.localeCompare(a.decidedAt));
  let firstFailure: PlacementVerdict | undefined;
  for (const publication of ordered) {
    const twinIds = unique([...publication.twinIds, ...placementTwinIds]);
    const decision = decide(twinIds, grantsByTwin, useOfPublication(publication), now);
    if (decision.approved) return { covered: true, publication, covering: decision.covering };
    firstFailure ??= lossOf(publication, decision.reasons, grantsByTwin, now);
  }
  return firstFailure!;
}

/**
 * Names what ended the consent a publication was approved under: its grant was revoked,
 * expired, or amended into a narrower scope. A twin the approval never covered makes the
 * placement unapproved.
 */
export function lossOf(
  publication: PublicationRecord,
  reasons: Reason[],
  grantsByTwin: ReadonlyMap<string, Grant[]>,
  now: Date,
): PlacementVerdict {
  const lostTwins = unique(reasons.map((r) => r.twinId));
  const lost: GrantRef[] = [];
  let reason: ReasonCode | undefined;
  for (const twinId of lostTwins) {
    const approved = publication.grants.find((g) => g.twinId === twinId);
    if (approved === undefined) {
      reason ??= 'UNAPPROVED_PUBLICATION';
      continue;
    }
    lost.push(approved);
    const current = grantsByTwin.get(twinId)?.find((g) => g.grantId === approved.grantId);
    reason ??= lossCode(approved, current, now);
  }
  return { covered: false, reason: reason ?? 'SCOPE_NARROWED', grantIds: unique(lost.map((g) => g.grantId)), reasons, publication };
}

/** Why a grant that once covered no longer does. */
export function lossCode(approved: GrantRef, current: Grant | undefined, now: Date): ReasonCode {
  if (current === undefined || current.revokedAt !== undefined) return 'CONSENT_REVOKED';
  if (current.validUntil !== undefined && now.getTime() >= Date.parse(current.validUntil)) return 'CONSENT_EXPIRED';
  if (current.version !== approved.version) return 'SCOPE_NARROWED';
  // Same version, not revoked, not expired: only the clock can have moved it out of its window.
  return now.getTime() < Date.parse(current.validFrom) ? 'CONSENT_NOT_YET_VALID' : 'SCOPE_NARROWED';
}
