import type { Decision } from '../model/consent/decide.ts';
import type { Grant, GrantRef } from '../model/consent/grant.ts';
import type { PlacementVerdict } from '../model/consent/placement-coverage.ts';
import type { ReasonCode } from '../model/consent/reason-codes.ts';
import type { AuditKind, AuditRecord, PlacementRecord } from '../model/records.ts';
import type { TakedownReport } from '../model/takedown-report.ts';
import { MAX_TAKEDOWNS_PER_BATCH, parseBatchTakedownId, requestedRecordId } from '../model/takedown-batch.ts';

/**
 * The lines of a twin's audit trail, one builder per kind. Every line's `recordId` is
 * `<kind>:<business id>`, the business id naming the fact the line records:
 *
 * | kind                   | business id                                                          |
 * |------------------------|----------------------------------------------------------------------|
 * | `grant`                | `<grantId>#<version>`                                                |
 * | `revocation`           | `<grantId>`                                                          |
 * | `render-decision`      | `<decisionId>`                                                       |
 * | `publication-decision` | `<decisionId>`                                                       |
 * | `placement`            | `<channel>#<placementId>`                                            |
 * | `takedown`             | `<takedownId>#requested` (opened alone), `#overdue`, `#completed`, `#failed#<eventId>`, `#closed`, `#removal` |
 * |                        | `<batchId>#requested`: a fan-out's batch `<batchId>_<n>`, one line per twin listing its takedowns (`requestedRecordId`) |
 * | `removal-certificate`  | `<jobId>` (one certificate per fan-out job, e.g. `revoked#<grantId>`) |
 *
 * Each fact is committed once (its receipt or its conditional write sees to that) and
 * gives each of its twins one line, so the audit key `AUDIT#<at>#<recordId>` is unique per
 * line. The kind prefix keeps facts of different kinds apart even if their ids look alike
 * (a grant id and a takedown id are both the sender's or our strings).
 */

/** The event a line answers: when it was recorded, its id, and what it asked. */
export interface Occasion {
  at: string;
  eventId: string;
  request: Record<string, unknown>;
}

/** A grant stored: its first version, or an amendment. */
export function grantLines(grant: Grant, amended: boolean, on: Occasion): AuditRecord[] {
  return lines('grant', `${grant.grantId}#${grant.version}`, [grant.twinId], on, { outcome: amended ? 'amended' : 'granted' });
}

/** A grant id revoked, forever. */
export function revocationLines(grantId: string, twinId: string, on: Occasion): AuditRecord[] {
  return lines('revocation', grantId, [twinId], on, { outcome: 'revoked' });
}

/** A render or publication decision, per twin: what was asked, the outcome, and why. */
export function decisionLines(
  kind: 'render-decision' | 'publication-decision',
  decisionId: string,
  twinIds: readonly string[],
  decision: Decision,
  on: Occasion,
): AuditRecord[] {
  return lines(kind, decisionId, twinIds, on, {
    outcome: decision.approved ? 'approved' : 'denied',
    ...(decision.approved ? { grants: decision.grants } : { reasons: decision.reasons }),
  });
}

/** A placement recorded: live on the grants it relies on, or taken down at once, and why. */
export function placementLines(placement: PlacementRecord, verdict: PlacementVerdict, on: Occasion): AuditRecord[] {
  return lines('placement', `${placement.channel}#${placement.placementId}`, placement.twinIds, on, {
    outcome: verdict.covered ? 'live' : `takedown-requested:${verdict.reason}`,
    ...(verdict.covered ? { grants: placement.reliesOn } : { reasons: verdict.reasons }),
  });
}

/** A step of a takedown: opened (because a grant it relied on was lost), overdue, reported by its channel, or closed by an operator. */
export type TakedownStep =
  | { step: 'requested'; reason: ReasonCode; grants: GrantRef[] }
  | { step: 'overdue' }
  | { step: 'reported'; report: TakedownReport }
  | { step: 'closed' }
  | { step: 'removal'; verified: boolean };

export function takedownLines(takedownId: string, twinIds: readonly string[], s: TakedownStep, on: Occasion): AuditRecord[] {
  if (s.step === 'requested') {
    if (parseBatchTakedownId(takedownId) !== undefined)
      throw new RangeError(`takedown ${takedownId} belongs to a batch: its request is recorded by batchRequestedLines`);
    return lines('takedown', `${takedownId}#requested`, twinIds, on, { outcome: `requested:${s.reason}`, grants: s.grants });
  }
  if (s.step === 'overdue') return lines('takedown', `${takedownId}#overdue`, twinIds, on, { outcome: 'overdue' });
  if (s.step === 'closed') return lines('takedown', `${takedownId}#closed`, twinIds, on, { outcome: 'closed' });
  if (s.step === 'removal')
    return lines('takedown', `${takedownId}#removal`, twinIds, on, { outcome: s.verified ? 'removal-verified' : 'removal-unverified' });
  const { report } = s;
  // A completion happens once; every failed attempt is its own fact.
  if (report.kind === 'completed') return lines('takedown', `${takedownId}#completed`, twinIds, on, { outcome: 'completed' });
  return lines('takedown', `${takedownId}#failed#${on.eventId}`, twinIds, on, { outcome: report.final ? 'failed-final' : 'failed' });
}

/** A takedown of a fan-out's batch, as its batch's `requested` line lists it. */
export interface BatchTakedown {
  takedownId: string;
  channel: string;
  placementId: string;
  reason: ReasonCode;
  twinIds: readonly string[];
  /** The grants the placement relied on, of every twin; each line keeps its own twin's. */
  grants: readonly GrantRef[];
}

