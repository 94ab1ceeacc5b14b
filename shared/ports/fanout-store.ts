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
   * Opens takedowns: each placement is written at `revision + 1` (with its takedown state) if
   * still at `revision`, together with the takedowns' audit lines, in one transaction (at most
   * 100 operations: 1 per placement, 1 per audit line, and 2 for the log's pending marker).
   * Nothing else goes with it: see `putTakedownRecords`.
   */
  commitTakedowns(placements: readonly PlacementRecord[], audit: readonly AuditRecord[]): Promise<void>;
  /**
   * Puts the takedown records of these placements' takedowns (where a takedown id points) and
   * their deadline items, unconditionally and not atomically (BatchWriteItem): every write of
   * them is the same, so it may be repeated. Written side by side with `commitTakedowns`, and
   * before the takedowns go on the bus, so a report or a deadline always finds its record; a
   * record may outlive a commit that failed (its takedown id then points at a placement whose
   * takedown is another, or none), which every reader checks already.
   */
  putTakedownRecords(placements: readonly PlacementRecord[], due: readonly DueItem[]): Promise<void>;
  /** Moves a placement onto other covering grants, if those are still at the versions read. */
  commitReliance(placement: PlacementRecord, reliesOn: GrantRef[]): Promise<void>;
  /**
   * Notes on the job that these takedowns of its current page are on the bus: one write per
   * batch of 10. Saving the job (the next page) clears the list.
   */
  markSent(jobId: string, takedownIds: readonly string[]): Promise<void>;
}
