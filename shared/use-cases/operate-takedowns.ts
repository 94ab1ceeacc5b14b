import type { DueItem } from '../model/due-item.ts';
import type { Deps } from '../ports/deps.ts';
import type { DeliveryStatus, DeliveryStore } from '../ports/delivery-store.ts';
import { takedownLines } from './audit-lines.ts';
import { commit, noChange, once } from './once.ts';
import { placementByTakedown } from './takedown.ts';
import { certificateChecksOf } from './removal-certificate.ts';

/** What an operator's commands need: the usual ports (nothing is published) and the deliveries. */
export type OperatorDeps = Deps & { deliveries: DeliveryStore };

export type RedriveResult =
  /** Its next delivery is due now: the sweeper fires it within a tick (a second locally, a minute deployed). */
  | { takedownId: string; kind: 'redriven'; attempt: number }
  /** Not a webhook delivery TwinGuard knows of (an event channel's takedown, or a wrong id). */
  | { takedownId: string; kind: 'unknown' }
  /** Not failed finally: delivered, still being retried, cancelled or closed. */
  | { takedownId: string; kind: 'not-failed'; status: DeliveryStatus };

/**
 * Re-drives a takedown whose webhook delivery failed finally: its next redelivery is made
 * due now instead of at the slow schedule's next turn. Primary course: 1. read its delivery;
 * 2. unless it is `failed`, nothing to do; 3. schedule redelivery attempt n + 1 now. The
 * scheduled slow redelivery of the same attempt stays, and finds the attempt made (its
 * receipt), so the partner gets one POST per attempt whatever fires first.
 */
export async function redriveTakedown(deps: OperatorDeps, takedownId: string): Promise<RedriveResult> {
  const delivery = await deps.deliveries.get(takedownId);
  if (delivery === undefined) return { takedownId, kind: 'unknown' };
  if (delivery.status !== 'failed') return { takedownId, kind: 'not-failed', status: delivery.status };
  const attempt = delivery.attempts + 1;
  const due: DueItem = {
    dueAt: deps.clock.now().toISOString(),
    kind: 'webhook-redelivery',
    id: `${takedownId}#${attempt}`,
    payload: { takedownId, attempt },
  };
  await deps.due.schedule(due);
  return { takedownId, kind: 'redriven', attempt };
}

/** Re-drives every takedown of a channel whose delivery failed finally (e.g. once the partner is back). */
export async function redriveChannel(deps: OperatorDeps, channel: string): Promise<RedriveResult[]> {
  const results: RedriveResult[] = [];
  for (const takedownId of await deps.deliveries.failedOfChannel(channel)) results.push(await redriveTakedown(deps, takedownId));
  return results;
}

/** An operator's reason is kept on the takedown and in the audit trail: a sentence, not a file. */
export const MAX_CLOSE_REASON = 500;

export type CloseResult =
  | { takedownId: string; kind: 'closed' }
  | { takedownId: string; kind: 'already-closed' }
  /** Nothing to close: unknown, replaced by a newer takedown, or already taken down. */
  | { takedownId: string; kind: 'not-open'; why: string };

/**
 * An operator closes a takedown that will not be confirmed (the partner took the content
 * down by other means, or the channel is gone): 1. the placement's takedown records who
 * closed it and why, with an audit line, once; 2. its webhook delivery, if any, is closed,
 * so no redelivery is sent again. A crash between the two is harmless: a redelivery finds
 * the takedown closed and cancels itself. The placement keeps its status (the channel never
 * confirmed): `npm run status` still counts it as failed, and the audit trail says why.
 */
export async function closeTakedown(deps: OperatorDeps, takedownId: string, reason: string): Promise<CloseResult> {
  if (reason.trim() === '' || reason.length > MAX_CLOSE_REASON) {
    throw new RangeError(`the reason for closing must be 1 to ${MAX_CLOSE_REASON} characters, got ${reason.length}`);
  }
  const at = deps.clock.now().toISOString();
  const eventId = `operator#close#${takedownId}`;
  const ran = await once(deps, { kind: 'takedown-close', businessId: takedownId, eventId }, async () => {
    const placement = await placementByTakedown(deps, takedownId);
    const takedown = placement?.takedown;
    if (placement === undefined || takedown?.takedownId !== takedownId)
      return noChange<CloseResult>({ takedownId, kind: 'not-open', why: 'no open takedown has this id' });
    if (placement.status === 'taken-down')
      return noChange<CloseResult>({ takedownId, kind: 'not-open', why: 'the placement is already taken down' });
    const audit = takedownLines(
      takedownId,
      placement.twinIds,
      { step: 'closed' },
      { at, eventId, request: { takedownId, closedReason: reason } },
    );
    return {
      ...commit([], (receipt) =>
        deps.store.commitPlacementUpdate({
          placement: { ...placement, takedown: { ...takedown, closedAt: at, closedReason: reason } },
          receipt,
          audit,
          due: certificateChecksOf(takedown.jobId, deps.clock.now()),
        }),
      ),
      result: { takedownId, kind: 'closed' } as CloseResult,
    };
  });
  if (ran.outcome !== 'duplicate' && ran.result.kind === 'not-open') return ran.result;
  // Also after a duplicate: the first close may have crashed before this step.
  await deps.deliveries.close(takedownId, reason, at);
  return ran.outcome === 'duplicate' ? { takedownId, kind: 'already-closed' } : ran.result;
}
