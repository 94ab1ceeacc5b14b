import type { Deps } from '../ports/deps.ts';
import { once, type Outcome } from './once.ts';
import { placementByTakedown } from './takedown.ts';

/**
 * A takedown's deadline passed: if the channel has not confirmed it, mark it overdue and
 * emit `Takedown Overdue`, once. A confirmed takedown passes silently.
 */
export async function markOverdue(deps: Deps, takedownId: string): Promise<Outcome> {
  return once(deps, { kind: 'overdue', businessId: takedownId, eventId: `deadline#${takedownId}` }, async (receipt) => {
    const placement = await placementByTakedown(deps, takedownId);
    const takedown = placement?.takedown;
    if (!placement || takedown?.takedownId !== takedownId || placement.status === 'taken-down') return undefined;
    const r = receipt([
      {
        detailType: 'Takedown Overdue',
        detail: { takedownId, assetId: placement.assetId, channel: placement.channel, placementId: placement.placementId, deadline: takedown.deadline },
      },
    ]);
    await deps.store.commitPlacementUpdate({
      placement: { ...placement, takedown: { ...takedown, overdue: true } },
      receipt: r,
      audit: placement.twinIds.map((twinId) => ({
        twinId,
        at: deps.clock.now().toISOString(),
        recordId: `${takedownId}#overdue`,
        kind: 'takedown',
        outcome: 'overdue',
        request: { takedownId, deadline: takedown.deadline },
        eventId: `deadline#${takedownId}`,
      })),
    });
    return r.outbox;
  });
}
