import type { PlacementOwner, StatusStore } from '../ports/status-store.ts';

/**
 * How a twin's or a grant's placements stand. Each placement counts once under its status;
 * `overdue` counts the takedowns past their deadline and still unconfirmed (requested or
 * failed), so it is part of those, not added to `total`.
 */
export interface PlacementCounts {
  live: number;
  takedownRequested: number;
  takenDown: number;
  failed: number;
  overdue: number;
  total: number;
}

export interface StatusDeps {
  status: StatusStore;
}

/** Placements read per page: one Query and one BatchGetItem. */
export const STATUS_PAGE_SIZE = 100;

/** Every placement that shows the twin. */
export function statusOfTwin(deps: StatusDeps, twinId: string): Promise<PlacementCounts> {
  return countPlacements(deps, { twinId });
}

/**
 * Every placement that relies, or relied, on the grant: a placement moved onto another
 * grant by a re-evaluation stays in the grant's index, so it is counted here too.
 */
export function statusOfGrant(deps: StatusDeps, grantId: string): Promise<PlacementCounts> {
  return countPlacements(deps, { grantId });
}

/** Pages through the owner's placement index 100 at a time: memory stays flat however many there are. */
async function countPlacements(deps: StatusDeps, owner: PlacementOwner): Promise<PlacementCounts> {
  const counts: PlacementCounts = { live: 0, takedownRequested: 0, takenDown: 0, failed: 0, overdue: 0, total: 0 };
  let cursor: string | undefined;
  do {
    const page = await deps.status.placementPage(owner, cursor, STATUS_PAGE_SIZE);
    cursor = page.cursor;
    if (page.refs.length === 0) continue;
    for (const { status, overdue } of await deps.status.placementStates(page.refs)) {
      counts.total++;
      if (status === 'live') counts.live++;
      else if (status === 'takedown-requested') counts.takedownRequested++;
      else if (status === 'taken-down') counts.takenDown++;
      else if (status === 'takedown-failed') counts.failed++;
      if (overdue && status !== 'taken-down') counts.overdue++;
    }
  } while (cursor !== undefined);
  return counts;
}
