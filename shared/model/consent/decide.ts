import { gapsOf } from './coverage.ts';
import { refOf, type Grant, type GrantRef } from './grant.ts';
import type { Reason } from './reason-codes.ts';
import type { IntendedUse } from './use.ts';

export type Decision =
  | { approved: true; grants: GrantRef[]; covering: Grant[] }
  | { approved: false; reasons: Reason[]; covering: Grant[] };

/**
 * The decision rule of the contract: a use is approved when every twin has at least one
 * grant that covers it. Denials list every reason for every uncovered twin.
 *
 * `grantsByTwin` must hold every grant of each twin (revoked ones included, so that the
 * reason can say so); `covering` holds the grant chosen for each covered twin.
 */
export function decide(twinIds: string[], grantsByTwin: ReadonlyMap<string, Grant[]>, use: IntendedUse, now: Date): Decision {
  const covering: Grant[] = [];
  const reasons: Reason[] = [];
  for (const twinId of unique(twinIds)) {
    const result = coverTwin(twinId, grantsByTwin.get(twinId) ?? [], use, now);
    if ('grant' in result) covering.push(result.grant);
    else reasons.push(...result.reasons);
  }
  if (reasons.length > 0) return { approved: false, reasons, covering };
  return { approved: true, grants: covering.map(refOf), covering };
}

/**
 * Reasons given per uncovered twin, at most: a twin may hold any number of grants, and a
 * denial, its audit lines and its event must stay bounded. The first ones, by grant id.
 */
export const MAX_REASONS_PER_TWIN = 10;

/**
 * Finds a covering grant for one twin, or the reasons none covers (at most MAX_REASONS_PER_TWIN).
 *
 * Confidentiality: only the grants licensed to the requester (`use.licensee`) are
 * considered, so a denial never names, counts or describes another licensee's grants.
 * A twin whose grants all belong to others is denied exactly as a twin without any grant
 * (`NO_CONSENT`, same message): the requester cannot even learn that another brand works
 * with the talent. `LICENSEE_MISMATCH` is therefore never given as a denial reason.
 */
export function coverTwin(twinId: string, grants: Grant[], use: IntendedUse, now: Date): { grant: Grant } | { reasons: Reason[] } {
  const own = grants.filter((g) => g.licensee === use.licensee);
  if (own.length === 0) {
    return { reasons: [{ twinId, code: 'NO_CONSENT', message: `no consent grant of twin ${twinId} is licensed to ${use.licensee}` }] };
  }
  const reasons: Reason[] = [];
  // Sorted so that the same state always picks the same grant (stable metering).
  for (const grant of own.sort(byGrantId)) {
    const gaps = gapsOf(grant, use, now);
    if (gaps.length === 0) return { grant };
    for (const g of gaps) reasons.push({ twinId, grantId: grant.grantId, ...g });
  }
  return { reasons: reasons.slice(0, MAX_REASONS_PER_TWIN) };
}

export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

function byGrantId(a: Grant, b: Grant): number {
  return a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0;
}