/**
 * The `requested` fact of a fan-out's batch (ids `<batchId>_<n>`): one line per twin, listing
 * the batch's takedowns of placements that show that twin, each with its channel, placement,
 * reason and that twin's grants (`request.takedowns`); `request.jobId` once. The outcome is
 * `requested:<reason>` as for a takedown alone (the batch's reasons, comma-separated, should
 * they ever differ), the line's `grants` those of its twin over the batch. A line lists at
 * most `MAX_TAKEDOWNS_PER_BATCH` takedowns, so it stays a few KB whatever the ids.
 */
export function batchRequestedLines(takedowns: readonly BatchTakedown[], on: Occasion): AuditRecord[] {
  if (takedowns.length === 0 || takedowns.length > MAX_TAKEDOWNS_PER_BATCH)
    throw new RangeError(`a batch's requested line lists 1 to ${MAX_TAKEDOWNS_PER_BATCH} takedowns, got ${takedowns.length}`);
  const recordId = requestedRecordId(takedowns[0]!.takedownId);
  for (const t of takedowns) {
    if (parseBatchTakedownId(t.takedownId) === undefined || requestedRecordId(t.takedownId) !== recordId)
      throw new RangeError(`takedown ${t.takedownId} is not of the batch of ${takedowns[0]!.takedownId}`);
  }
  const request = pick(REVIEWED_BATCH.request, on.request);
  const twinIds = [...new Set(takedowns.flatMap((t) => t.twinIds))];
  return twinIds.map((twinId) => {
    const mine = takedowns.filter((t) => t.twinIds.includes(twinId));
    const entries = mine.map((t) => ({
      takedownId: t.takedownId,
      channel: t.channel,
      placementId: t.placementId,
      reason: t.reason,
      grants: t.grants.filter((g) => g.twinId === twinId),
    }));
    return {
      twinId,
      at: on.at,
      recordId,
      kind: 'takedown' as const,
      outcome: `requested:${[...new Set(mine.map((t) => t.reason))].join(',')}`,
      grants: uniqueGrants(entries.flatMap((e) => e.grants)),
      request: { ...request, takedowns: entries.map((e) => pick(REVIEWED_BATCH.takedowns, e)) },
      eventId: on.eventId,
    };
  });
}

/** A certificate of removal issued: the line names it and the SHA-256 of its signed manifest, so the log fixes which one it is. */
export function certificateLines(jobId: string, twinIds: readonly string[], on: Occasion): AuditRecord[] {
  return lines('removal-certificate', jobId, twinIds, on, { outcome: 'issued' });
}

type Finding = Pick<AuditRecord, 'outcome' | 'reasons' | 'grants'>;

/**
 * What of the event a line keeps, per kind: the ids, terms and outcome a reviewer needs,
 * never the raw detail (whatever else a sender put in it stays out of the trail).
 */
const REVIEWED: Record<AuditKind, readonly string[]> = {
  grant: [
    'grantId',
    'version',
    'talentId',
    'licensee',
    'validFrom',
    'validUntil',
    'scope',
    'aiDisclosureRequired',
    'compensation',
    'evidence',
  ],
  revocation: ['grantId', 'revokedAt', 'reason'],
  'render-decision': ['requestId', 'twinIds', 'licensee', 'medium', 'modifications', 'campaignId'],
  'publication-decision': [
    'publicationId',
    'assetId',
    'twinIds',
    'licensee',
    'medium',
    'modifications',
    'channel',
    'territories',
    'aiDisclosure',
  ],
  placement: ['channel', 'placementId', 'assetId', 'publicationId', 'url', 'twinIds', 'licensee', 'territories', 'publishedAt'],
  takedown: [
    'takedownId',
    'jobId',
    'channel',
    'placementId',
    'deadline',
    'completedAt',
    'error',
    'final',
    'attempts',
    'closedReason',
    'url',
    'checks',
    'finding',
  ],
  'removal-certificate': ['certificateId', 'jobId', 'grantId', 'placements', 'outcomes', 'pagesDigest', 'certificateSha256'],
};

/**
 * One line per twin. Each carries its own twin's grants and reasons only: the other twins'
 * are on their own trails, and a line stays small however many twins share the fact.
 */
function lines(kind: AuditKind, businessId: string, twinIds: readonly string[], on: Occasion, finding: Finding): AuditRecord[] {
  const request = reviewed(kind, on.request);
  return twinIds.map((twinId) => ({
    twinId,
    at: on.at,
    recordId: `${kind}:${businessId}`,
    kind,
    outcome: finding.outcome,
    ...(finding.reasons === undefined ? {} : { reasons: finding.reasons.filter((r) => r.twinId === twinId) }),
    ...(finding.grants === undefined ? {} : { grants: finding.grants.filter((g) => g.twinId === twinId) }),
    request,
    eventId: on.eventId,
  }));
}

/**
 * What a batch's `requested` line keeps: of the occasion, the job; of each of its takedowns
 * (`request.takedowns`), these. Not in `REVIEWED.takedown`: there a sender's report (whose
 * unknown fields the contract allows) could put a `takedowns` list of its own into its line.
 */
const REVIEWED_BATCH = {
  request: ['jobId'],
  takedowns: ['takedownId', 'channel', 'placementId', 'reason', 'grants'],
} as const;

function reviewed(kind: AuditKind, request: Record<string, unknown>): Record<string, unknown> {
  return pick(REVIEWED[kind], request);
}

function pick(fields: readonly string[], from: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(fields.flatMap((field) => (from[field] === undefined ? [] : [[field, from[field]]])));
}

function uniqueGrants(grants: readonly GrantRef[]): GrantRef[] {
  const seen = new Map(grants.map((g) => [`${g.grantId}#${g.version}`, g] as const));
  return [...seen.values()];
}
