import { WILDCARD, type Grant } from './grant.ts';
import type { ReasonCode } from './reason-codes.ts';
import type { IntendedUse } from './use.ts';

/** One way in which a grant falls short of an intended use. */
export interface Gap {
  code: ReasonCode;
  message: string;
}

/**
 * Lists every way `grant` falls short of `use` at `now`; an empty list means it covers.
 *
 * The status checks (licensee, revocation, validity window) come first and stand alone:
 * a grant that belongs to another brand, or no longer holds, says nothing useful about
 * its scope. A grant of another licensee is described by nothing of its own (not its id,
 * not its licensee): `decide` does not even show it to the requester, and this stays safe
 * if another caller ever does. Scope checks are all reported together, so a studio can fix a request in one go.
 */
export function gapsOf(grant: Grant, use: IntendedUse, now: Date): Gap[] {
  if (grant.licensee !== use.licensee) {
    return [gap('LICENSEE_MISMATCH', `the grant is not licensed to ${use.licensee}`)];
  }
  if (grant.revokedAt !== undefined) {
    return [gap('CONSENT_REVOKED', `grant ${grant.grantId} was revoked at ${grant.revokedAt}`)];
  }
  const at = now.getTime();
  if (at < Date.parse(grant.validFrom)) {
    return [gap('CONSENT_NOT_YET_VALID', `grant ${grant.grantId} is valid from ${grant.validFrom}`)];
  }
  if (grant.validUntil !== undefined && at >= Date.parse(grant.validUntil)) {
    return [gap('CONSENT_EXPIRED', `grant ${grant.grantId} expired at ${grant.validUntil}`)];
  }
  return scopeGaps(grant, use);
}

function scopeGaps(grant: Grant, use: IntendedUse): Gap[] {
  const gaps: Gap[] = [];
  const { scope } = grant;
  if (!scope.media.includes(use.medium)) {
    gaps.push(gap('MEDIUM_NOT_ALLOWED', `grant ${grant.grantId} does not allow medium ${use.medium}`));
  }
  const forbidden = use.modifications.filter((m) => !scope.modifications.includes(m));
  if (forbidden.length > 0) {
    gaps.push(gap('MODIFICATION_NOT_ALLOWED', `grant ${grant.grantId} does not allow modifications ${forbidden.join(', ')}`));
  }
  const distribution = use.distribution;
  if (distribution === undefined) return gaps;
  if (!allows(scope.channels, distribution.channel)) {
    gaps.push(gap('CHANNEL_NOT_ALLOWED', `grant ${grant.grantId} does not allow channel ${distribution.channel}`));
  }
  const outside = distribution.territories.filter((t) => !allows(scope.territories, t));
  if (outside.length > 0) {
    gaps.push(gap('TERRITORY_NOT_ALLOWED', `grant ${grant.grantId} does not allow territories ${outside.join(', ')}`));
  }
  if (grant.aiDisclosureRequired && !distribution.aiLabelled) {
    gaps.push(gap('AI_DISCLOSURE_MISSING', `grant ${grant.grantId} requires the asset to be labelled as AI-generated`));
  }
  return gaps;
}

function allows(list: string[], value: string): boolean {
  return list.includes(WILDCARD) || list.includes(value);
}

function gap(code: ReasonCode, message: string): Gap {
  return { code, message };
}
