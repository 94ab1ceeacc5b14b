import * as z from 'zod/mini';
import { REASON_CODES } from '../consent/reason-codes.ts';

/**
 * Schemas of the `detail` of every event TwinGuard emits (EVENTS.md "Outbound events").
 * They type the emitters (`OutboundEvent` in envelope.ts), so a use case that emits a wrong
 * detail fails to compile; they generate the published JSON Schemas and AsyncAPI document;
 * and the client parses consumers' events with them. A detail holds *at least* these
 * fields: consumers must ignore the ones they do not know.
 */
const id = z.string().check(z.minLength(1, 'must be a non-empty id'), z.maxLength(256, 'must be at most 256 characters'));
const time = z.iso.datetime({ message: 'must be an ISO-8601 UTC time such as 2026-01-01T00:00:00Z' });
const ids = z.array(id);
const someIds = z.array(id).check(z.minLength(1, 'must list at least one id'));
const version = z.int().check(z.positive('must be a positive integer'));

export const reasonCode = z.enum(REASON_CODES);

/** The grant a decision relied on, pinned to the version in force. */
export const grantRef = z.object({ twinId: id, grantId: id, version });

/** Why one twin is not covered; `grantId` names the grant that fell short, when there was one. */
export const reason = z.object({ twinId: id, code: reasonCode, message: z.string(), grantId: z.optional(id) });

const renderDecision = {
  requestId: id,
  twinIds: someIds,
  licensee: id,
  campaignId: z.optional(z.string()),
  decisionId: id,
};

/**
 * A consent credential: a compact JWS (ES256, the transparency log's key) over the approved
 * decision, verifiable with the log's JWKS alone (docs/proofs.md). Absent when the emitter
 * had no signing key.
 */
export const credential = z
  .string()
  .check(
    z.maxLength(16_384, 'must be at most 16384 characters'),
    z.regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS'),
  );

export const renderApproved = z.object({ ...renderDecision, grants: z.array(grantRef), credential: z.optional(credential) });

export const renderDenied = z.object({ ...renderDecision, reasons: z.array(reason).check(z.minLength(1)) });

const publicationDecision = {
  publicationId: id,
  assetId: id,
  channel: id,
  twinIds: someIds,
  decisionId: id,
};

export const publicationApproved = z.object({ ...publicationDecision, grants: z.array(grantRef), credential: z.optional(credential) });

export const publicationDenied = z.object({ ...publicationDecision, reasons: z.array(reason).check(z.minLength(1)) });

const placementRef = { takedownId: id, assetId: id, channel: id, placementId: id };

export const takedownRequested = z.object({
  ...placementRef,
  url: z.optional(z.string()),
  publicationId: z.optional(id),
  twinIds: someIds,
  grantIds: ids,
  reason: reasonCode,
  requestedAt: time,
  deadline: time,
});

/** Emitted for TwinGuard's own webhook connector: the same detail a channel connector sends. */
export const takedownCompletedOut = z.object({ ...placementRef, completedAt: time });

/** As a channel connector's report, plus which attempt of the webhook connector it was. */
export const takedownFailedOut = z.object({
  ...placementRef,
  error: z.string(),
  final: z.boolean(),
  attempts: z.int().check(z.positive('must be a positive integer')),
});

export const takedownOverdue = z.object({ ...placementRef, deadline: time });

/**
 * The end of a removal verification (docs/proofs.md): TwinGuard's own GETs of the
 * placement's `url` after the channel reported the takedown completed. `finding` is what
 * the last look found (`HTTP 410`, `HTTP 200`, `error: no answer in time`, `refused: …`).
 */
const removalOutcome = {
  ...placementRef,
  url: z.string().check(z.maxLength(2048, 'must be at most 2048 characters')),
  completedAt: time,
  checkedAt: time,
  checks: z.int().check(z.positive('must be a positive integer')),
  finding: z.string().check(z.maxLength(300, 'must be at most 300 characters')),
};

/** The URL answered 404 or 410: the content is gone, as the channel said. */
export const removalVerified = z.object(removalOutcome);

/** The URL never answered 404 or 410 over the window: the channel's "completed" is not confirmed. */
export const removalUnverified = z.object(removalOutcome);

const count = z.int().check(z.nonnegative('must be a whole number >= 0'));

/**
 * A certificate of removal issued (docs/proofs.md): every takedown a fan-out job opened is
 * closed. `certificate` is its signed manifest (a compact JWS, ES256, the log's key, typ
 * `twinguard-removal-certificate+jws`): the placements are in its pages, which
 * `twinguard certificate --grant <grantId> --json` gives with it, and which the manifest's
 * digest fixes. The event stays small whatever the number of placements.
 */
export const removalCertificateIssued = z.object({
  certificateId: id,
  jobId: z.string().check(z.minLength(1), z.maxLength(600, 'must be at most 600 characters')),
  cause: z.enum(['CONSENT_REVOKED', 'SCOPE_NARROWED', 'CONSENT_EXPIRED']),
  grantId: id,
  version: z.optional(version),
  twinIds: someIds,
  revokedAt: z.optional(time),
  jobStartedAt: time,
  issuedAt: time,
  placements: count,
  outcomes: z.object({ verified: count, unverified: count, unverifiable: count, failed: count, closed: count }),
  pages: count,
  certificate: z.string().check(z.minLength(1), z.maxLength(16_384, 'must be at most 16384 characters')),
});

export const usageRecorded = z.object({
  talentId: id,
  twinId: id,
  grantId: id,
  kind: z.enum(['render', 'placement']),
  amount: z.number().check(z.nonnegative('must be zero or more')),
  /** ISO 4217; `XXX` ("no currency") when the grant has no compensation. */
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as EUR')),
  refId: id,
});

export const eventRejected = z.object({
  eventId: z.string(),
  source: z.string(),
  detailType: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).check(z.minLength(1)),
  /** How many errors were left out beyond the first ones (see docs/events.md, Limits). */
  omittedErrors: z.optional(z.int().check(z.positive())),
});

/** Every public event TwinGuard emits, by detail-type. */
export const OUTBOUND_SCHEMAS = {
  'Render Approved': renderApproved,
  'Render Denied': renderDenied,
  'Publication Approved': publicationApproved,
  'Publication Denied': publicationDenied,
  'Takedown Requested': takedownRequested,
  'Takedown Completed': takedownCompletedOut,
  'Takedown Failed': takedownFailedOut,
  'Takedown Overdue': takedownOverdue,
  'Removal Verified': removalVerified,
  'Removal Unverified': removalUnverified,
  'Removal Certificate Issued': removalCertificateIssued,
  'Usage Recorded': usageRecorded,
  'Event Rejected': eventRejected,
} as const;

export type PublicDetailType = keyof typeof OUTBOUND_SCHEMAS;

export const PUBLIC_DETAIL_TYPES = Object.keys(OUTBOUND_SCHEMAS) as PublicDetailType[];

export function isPublicDetailType(value: string): value is PublicDetailType {
  return Object.hasOwn(OUTBOUND_SCHEMAS, value);
}

/** The detail of each public outbound event, as emitted. */
export type OutboundDetails = { [K in PublicDetailType]: z.infer<(typeof OUTBOUND_SCHEMAS)[K]> };
