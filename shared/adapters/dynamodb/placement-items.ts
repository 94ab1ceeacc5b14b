import { keys } from './keys.ts';
import type { PlacementRecord } from '../../model/records.ts';

/**
 * The items that record a placement: the placement itself, and an index item under each of
 * its twins and each grant it relies on (how a revocation finds it).
 */
export function placementItems(placement: PlacementRecord): Record<string, unknown>[] {
  const { channel, placementId, assetId } = placement;
  const sk = keys.placementSort(channel, placementId);
  const ref = { channel, placementId, assetId };
  return [
    { ...keys.placement(channel, placementId), ...placement },
    ...placement.twinIds.map((twinId) => ({ pk: keys.twin(twinId), sk, ...ref })),
    ...placement.reliesOn.map((g) => ({ pk: keys.grantPlacements(g.grantId), sk, ...ref })),
  ];
}

/** The takedown record: where a takedown id points (reports name only the id), and its deadline. */
export function takedownItem(placement: PlacementRecord): Record<string, unknown> {
  const { channel, placementId, assetId, takedown } = placement;
  return { ...keys.takedown(takedown!.takedownId), channel, placementId, assetId, deadline: takedown!.deadline };
}
