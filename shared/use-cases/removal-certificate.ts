import { createHash } from 'node:crypto';
import type { DueItem } from '../model/due-item.ts';
import type { OutboundEvent } from '../model/events/envelope.ts';
import { InvalidInternalEventError } from '../model/errors.ts';
import type { ReevaluationJob } from '../model/records.ts';
import {
  type CertificateClaims,
  type CertificateEntry,
  certificatePayload,
  countOutcomes,
  entryOf,
  paginate,
  pagesDigest,
  REMOVAL_CERTIFICATE_TYP,
} from '../model/removal-certificate.ts';
import type { StoredCertificate } from '../ports/certificate-store.ts';
import type { Deps } from '../ports/deps.ts';
import { certificateLines } from './audit-lines.ts';
import { commit, noChange, once } from './once.ts';

/**
 * Closures of a job's takedowns that come close together share one check: its due item is
 * due at the next whole 10 seconds, and the same work at the same time is one item.
 */
const CHECK_ROUND_MS = 10_000;
/** Placements read per step of the check: one Query and one BatchGetItem. */
const SCAN_PAGE = 100;

/**
 * The due item that checks whether a job's certificate of removal can be issued. It is
 * written in the same transaction as each closure of one of the job's takedowns (a removal
 * outcome, a completion without URL, a final failure, an operator's close), so a process
 * that dies after the last closure leaves it behind, and the sweeper issues the certificate.
 */
export function certificateCheck(jobId: string, now: Date): DueItem {
  const dueAt = new Date(Math.ceil(now.getTime() / CHECK_ROUND_MS) * CHECK_ROUND_MS).toISOString();
  return { dueAt, kind: 'removal-certificate', id: jobId, payload: { jobId } };
}

/** The check to schedule with a closure, when the takedown belongs to a fan-out job. */
export function certificateChecksOf(jobId: string | undefined, now: Date): DueItem[] {
  return jobId === undefined ? [] : [certificateCheck(jobId, now)];
}

export type CertificateResult =
  /** Issued now. */
  | { kind: 'issued'; certificateId: string; placements: number }
  /** Issued before (a duplicate check). */
  | { kind: 'duplicate' }
  /** Not yet: the job is still running, or one of its takedowns is still open. */
  | { kind: 'open' }
  /** The job opened no takedown: nothing to certify. */
  | { kind: 'none' };

/**
 * Issues a fan-out job's certificate of removal once every takedown it opened is closed.
 * Primary course: 1. the job is done; 2. no certificate exists for it; 3. read every placement
 * of its grant, page by page, and keep those whose takedown is the job's; any still open
 * ends the check (a later closure checks again); 4. their entries, in pages; 5. sign the
 * manifest (count and digest of the pages) with the log's key; 6. write the pages, then
 * commit the manifest with its receipt and audit line, and emit `Removal Certificate Issued`,
 * once (the receipt `removal-certificate#<jobId>`, and the index item's own condition).
 */
export async function issueRemovalCertificate(deps: Deps, jobId: string): Promise<CertificateResult> {
  const { certificates, credentials } = deps;
  if (certificates === undefined || credentials === undefined)
    throw new InvalidInternalEventError('this function has no certificate store or signer wired');
  const job = await deps.fanout.getJob(jobId);
  if (job === undefined || job.status !== 'done') return { kind: 'open' };
  if (job.takedowns === 0) return { kind: 'none' };
  const eventId = `removal-certificate#${jobId}`;
  const ran = await once(deps, { kind: 'removal-certificate', businessId: jobId, eventId }, async () => {
    if ((await certificates.certificateOfJob(job.grantId, jobId)) !== undefined) return noChange<CertificateResult>({ kind: 'duplicate' });
    const entries = await closedEntries(deps, job);
    if (entries === 'open') return noChange<CertificateResult>({ kind: 'open' });
    if (entries.length === 0) return noChange<CertificateResult>({ kind: 'none' });
    const certificateId = deps.ids.next('cert');
    const issuedAt = deps.clock.now().toISOString();
    const grant = await deps.store.grantState(job.grantId);
    const pages = paginate(entries);
    const claims: CertificateClaims = {
      iss: 'twinguard',
      kind: 'removal-certificate',
      certificateId,
      jobId,
      cause: job.cause,
      grantId: job.grantId,
      ...(grant?.version === undefined ? {} : { version: grant.version }),
      twinIds: [job.twinId],
      ...(job.cause === 'CONSENT_REVOKED' && grant?.revokedAt !== undefined ? { revokedAt: grant.revokedAt } : {}),
      jobStartedAt: job.startedAt,
      issuedAt,
      placements: entries.length,
      outcomes: countOutcomes(entries),
      pages: { count: pages.length, digest: pagesDigest(pages) },
    };
    const jws = await credentials.sign(certificatePayload(claims), REMOVAL_CERTIFICATE_TYP);
    const certificate: StoredCertificate = { certificateId, jobId, grantId: job.grantId, jws, claims };
    await certificates.putPages(certificateId, pages);
    const { iss: _iss, kind: _kind, pages: _pages, ...stated } = claims;
    const event: OutboundEvent = {
      detailType: 'Removal Certificate Issued',
      detail: { ...stated, pages: pages.length, certificate: jws },
    };
    const request = {
      certificateId,
      jobId,
      grantId: job.grantId,
      placements: entries.length,
      outcomes: claims.outcomes,
      pagesDigest: claims.pages.digest,
      certificateSha256: createHash('sha256').update(jws, 'utf8').digest('base64'),
    };
    const audit = certificateLines(jobId, claims.twinIds, { at: issuedAt, eventId, request });
    return {
      ...commit([event], (receipt) => certificates.commitCertificate({ certificate, receipt, audit })),
      result: { kind: 'issued', certificateId, placements: entries.length } as CertificateResult,
    };
  });
  return ran.outcome === 'duplicate' ? { kind: 'duplicate' } : ran.result;
}

/** The entries of the job's takedowns, all closed; `open` at the first one still open. */
async function closedEntries(deps: Deps, job: ReevaluationJob): Promise<CertificateEntry[] | 'open'> {
  const entries: CertificateEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.fanout.placementsOfGrant(job.grantId, cursor, SCAN_PAGE);
    for (const placement of await deps.fanout.getPlacements(page.refs)) {
      // Placements that moved onto other grants, or whose takedown another job opened, are not this job's.
      if (placement.takedown?.jobId !== job.jobId) continue;
      const entry = entryOf(placement);
      if (entry === undefined) return 'open';
      entries.push(entry);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return entries;
}
