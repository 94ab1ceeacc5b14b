import { decide, unique } from './decide.ts';
import { WILDCARD, type Grant, type GrantRef } from './grant.ts';
import type { Reason, ReasonCode } from './reason-codes.ts';
import type { PublicationRecord } from '../records.ts';
import { useOfPublication } from './use.ts';

export type PlacementVerdict =
  | { covered: true; publication: PublicationRecord; covering: Grant[] }
  | { covered: false; reason: ReasonCode; grantIds: string[]; reasons: Reason[]; publication?: PublicationRecord };

/** What a placement is judged by: its twins and where it is live. */
export interface PlacementFacts {
  twinIds: readonly string[];
  territories: readonly string[];
}

/**
 * Is a live placement covered? (EVENTS.md "Placements".) It is when an approved
 * publication of the asset on that channel exists whose territories hold every territory
 * the placement is live in (a publication approved for `*` holds any), and the consent of
 * every twin (the publication's and any the placement names) still covers, now, that
 * publication's medium, modifications, channel and label and the placement's own
 * territories. Territories the publication was approved for but the placement does not
 * use no longer matter: consent narrowed away from them leaves the placement live.
 *
 * Otherwise the reason says why, so that the takedown can say it: no approved publication
 * at all, `UNAPPROVED_PUBLICATION`; approvals exist but none was for where the placement
 * is live, `TERRITORY_NOT_ALLOWED` (no grant was lost: `grantIds` is empty); an approval
 * held it but consent no longer covers it, what ended the consent (see `lossOf`).
 *
 * Either way the verdict names the publication it rests on (the covering one, or the one
 * whose loss it reports), absent only when there is none.
 */
export function judgePlacement(
  placement: PlacementFacts,
  publications: readonly PublicationRecord[],
  grantsByTwin: ReadonlyMap<string, Grant[]>,
  now: Date,
): PlacementVerdict {
  if (publications.length === 0) {
    return { covered: false, reason: 'UNAPPROVED_PUBLICATION', grantIds: [], reasons: [] };
  }
  const holding = publications.filter((p) => holdsTerritories(p.territories, placement.territories));
  if (holding.length === 0) {
    return { covered: false, reason: 'TERRITORY_NOT_ALLOWED', grantIds: [], reasons: [] };
  }
  // The newest approval first: it is the one the placement most likely follows.
  const ordered = holding.sort((a, b) => b.decidedAt.localeCompare(a.decidedAt));
  let firstFailure: PlacementVerdict | undefined;
  for (const publication of ordered) {
    const twinIds = unique([...publication.twinIds, ...placement.twinIds]);
    const use = useOfPublication({ ...publication, territories: [...placement.territories] });
    const decision = decide(twinIds, grantsByTwin, use, now);
    if (decision.approved) return { covered: true, publication, covering: decision.covering };
    firstFailure ??= lossOf(publication, decision.reasons, grantsByTwin, now);
  }
  return firstFailure!;
}

/** True when every territory of `live` is one the publication was approved for (`*`: any). */
export function holdsTerritories(approved: readonly string[], live: readonly string[]): boolean {
  return approved.includes(WILDCARD) || live.every((t) => approved.includes(t));
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
