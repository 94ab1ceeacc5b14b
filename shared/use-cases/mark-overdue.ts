import type { Deps } from '../ports/deps.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { placementByTakedown } from './takedown.ts';

/**
 * A takedown's deadline passed: if the channel has not confirmed it, mark it overdue and
 * emit `Takedown Overdue`, once. A confirmed takedown passes silently.
 */
export async function markOverdue(deps: Deps, takedownId: string): Promise<Outcome> {
  const { outcome } = await once(deps, { kind: 'overdue', businessId: takedownId, eventId: `deadline#${takedownId}` }, async () => {
    const placement = await placementByTakedown(deps, takedownId);
    const takedown = placement?.takedown;
    if (!placement || takedown?.takedownId !== takedownId || placement.status === 'taken-down') return noChange();
    const outbox = [
      {
        detailType: 'Takedown Overdue' as const,
        detail: { takedownId, assetId: placement.assetId, channel: placement.channel, placementId: placement.placementId, deadline: takedown.deadline },
      },
    ];
    return commit(outbox, (receipt) =>
      deps.store.commitPlacementUpdate({
        placement: { ...placement, takedown: { ...takedown, overdue: true } },
        receipt,
        audit: placement.twinIds.map((twinId) => ({
          twinId,
          at: deps.clock.now().toISOString(),
          recordId: `${takedownId}#overdue`,
          kind: 'takedown',
          outcome: 'overdue',
          request: { takedownId, deadline: takedown.deadline },
          eventId: `deadline#${takedownId}`,
        })),
      }),
    );
  });
  return outcome;
}
