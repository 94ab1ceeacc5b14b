import { createHash } from 'node:crypto';
import { canonicalJson } from './log/canonical-json.ts';
import type { PlacementRecord, ReevaluationJob } from './records.ts';
import { requestedRecordId } from './takedown-batch.ts';

/**
 * The certificate of removal (docs/proofs.md): once every takedown a fan-out job opened (a
 * revocation's, a narrowing's or an expiry's) is closed, one signed document lists each of
 * its placements with the takedown, the verification and the outcome.
 *
 * It is a manifest and pages. The manifest is a compact JWS (ES256, the log's key, `typ`
 * below) of a few hundred bytes whatever the number of placements; it carries the count and
 * a digest of the pages. The pages carry the placements, at most `MAX_PAGE_ENTRIES` and
 * `MAX_PAGE_BYTES` each, so that no stored item nears DynamoDB's 400 KB and no event nears
 * EventBridge's 256 KB.
 */
export const REMOVAL_CERTIFICATE_TYP = 'twinguard-removal-certificate+jws';
export const REMOVAL_CERTIFICATE_FORMAT = 'twinguard.removal-certificate/v1';

/** Placements per page, at most. */
export const MAX_PAGE_ENTRIES = 200;
/** A page's canonical JSON, at most (a placement's entry is 0.3 to 6 KB, its URL and texts included). */
export const MAX_PAGE_BYTES = 200_000;

/** How a placement's takedown ended. */
export type RemovalOutcome =
  /** Completed, and TwinGuard's own look found the URL gone. */
  | 'verified'
  /** Completed, but the URL never answered "gone" over the window. */
  | 'unverified'
  /** Completed, and the placement has no URL to look at: the channel's word is all there is. */
  | 'unverifiable'
  /** The channel reported a final failure. */
  | 'failed'
  /** An operator closed the takedown without a confirmation (`npm run takedowns -- close`). */
  | 'closed';

/** One placement of the certificate: what was asked, what the channel said, what TwinGuard found. */
export interface CertificateEntry {
  channel: string;
  placementId: string;
  assetId: string;
  url?: string;
  takedownId: string;
  requestedAt: string;
  completedAt?: string;
  outcome: RemovalOutcome;
  /** The last look at the URL, when there was one. */
  verifiedAt?: string;
  checks?: number;
  finding?: string;
  /** The channel's last error, for a failed takedown; the operator's reason, for a closed one. */
  error?: string;
  closedAt?: string;
  /**
   * The audit records of this takedown in the transparency log (prove each with `npm run log
   * -- prove --record ID`); a takedown of a batch shares its `requested` record with the batch.
   */
  records: string[];
}

/** A page: its position and its entries. Its hash is SHA-256 of its canonical JSON (RFC 8785). */
export interface CertificatePage {
  index: number;
  entries: CertificateEntry[];
}

export type OutcomeCounts = Record<RemovalOutcome, number>;

/** What the manifest JWS states. */
export interface CertificateClaims {
  iss: 'twinguard';
  kind: 'removal-certificate';
  certificateId: string;
  jobId: string;
  cause: ReevaluationJob['cause'];
  grantId: string;
  /** The grant's version when the certificate was issued, when known. */
  version?: number;
  twinIds: string[];
  /** When the consent was revoked (a revocation); absent for a narrowing or an expiry. */
  revokedAt?: string;
  /** When the fan-out that opened the takedowns started. */
  jobStartedAt: string;
  issuedAt: string;
  placements: number;
  outcomes: OutcomeCounts;
  /** `count` pages; `digest`: SHA-256 (base64) of the concatenated SHA-256 of each page's canonical JSON, in order. */
  pages: { count: number; digest: string };
}

/** A placement's takedown that is closed, as its entry; `undefined` while it is still open. */
export function entryOf(placement: PlacementRecord): CertificateEntry | undefined {
  const t = placement.takedown;
  if (t === undefined) return undefined;
  let outcome: RemovalOutcome;
  if (placement.status === 'taken-down') {
    if (t.removal !== undefined) outcome = t.removal.outcome;
    else if (placement.url === undefined) outcome = 'unverifiable';
    else return undefined; // completed, its URL not looked at to the end yet
  } else if (placement.status === 'takedown-failed') outcome = 'failed';
  else if (t.closedAt !== undefined) outcome = 'closed';
  else return undefined;
  const id = t.takedownId;
  // A takedown of a fan-out's batch was requested in its batch's line, which lists it.
  const records = [requestedRecordId(id)];
  if (t.completedAt !== undefined) records.push(`takedown:${id}#completed`);
  if (t.removal !== undefined) records.push(`takedown:${id}#removal`);
  if (t.closedAt !== undefined) records.push(`takedown:${id}#closed`);
  const error = outcome === 'closed' ? t.closedReason : outcome === 'failed' ? t.lastError : undefined;
  return {
    channel: placement.channel,
    placementId: placement.placementId,
    assetId: placement.assetId,
    ...(placement.url === undefined ? {} : { url: placement.url }),
    takedownId: id,
    requestedAt: t.requestedAt,
    ...(t.completedAt === undefined ? {} : { completedAt: t.completedAt }),
    outcome,
    ...(t.removal === undefined ? {} : { verifiedAt: t.removal.checkedAt, checks: t.removal.checks, finding: t.removal.finding }),
    ...(error === undefined ? {} : { error }),
    ...(t.closedAt === undefined ? {} : { closedAt: t.closedAt }),
    records,
  };
}

/** The entries in a fixed order (channel, placement), cut into pages by count and size. */
export function paginate(entries: readonly CertificateEntry[]): CertificatePage[] {
  const sorted = [...entries].sort((a, b) => compare(a.channel, b.channel) || compare(a.placementId, b.placementId));
  const pages: CertificatePage[] = [];
  let current: CertificateEntry[] = [];
  let bytes = 0;
  for (const entry of sorted) {
    const size = Buffer.byteLength(canonicalJson(entry), 'utf8') + 1;
    if (current.length > 0 && (current.length === MAX_PAGE_ENTRIES || bytes + size > MAX_PAGE_BYTES)) {
      pages.push({ index: pages.length, entries: current });
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0 || pages.length === 0) pages.push({ index: pages.length, entries: current });
  return pages;
}

export function pageHash(page: CertificatePage): Buffer {
  return createHash('sha256').update(canonicalJson(page), 'utf8').digest();
}

/** The digest the manifest signs: SHA-256 over the pages' hashes in order. */
export function pagesDigest(pages: readonly CertificatePage[]): string {
  const hash = createHash('sha256');
  for (const page of pages) hash.update(pageHash(page));
  return hash.digest('base64');
}

export function countOutcomes(entries: readonly CertificateEntry[]): OutcomeCounts {
  const counts: OutcomeCounts = { verified: 0, unverified: 0, unverifiable: 0, failed: 0, closed: 0 };
  for (const e of entries) counts[e.outcome]++;
  return counts;
}

export function certificatePayload(claims: CertificateClaims): Uint8Array {
  return new TextEncoder().encode(canonicalJson(claims));
}

/** Code-unit order, as RFC 8785 sorts: the same in every language. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
