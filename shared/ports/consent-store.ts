import type { Grant } from '../model/consent/grant.ts';
import type { DueItem } from '../model/due-item.ts';
import type { AuditRecord, GrantState, PlacementRecord, PublicationRecord, Receipt, UsageRecord } from '../model/records.ts';

/**
 * The storage port of the domain. Every `commit…` writes its effects, audit lines, usage
 * and the receipt in one transaction: all or nothing. It throws `DuplicateReceiptError`
 * when the receipt exists and `StaleReadError` when something it relied on changed.
 */
export interface ConsentStore {
  /** The receipt of a processed event, with whether its outbox was published; read strongly consistently. */
  getReceipt(kind: string, businessId: string): Promise<Receipt | undefined>;
  /**
   * Takes over the publishing lease of a receipt whose lease expired (its run died before
   * publishing): sets it to `until` only if it is still `receipt.leaseUntil` and the outbox
   * is not published. Throws `ReceiptLeasedError` when another run took it or published first.
   */
  takeLease(receipt: Receipt, until: string): Promise<void>;
  /** Gives back a lease held as `receipt.leaseUntil` (its run failed to publish); nothing if it is no longer so. */
  releaseLease(receipt: Receipt): Promise<void>;
  /** Notes that the outbox is on the bus: a later duplicate emits nothing. */
  markPublished(kind: string, businessId: string): Promise<void>;

  /** Every grant of each twin, revoked ones included, read strongly consistently. */
  grantsOfTwins(twinIds: readonly string[]): Promise<Map<string, Grant[]>>;
  grantState(grantId: string): Promise<GrantState | undefined>;

  /** Stores a new grant version; `previous` is the state it was decided on. */
  commitGrant(change: {
    grant: Grant;
    previous: GrantState | undefined;
    receipt: Receipt;
    audit: AuditRecord[];
    due: DueItem[];
  }): Promise<void>;
  /** Marks a grant id revoked forever (also before its grant arrived); `due` holds the fan-out's watchdog. */
  commitRevocation(change: {
    grantId: string;
    twinId: string;
    revokedAt: string;
    reason?: string;
    previous: GrantState | undefined;
    receipt: Receipt;
    audit: AuditRecord[];
    due?: DueItem[];
  }): Promise<void>;

  /** A render or publication decision, or a rejection (no audit or usage then); `due`, e.g. an expiry's fan-out watchdog. */
  commitDecision(change: {
    receipt: Receipt;
    audit: AuditRecord[];
    usage: UsageRecord[];
    publication?: PublicationRecord;
    due?: DueItem[];
  }): Promise<void>;

  getPublication(publicationId: string): Promise<PublicationRecord | undefined>;
  approvedPublications(assetId: string, channel: string): Promise<PublicationRecord[]>;

  getPlacement(channel: string, placementId: string): Promise<PlacementRecord | undefined>;
  /** Replaces a placement's state if it is still at `placement.revision`; stores it with the next revision. */
  /** Updates a placement with its receipt and audit lines, and schedules `due` work (a removal check) in the same transaction. */
  commitPlacementUpdate(change: { placement: PlacementRecord; receipt: Receipt; audit: AuditRecord[]; due?: DueItem[] }): Promise<void>;
  /** Where a takedown id points. */
  getTakedownRef(takedownId: string): Promise<{ channel: string; placementId: string } | undefined>;
  /**
   * Records a new placement; when it relies on grants, they must still be at the versions
   * read. A placement with many twins can need more than one transaction holds; it is then
   * written in steps that stay correct: the placement, its receipt, conditions and takedown
   * are still one transaction, and what follows (audit lines, usage) is noted in it and
   * written after, at most once; an interrupted run is finished by `completeCommit`.
   */
  commitPlacement(change: {
    placement: PlacementRecord;
    receipt: Receipt;
    audit: AuditRecord[];
    usage: UsageRecord[];
    due: DueItem[];
  }): Promise<void>;
  /**
   * Finishes a commit that was written in steps and interrupted after its transaction (see
   * `commitPlacement`); does nothing when none is left. Idempotent: a duplicate calls it.
   */
  completeCommit(kind: string, businessId: string): Promise<void>;
}
