import type { PlacementRef, PlacementStatus } from '../model/records.ts';

/** Whose placements: a twin's (every placement showing the twin) or a grant's (every placement that relied on it). */
export type PlacementOwner = { twinId: string } | { grantId: string };

/** What status needs of a placement. */
export interface PlacementState {
  status: PlacementStatus;
  /** Its takedown passed its deadline unconfirmed (`Takedown Overdue` was emitted). */
  overdue: boolean;
}

/** Read-only queries for placement status; pages are bounded, so memory stays flat. */
export interface StatusStore {
  /** One page (at most `limit`) of the owner's placement index; `cursor` is absent after the last page. */
  placementPage(owner: PlacementOwner, cursor: string | undefined, limit: number): Promise<{ refs: PlacementRef[]; cursor?: string }>;
  /** The state of each placement that exists (at most 100 refs per call), in no particular order. */
  placementStates(refs: readonly PlacementRef[]): Promise<PlacementState[]>;
}
