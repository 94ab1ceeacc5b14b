import type { Deps } from '../ports/deps.ts';
import type { OutboundEvent } from '../model/events/envelope.ts';
import { takedownLines } from './audit-lines.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { placementByTakedown } from './takedown.ts';

/**
 * A takedown's deadline passed: if the channel has not confirmed it, mark it overdue and
 * emit `Takedown Overdue`, once. A confirmed takedown passes silently.
 */
export async function markOverdue(deps: Deps, takedownId: string): Promise<Outcome> {
  const eventId = `deadline#${takedownId}`;
  const { outcome } = await once(deps, { kind: 'overdue', businessId: takedownId, eventId }, async () => {
    const placement = await placementByTakedown(deps, takedownId);
    const takedown = placement?.takedown;
    if (!placement || takedown?.takedownId !== takedownId || placement.status === 'taken-down') return noChange();
    const overdue: OutboundEvent = {
      detailType: 'Takedown Overdue',
      detail: {
        takedownId,
        assetId: placement.assetId,
        channel: placement.channel,
        placementId: placement.placementId,
        deadline: takedown.deadline,
      },
    };
    const on = { at: deps.clock.now().toISOString(), eventId, request: { takedownId, deadline: takedown.deadline } };
    const audit = takedownLines(takedownId, placement.twinIds, { step: 'overdue' }, on);
    return commit([overdue], (receipt) =>
      deps.store.commitPlacementUpdate({
        placement: { ...placement, takedown: { ...takedown, overdue: true } },
        receipt,
        audit,
      }),
    );
  });
  return outcome;
}
