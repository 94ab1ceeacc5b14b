import type { Deps } from '../ports/deps.ts';
import type { PlacementRecord } from '../model/records.ts';
import type { TakedownReport } from '../model/takedown-report.ts';

export type { TakedownReport };
import { takedownLines } from './audit-lines.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { RejectedEventError } from '../model/errors.ts';
import { placementByTakedown } from './takedown.ts';

/**
 * `Takedown Completed` / `Takedown Failed` from a channel connector (or TwinGuard's own
 * webhook connector): record the outcome on the placement. A completion is final; a
 * report for a takedown that is already completed changes nothing.
 */
export async function recordTakedownReport(deps: Deps, report: TakedownReport, eventId: string): Promise<Outcome> {
  // Every failed attempt is its own fact; a completion happens once.
  const businessId = report.kind === 'completed' ? `${report.takedownId}#completed` : `${report.takedownId}#failed#${eventId}`;
  const { outcome } = await once(deps, { kind: 'takedown-report', businessId, eventId }, async () => {
    const placement = await placementOf(deps, report);
    const takedown = placement.takedown!;
    if (placement.status === 'taken-down') return noChange();
    const at = deps.clock.now().toISOString();
    const next: PlacementRecord =
      report.kind === 'completed'
        ? { ...placement, status: 'taken-down', takedown: { ...takedown, completedAt: report.completedAt } }
        : {
            ...placement,
            status: report.final ? 'takedown-failed' : placement.status,
            takedown: { ...takedown, lastError: report.error, final: report.final, attempts: report.attempts ?? takedown.attempts + 1 },
          };
    return commit([], (receipt) =>
      deps.store.commitPlacementUpdate({
        placement: next,
        receipt,
        audit: takedownLines(report.takedownId, placement.twinIds, { step: 'reported', report }, { at, eventId, request: report }),
      }),
    );
  });
  return outcome;
}

async function placementOf(deps: Deps, report: TakedownReport): Promise<PlacementRecord> {
  const placement = await placementByTakedown(deps, report.takedownId);
  if (!placement || placement.takedown?.takedownId !== report.takedownId) {
    throw new RejectedEventError([{ path: 'detail.takedownId', message: `no open takedown ${report.takedownId} is known` }]);
  }
  if (placement.channel !== report.channel || placement.placementId !== report.placementId) {
    throw new RejectedEventError([
      {
        path: 'detail.placementId',
        message: `takedown ${report.takedownId} is for ${placement.channel} placement ${placement.placementId}`,
      },
    ]);
  }
  return placement;
}
