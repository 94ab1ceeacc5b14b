import type { Compensation, Grant, GrantScope } from '../../model/consent/grant.ts';

/** Where a grant stands now; the same instants as the decision rule (model/consent/coverage.ts). */
export type GrantStanding = 'active' | 'revoked' | 'expired' | 'not-yet-valid';

export interface GrantView {
  grantId: string;
  version: number;
  talentId: string;
  licensee: string;
  scope: GrantScope;
  validFrom: string;
  validUntil?: string;
  revokedAt?: string;
  aiDisclosureRequired: boolean;
  compensation?: Compensation;
  standing: GrantStanding;
}

export function standingOf(grant: Pick<Grant, 'revokedAt' | 'validFrom' | 'validUntil'>, now: Date): GrantStanding {
  if (grant.revokedAt !== undefined) return 'revoked';
  const at = now.getTime();
  if (at < Date.parse(grant.validFrom)) return 'not-yet-valid';
  if (grant.validUntil !== undefined && at >= Date.parse(grant.validUntil)) return 'expired';
  return 'active';
}

export function viewOf(grant: Grant, now: Date): GrantView {
  const { grantId, version, talentId, licensee, scope, validFrom, validUntil, revokedAt, aiDisclosureRequired, compensation } = grant;
  return {
    grantId,
    version,
    talentId,
    licensee,
    scope,
    validFrom,
    ...(validUntil === undefined ? {} : { validUntil }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    aiDisclosureRequired,
    ...(compensation === undefined ? {} : { compensation }),
    standing: standingOf(grant, now),
  };
}
