import { WILDCARD, type Grant } from './grant.ts';

/**
 * Could an amendment from `before` to `after` stop covering something `before` covered?
 * True when anything shrinks: another licensee, a later start or earlier end, a new AI
 * label duty, or any scope list that no longer includes all it did. Only then must the
 * grant's placements be checked again.
 */
export function narrows(before: Grant, after: Grant): boolean {
  return (
    before.licensee !== after.licensee ||
    Date.parse(after.validFrom) > Date.parse(before.validFrom) ||
    endsEarlier(before.validUntil, after.validUntil) ||
    (!before.aiDisclosureRequired && after.aiDisclosureRequired) ||
    !includesAll(after.scope.media, before.scope.media) ||
    !includesAll(after.scope.modifications, before.scope.modifications) ||
    !includesAll(after.scope.channels, before.scope.channels) ||
    !includesAll(after.scope.territories, before.scope.territories)
  );
}

function endsEarlier(before: string | undefined, after: string | undefined): boolean {
  if (after === undefined) return false;
  return before === undefined || Date.parse(after) < Date.parse(before);
}

function includesAll(wider: string[], narrower: string[]): boolean {
  if (wider.includes(WILDCARD)) return true;
  return narrower.every((v) => v !== WILDCARD && wider.includes(v));
}
