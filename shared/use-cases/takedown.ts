import type { ReasonCode } from '../model/consent/reason-codes.ts';
import type { OutboundEvent } from '../model/events/envelope.ts';
import type { Deps } from '../ports/deps.ts';
import type { DueItem } from '../model/due-item.ts';
import type { PlacementRecord, TakedownState } from '../model/records.ts';

/** Opens a takedown for a placement: its state, and the `Takedown Requested` event. */
export function openTakedown(
  deps: Deps,
  placement: Pick<PlacementRecord, 'assetId' | 'channel' | 'placementId' | 'url' | 'twinIds' | 'publicationId'>,
  reason: ReasonCode,
  grantIds: string[],
  jobId?: string,
): { takedown: TakedownState; event: OutboundEvent; due: DueItem } {
  const now = deps.clock.now();
  const takedown: TakedownState = {
    takedownId: deps.ids.next('td'),
    reason,
    grantIds,
    requestedAt: now.toISOString(),
    deadline: new Date(now.getTime() + deps.settings.takedownSlaSeconds * 1000).toISOString(),
    attempts: 0,
    ...(jobId === undefined ? {} : { jobId }),
  };
  return { takedown, event: takedownRequested(placement, takedown), due: deadlineOf(takedown) };
}

export function takedownRequested(
  placement: Pick<PlacementRecord, 'assetId' | 'channel' | 'placementId' | 'url' | 'twinIds' | 'publicationId'>,
  t: TakedownState,
): OutboundEvent {
  return {
    detailType: 'Takedown Requested',
    detail: {
      takedownId: t.takedownId,
      assetId: placement.assetId,
      channel: placement.channel,
      placementId: placement.placementId,
      url: placement.url,
      publicationId: placement.publicationId,
      twinIds: placement.twinIds,
      grantIds: t.grantIds,
      reason: t.reason,
      requestedAt: t.requestedAt,
      deadline: t.deadline,
    },
  };
}

/** At the deadline the takedown is checked; if not confirmed by then, it is overdue. */
export function deadlineOf(t: TakedownState): DueItem {
  return { dueAt: t.deadline, kind: 'takedown-deadline', id: t.takedownId, payload: { takedownId: t.takedownId } };
}

/** At most this many takedowns share one deadline item (a fan-out's batch is 10). */
export const MAX_TAKEDOWNS_PER_DEADLINE = 10;

/**
 * One deadline item for takedowns opened together (a fan-out's batch): one write instead of
 * one per takedown. Due at the latest of their deadlines, which are milliseconds apart, so
 * none is checked before its own deadline; checking is once per takedown (`markOverdue`),
 * so a batch fired again after a failure marks nothing twice.
 */
export function deadlinesOf(takedowns: readonly TakedownState[]): DueItem {
  if (takedowns.length === 0 || takedowns.length > MAX_TAKEDOWNS_PER_DEADLINE)
    throw new RangeError(`a deadline item covers 1 to ${MAX_TAKEDOWNS_PER_DEADLINE} takedowns, got ${takedowns.length}`);
  if (takedowns.length === 1) return deadlineOf(takedowns[0]!);
  const dueAt = takedowns
    .map((t) => t.deadline)
    .sort()
    .at(-1)!;
  return { dueAt, kind: 'takedown-deadline', id: takedowns[0]!.takedownId, payload: { takedownIds: takedowns.map((t) => t.takedownId) } };
}

/** The placement a takedown id points at, if any; callers check that the takedown is still its current one. */
export async function placementByTakedown(deps: Deps, takedownId: string): Promise<PlacementRecord | undefined> {
  const ref = await deps.store.getTakedownRef(takedownId);
  return ref && deps.store.getPlacement(ref.channel, ref.placementId);
}
