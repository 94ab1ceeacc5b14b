import type { Grant } from '../model/consent/grant.ts';
import type { AuditRecord, GrantState, PlacementRecord, PlacementRef, ReevaluationJob, UsageRecord } from '../model/records.ts';

/** Whose placements: a twin's (every placement showing the twin) or a grant's (every placement that relied on it). */
export type PlacementOwner = { twinId: string } | { grantId: string };

/** One page of a bounded read; `cursor` is absent after the last page (opaque, pass it back as is). */
export interface Page<T> {
  items: T[];
  cursor?: string;
}

/** A twin's entry in the directory: one per grant ever given for it. */
export interface TwinDirectoryEntry {
  twinId: string;
  grantId: string;
  talentId: string;
  licensee: string;
}

/** An inclusive time window on ISO instants; either end may be open. */
export interface TimeWindow {
  from?: string;
  to?: string;
}

/**
 * The reads of the query layer (the `twinguard` command and the console): every one is a
 * page of at most `limit` items, or a single item, so no answer grows with the data.
 * It never writes.
 */
export interface QueryStore {
  /** Every grant of a twin at its current version, revoked ones included (a twin holds a few). */
  grantsOfTwin(twinId: string): Promise<Grant[]>;
  grantState(grantId: string): Promise<GrantState | undefined>;
  /** One page of the owner's placement index. */
  placementPage(owner: PlacementOwner, cursor: string | undefined, limit: number): Promise<Page<PlacementRef>>;
  /** The placements that exist (at most 100 refs per call), in no particular order. */
  placements(refs: readonly PlacementRef[]): Promise<PlacementRecord[]>;
  /** One page of a twin's audit trail in time order, within `window`. */
  auditPage(twinId: string, window: TimeWindow, cursor: string | undefined, limit: number): Promise<Page<AuditRecord>>;
  /** One page of a talent's usage ledger for a month (`YYYY-MM`), in time order. */
  usagePage(talentId: string, month: string, cursor: string | undefined, limit: number): Promise<Page<UsageRecord>>;
  /** One page of the twin directory, in id order, of the twins whose id starts with `prefix` ('' for all). */
  twinDirectoryPage(prefix: string, cursor: string | undefined, limit: number): Promise<Page<TwinDirectoryEntry>>;
  /** A re-evaluation job (a revocation's, an expiry's or a narrowing's fan-out). */
  job(jobId: string): Promise<ReevaluationJob | undefined>;
}
