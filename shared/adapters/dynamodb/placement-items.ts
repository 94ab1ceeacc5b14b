import { keys } from './keys.ts';
import { parseBatchTakedownId } from '../../model/takedown-batch.ts';
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

/**
 * The takedown records of takedowns opened together: one item per batch for those named
 * `<batch id>_<index>` (its `takedowns` list, by index, says where each points), one item
 * each for the others. A batch of 10 is one write instead of 10.
 */
export function takedownItems(placements: readonly PlacementRecord[]): Record<string, unknown>[] {
  const batches = new Map<string, PlacementRecord[]>();
  const single: Record<string, unknown>[] = [];
  for (const p of placements) {
    const batch = parseBatchTakedownId(p.takedown!.takedownId);
    if (batch === undefined) single.push(takedownItem(p));
    else batches.set(batch.batchId, [...(batches.get(batch.batchId) ?? []), p]);
  }
  const batched = [...batches].map(([batchId, members]) => {
    const takedowns: (Record<string, unknown> | null)[] = [];
    for (const p of members) {
      const { channel, placementId, assetId, takedown } = p;
      takedowns[parseBatchTakedownId(takedown!.takedownId)!.index] = { channel, placementId, assetId, deadline: takedown!.deadline };
    }
    return { ...keys.takedown(batchId), takedowns: Array.from(takedowns, (t) => t ?? null) };
  });
  return [...single, ...batched];
}

/** Where a takedown id points, from its own record or its batch's (`takedownItems`). */
export function takedownRefOf(
  takedownId: string,
  record: Record<string, unknown> | undefined,
): { channel: string; placementId: string } | undefined {
  if (record === undefined) return undefined;
  const batch = parseBatchTakedownId(takedownId);
  const entry = (batch === undefined ? record : (record['takedowns'] as Record<string, unknown>[] | undefined)?.[batch.index]) ?? undefined;
  if (entry === undefined || entry === null || typeof entry['channel'] !== 'string') return undefined;
  return { channel: entry['channel'] as string, placementId: entry['placementId'] as string };
}
