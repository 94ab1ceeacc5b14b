import type { GrantState } from '../../model/records.ts';
import { viewOf, type GrantView } from './grant-view.ts';
import { tallyPlacements, type PlacementTally } from './placement-tally.ts';
import type { QueryDeps } from './query-deps.ts';

export interface TwinStatus {
  twinId: string;
  at: string;
  grants: GrantView[];
  placements: PlacementTally;
}

export interface GrantStatus {
  grantId: string;
  at: string;
  /** What is known of the id even without its grant (a revocation may come first); absent when nothing is. */
  state?: GrantState;
  grant?: GrantView;
  /** The placements that rely on the grant now: one moved onto another grant counts under that one only. */
  placements: PlacementTally;
}

/** A twin now: its grants with scope, validity and standing, and every placement showing it. */
export async function twinStatus(deps: QueryDeps, twinId: string): Promise<TwinStatus> {
  const now = deps.clock.now();
  const grants = (await deps.queries.grantsOfTwin(twinId)).map((g) => viewOf(g, now)).sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
  const placements = await tallyPlacements(deps, { twinId }, () => true);
  return { twinId, at: now.toISOString(), grants, placements };
}

/**
 * A grant now. The grant's placement index keeps every placement that ever relied on it;
 * only those whose `reliesOn` still names it are counted, so the counts match what is live now.
 */
export async function grantStatus(deps: QueryDeps, grantId: string): Promise<GrantStatus> {
  const now = deps.clock.now();
  const state = await deps.queries.grantState(grantId);
  const grant =
    state?.twinId === undefined ? undefined : (await deps.queries.grantsOfTwin(state.twinId)).find((g) => g.grantId === grantId);
  const placements = await tallyPlacements(deps, { grantId }, (p) => p.reliesOn.some((r) => r.grantId === grantId));
  return {
    grantId,
    at: now.toISOString(),
    ...(state === undefined ? {} : { state }),
    ...(grant === undefined ? {} : { grant: viewOf(grant, now) }),
    placements,
  };
}
