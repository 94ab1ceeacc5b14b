import { AUDIT_PK_PREFIXES as AUDIT, PK_PREFIXES as PK, type AuditPkPrefix, type PkPrefix } from '../shared/adapters/dynamodb/keys.ts';
import type { OutboundDetailType } from '../shared/model/events/envelope.ts';
import type { InboundDetailType } from '../shared/model/events/roles.ts';

/**
 * What one function may do, and nothing more: the events it answers and puts, and where in
 * the tables it writes. The construct turns each entry into the function's rules and IAM
 * policy; test/infra/least-privilege.test.ts runs each function's code against DynamoDB
 * Local and checks that it stays inside its entry, so an entry cannot silently fall behind
 * the code (DynamoDB Local and the local bus enforce no IAM).
 */
export interface FunctionAccess {
  /** Inbound detail-types routed to it from their role; absent for internal functions. */
  readonly answers?: readonly InboundDetailType[];
  /** Detail-types it may put on the bus, all with `source: twinguard` (IAM `events:detail-type`). */
  readonly emits: readonly OutboundDetailType[];
  /** Consent-table partition-key prefixes it may create or change (PutItem, UpdateItem). */
  readonly consentWrites: readonly PkPrefix[];
  /** Consent-table partition-key prefixes it may delete (DeleteItem). */
  readonly consentDeletes?: readonly PkPrefix[];
  /** Audit-table partition-key prefixes it may append to (PutItem); none = no audit grant. */
  readonly auditWrites: readonly AuditPkPrefix[];
  /** Audit-table prefixes it may check in a transaction (ConditionCheckItem): writers check the log's fence. */
  readonly auditChecks?: readonly AuditPkPrefix[];
  /** Audit-table prefixes it may read (GetItem, Query, BatchGetItem): the sealer reads the log's items. */
  readonly auditReads?: readonly AuditPkPrefix[];
  /** Whether it signs consent credentials with the log's KMS key (kms:Sign and kms:GetPublicKey on that key alone): the approvers do. */
  readonly signsCredentials?: boolean;
  /** Whether it reads the consent table in batches (BatchGetItem): the fan-out does. */
  readonly batchReads?: boolean;
}

/**
 * A function that appends audit or usage records also puts the transaction's transparency-log
 * marker and checks its shard's fence (shared/adapters/dynamodb/pending-log.ts).
 */
const LOGGED = { marker: AUDIT.logPending, auditChecks: [AUDIT.logFence] } as const;

/** Every inbound function answers bad input itself: a receipt and `Event Rejected`. */
const REJECTS = { emits: ['Event Rejected'], consentWrites: [PK.receipt] } as const;

export const FUNCTION_ACCESS = {
  'consent-granted': {
    answers: ['Consent Granted'],
    emits: [...REJECTS.emits, 'Reevaluation Requested'],
    consentWrites: [PK.receipt, PK.grant, PK.twin, PK.due],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  'consent-revoked': {
    answers: ['Consent Revoked'],
    emits: [...REJECTS.emits, 'Reevaluation Requested'],
    // DUE#: the watchdog of the fan-out the revocation starts.
    consentWrites: [PK.receipt, PK.grant, PK.twin, PK.due],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  'render-requested': {
    answers: ['Render Requested'],
    emits: [...REJECTS.emits, 'Render Approved', 'Render Denied', 'Usage Recorded'],
    signsCredentials: true,
    consentWrites: [PK.receipt],
    auditWrites: [AUDIT.twin, AUDIT.talent, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  'publication-requested': {
    answers: ['Publication Requested'],
    emits: [...REJECTS.emits, 'Publication Approved', 'Publication Denied'],
    signsCredentials: true,
    consentWrites: [PK.receipt, PK.publication, PK.asset],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  'asset-published': {
    answers: ['Asset Published'],
    emits: [...REJECTS.emits, 'Takedown Requested', 'Usage Recorded'],
    // The placement, its index items under each twin and grant, its takedown and deadline.
    consentWrites: [PK.receipt, PK.placement, PK.twin, PK.grant, PK.takedown, PK.due],
    auditWrites: [AUDIT.twin, AUDIT.talent, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  'takedown-reported': {
    answers: ['Takedown Completed', 'Takedown Failed'],
    emits: REJECTS.emits,
    // DUE#: the first look of a completed takedown's removal verification.
    consentWrites: [PK.receipt, PK.placement, PK.due],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  /** Answers events from a sender that does not hold the role; it changes nothing but its receipts. */
  'wrong-source': { ...REJECTS, auditWrites: [] },
  'reevaluate-placements': {
    emits: ['Takedown Requested', 'Reevaluation Requested'],
    // The job, the placements and their takedowns and deadlines, new reliance index items under grants.
    consentWrites: [PK.job, PK.placement, PK.takedown, PK.due, PK.grant],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
    batchReads: true,
  },
  'takedown-webhook': {
    emits: ['Takedown Completed', 'Takedown Failed'],
    consentWrites: [PK.receipt, PK.delivery, PK.due, PK.placement],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  'sweep-due': {
    emits: ['Takedown Overdue', 'Takedown Delivery Due', 'Reevaluation Requested', 'Removal Verified', 'Removal Unverified'],
    // DUE#: failing work set aside with backoff, the watchdogs of the fan-outs expiries start, the next look of a removal check.
    // No network grant is needed: the function has no VPC, so its GETs go to the internet directly.
    consentWrites: [PK.receipt, PK.placement, PK.due],
    consentDeletes: [PK.due],
    auditWrites: [AUDIT.twin, LOGGED.marker],
    auditChecks: LOGGED.auditChecks,
  },
  /** The transparency log's sealer: reads and writes the log's own items, never a record, never the consent table. */
  'seal-log': {
    emits: [],
    consentWrites: [],
    auditWrites: [AUDIT.log],
    auditReads: [AUDIT.log],
  },
  /** The custom resource that reads the log key's public half from KMS: no table, no bus. */
  'log-public-key': { emits: [], consentWrites: [], auditWrites: [] },
} as const satisfies Record<string, FunctionAccess>;

export type FunctionName = keyof typeof FUNCTION_ACCESS;
