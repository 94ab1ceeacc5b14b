import type { Grant, GrantRef } from './consent/grant.ts';
import type { Reason, ReasonCode } from './consent/reason-codes.ts';
import type { OutboundEvent } from './events/envelope.ts';

/**
 * Proof that an inbound event was processed, written in the same transaction as its
 * effects, holding the events it must emit (a transactional outbox). A redelivery finds
 * it and emits nothing new; a crash between commit and emit is healed by a redelivery that
 * comes after the publishing lease expired.
 */
export interface Receipt {
  kind: string;
  businessId: string;
  eventId: string;
  outbox: OutboundEvent[];
  /** The outbox is known to be on the bus (always true for an empty outbox). */
  published: boolean;
  /**
   * The publishing lease: until this time (ISO) only the run that holds it may emit the
   * outbox. Absent once given back, and on receipts written before leases existed.
   */
  leaseUntil?: string;
  createdAt: string;
}

/** What TwinGuard knows of a grant id even without the grant: its twin, version, revocation. */
export interface GrantState {
  grantId: string;
  twinId?: string;
  version?: number;
  revokedAt?: string;
}

export type AuditKind =
  | 'grant'
  | 'revocation'
  | 'render-decision'
  | 'publication-decision'
  | 'placement'
  | 'takedown'
  | 'removal-certificate';

/** One line of the append-only audit trail of a twin. */
export interface AuditRecord {
  twinId: string;
  at: string;
  /** `<kind>:<business id>`: the fact the line records, unique per twin and time (scheme in use-cases/audit-lines.ts). */
  recordId: string;
  kind: AuditKind;
  outcome: string;
  /** Why, for this line's twin. */
  reasons?: Reason[];
  /** The grants of this line's twin the fact rests on. */
  grants?: GrantRef[];
  /** What was asked, as a reviewer needs it: ids, terms, channel, territories (use-cases/audit-lines.ts); never the raw detail. */
  request: Record<string, unknown>;
  eventId: string;
}

/** One paid use of a twin: the basis of the monthly statement of its talent. */
export interface UsageRecord {
  talentId: string;
  twinId: string;
  grantId: string;
  kind: 'render' | 'placement';
  amount: number;
  currency: string;
  refId: string;
  at: string;
}

export interface PublicationRecord {
  publicationId: string;
  assetId: string;
  channel: string;
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: string[];
  territories: string[];
  aiLabelled: boolean;
  approved: boolean;
  grants: GrantRef[];
  decisionId: string;
  decidedAt: string;
}

export type PlacementStatus = 'live' | 'takedown-requested' | 'taken-down' | 'takedown-failed';

export interface TakedownState {
  takedownId: string;
  reason: ReasonCode;
  grantIds: string[];
  requestedAt: string;
  deadline: string;
  attempts: number;
  completedAt?: string;
  lastError?: string;
  final?: boolean;
  overdue?: boolean;
  /** The re-evaluation job that opened it, when one did (resume after a crash needs it). */
  jobId?: string;
  /** An operator closed it (`npm run takedowns -- close`): no more redeliveries. */
  closedAt?: string;
  closedReason?: string;
  /** What TwinGuard's own looks at the placement's URL found after the completion (docs/proofs.md, Verified removal). */
  removal?: RemovalState;
}

/** The end of a removal verification: `verified` = the URL answered 404 or 410; `unverified` = it never did. */
export interface RemovalState {
  outcome: 'verified' | 'unverified';
  checkedAt: string;
  /** Looks taken, the last included. */
  checks: number;
  /** What the last look found, e.g. `HTTP 410` or `error: no answer in time`. */
  finding: string;
}

/** Progress of one re-evaluation of a grant's placements, saved after every page. */
export interface ReevaluationJob {
  jobId: string;
  grantId: string;
  twinId: string;
  cause: 'CONSENT_REVOKED' | 'SCOPE_NARROWED' | 'CONSENT_EXPIRED';
  /** Where the next page starts; absent before the first page. */
  cursor?: string;
  status: 'running' | 'done';
  scanned: number;
  takedowns: number;
  /** Bumped on every save; a save expects the value it read (optimistic locking). */
  seq: number;
  /** Takedowns of the page under way already on the bus (see `FanoutStore.markSent`). */
  sentInPage?: string[];
  startedAt: string;
  updatedAt: string;
}

export interface PlacementRef {
  channel: string;
  placementId: string;
}

export interface PlacementRecord {
  channel: string;
  placementId: string;
  assetId: string;
  url?: string;
  publicationId?: string;
  twinIds: string[];
  licensee: string;
  territories: string[];
  publishedAt: string;
  recordedAt: string;
  status: PlacementStatus;
  /** The grant each twin's consent rests on; empty when the placement was never covered. */
  reliesOn: GrantRef[];
  takedown?: TakedownState;
  /** Bumped on every change; writers check it (optimistic locking). */
  revision: number;
}

export type { Grant };
