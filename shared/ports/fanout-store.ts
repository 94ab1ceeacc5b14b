import type { GrantRef } from '../model/consent/grant.ts';
import type { DueItem } from '../model/due-item.ts';
import type { AuditRecord, PlacementRecord, PlacementRef, ReevaluationJob } from '../model/records.ts';

/** Storage for re-evaluating the placements of a grant, page by page, resumable. */
export interface FanoutStore {
  getJob(jobId: string): Promise<ReevaluationJob | undefined>;
  /** Saves the job if its stored `seq` is still `job.seq` (or it is new); stores `seq + 1`. */
  saveJob(job: ReevaluationJob, isNew: boolean): Promise<void>;
  /** One page of the placements that rely on a grant. */
  placementsOfGrant(grantId: string, cursor: string | undefined, limit: number): Promise<{ refs: PlacementRef[]; cursor?: string }>;
  /** The placements, read strongly consistently, in no particular order. */
  getPlacements(refs: readonly PlacementRef[]): Promise<PlacementRecord[]>;
  /**
   * Opens takedowns: each placement is written at `revision + 1` if still at `revision`,
   * with its takedown record and deadline, and its audit lines, all in one transaction (at
   * most 100 operations: 1 per placement, one per audit line, one takedown record per batch
   * of ids `<batch id>_<index>` and one per other takedown, the due items, and 2 for the
   * log's pending marker). `getTakedownRef` finds a takedown's record either way.
   */
  commitTakedowns(placements: readonly PlacementRecord[], due: readonly DueItem[], audit: readonly AuditRecord[]): Promise<void>;
  /** Moves a placement onto other covering grants, if those are still at the versions read. */
  commitReliance(placement: PlacementRecord, reliesOn: GrantRef[]): Promise<void>;
  /**
   * Notes on the job that these takedowns of its current page are on the bus: one write per
   * batch of 10. Saving the job (the next page) clears the list.
   */
  markSent(jobId: string, takedownIds: readonly string[]): Promise<void>;
}
