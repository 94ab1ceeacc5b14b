import type { DueItem } from '../model/due-item.ts';
import type { OutboundEvent } from '../model/events/envelope.ts';
import type { PlacementRecord } from '../model/records.ts';
import { DEFAULT_REMOVAL_SCHEDULE, describeProbe, goneStatusesOf, isGone, type RemovalProbe } from '../model/removal.ts';
import { InvalidInternalEventError } from '../model/errors.ts';
import type { Deps } from '../ports/deps.ts';
import { takedownLines } from './audit-lines.ts';
import { commit, noChange, once } from './once.ts';
import { placementByTakedown } from './takedown.ts';
import { certificateChecksOf } from './removal-certificate.ts';

/** The first look's due item, scheduled with the completion that calls for it. */
export function firstRemovalCheck(takedownId: string, now: Date): DueItem {
  return { dueAt: now.toISOString(), kind: 'removal-check', id: takedownId, payload: { takedownId, check: 1 } };
}

/** What one look decided: look again at `again` (with `payload`), or it is over. */
export interface RemovalLook {
  again?: string;
  payload?: Record<string, unknown>;
  outcome?: 'verified' | 'unverified';
}

/**
 * One look at a completed takedown's URL (a `removal-check` due item). Gone (404 or 410, or the channel's rule)
 * ends it at once with `Removal Verified`; anything else is looked at again after the
 * interval, and after the last look it is `Removal Unverified`. The outcome is recorded on
 * the takedown with an audit line, and emitted once (a receipt per takedown).
 */
export async function verifyRemoval(deps: Deps, item: DueItem): Promise<RemovalLook> {
  const takedownId = item.payload.takedownId;
  const check = item.payload.check;
  if (typeof takedownId !== 'string' || takedownId === '' || typeof check !== 'number' || !Number.isInteger(check) || check < 1)
    throw new InvalidInternalEventError(`removal-check ${item.id}: payload needs a takedownId and a whole check number >= 1`);
  const placement = await placementByTakedown(deps, takedownId);
  // Nothing to verify: unknown, reopened, or no URL to look at.
  if (!placement || placement.takedown?.takedownId !== takedownId || placement.status !== 'taken-down' || !placement.url) return {};
  if (placement.takedown.removal !== undefined) return {};
  if (deps.removal === undefined) throw new InvalidInternalEventError('this function has no removal checker wired');
  const schedule = deps.settings.removalSchedule ?? DEFAULT_REMOVAL_SCHEDULE;
  const probe = await deps.removal.check(placement.url);
  const gone = isGone(probe, goneStatusesOf(deps.settings.goneStatuses, placement.channel));
  if (!gone && check < schedule.checks) {
    const again = new Date(deps.clock.now().getTime() + schedule.intervalSeconds * 1000).toISOString();
    return { again, payload: { takedownId, check: check + 1 } };
  }
  await settle(deps, placement, probe, gone, check);
  return { outcome: gone ? 'verified' : 'unverified' };
}

async function settle(deps: Deps, looked: PlacementRecord, probe: RemovalProbe, verified: boolean, checks: number): Promise<void> {
  const { takedownId } = looked.takedown!;
  const eventId = `removal#${takedownId}`;
  await once(deps, { kind: 'removal', businessId: takedownId, eventId }, async () => {
    // Read afresh inside the decision, so that a placement changed since the look is decided again on what it is now.
    const placement = await placementByTakedown(deps, takedownId);
    const takedown = placement?.takedown;
    if (!placement || takedown?.takedownId !== takedownId || placement.status !== 'taken-down' || takedown.removal !== undefined)
      return noChange();
    const checkedAt = deps.clock.now().toISOString();
    const finding = describeProbe(probe);
    const detail = {
      takedownId,
      assetId: placement.assetId,
      channel: placement.channel,
      placementId: placement.placementId,
      url: looked.url!,
      completedAt: takedown.completedAt!,
      checkedAt,
      checks,
      finding,
    };
    const event: OutboundEvent = verified ? { detailType: 'Removal Verified', detail } : { detailType: 'Removal Unverified', detail };
    const on = { at: checkedAt, eventId, request: detail };
    const removal = { outcome: verified ? ('verified' as const) : ('unverified' as const), checkedAt, checks, finding };
    return commit([event], (receipt) =>
      deps.store.commitPlacementUpdate({
        placement: { ...placement, takedown: { ...takedown, removal } },
        receipt,
        // The takedown is closed: its job's certificate of removal may be due.
        due: certificateChecksOf(takedown.jobId, deps.clock.now()),
        audit: takedownLines(takedownId, placement.twinIds, { step: 'removal', verified }, on),
      }),
    );
  });
}
