import type { TwinLogExport } from '../model/log/proofs.ts';
import { LogProofError } from '../model/errors.ts';
import type { LogStore } from '../ports/log-store.ts';
import type { Clock } from '../ports/ports.ts';
import { exportRecordsById } from './log-proofs.ts';
import type { CertificateDocument } from './queries/removal-certificates.ts';

/**
 * Record ids proven for one certificate at most: three a placement (fewer where a batch of
 * takedowns shares its `requested` record), so 10,000 placements or more. Each is one lookup;
 * a larger revocation is proven whole by the twin's export instead.
 */
export const MAX_CERTIFICATE_RECORDS_PROVEN = 30_000;

/**
 * The log records a certificate rests on: every takedown's, and the certificate's own line;
 * each once (the takedowns of a batch share their `requested` record).
 */
export function certificateRecordIds(doc: Pick<CertificateDocument, 'jobId' | 'pages'>): string[] {
  return [...new Set([...doc.pages.flatMap((p) => p.entries.flatMap((e) => e.records)), `removal-certificate:${doc.jobId}`])];
}

/**
 * The inclusion proofs of a certificate's records against the latest signed head, as a
 * per-twin export (`log verify` checks it). A certificate is issued before its newest records
 * are sealed, so its proofs are made when asked for: those still unsealed are listed apart.
 */
export async function certificateProofs(
  deps: { log: LogStore; clock: Clock },
  twinId: string,
  doc: Pick<CertificateDocument, 'jobId' | 'pages'>,
): Promise<TwinLogExport> {
  const ids = certificateRecordIds(doc);
  if (ids.length > MAX_CERTIFICATE_RECORDS_PROVEN) {
    throw new LogProofError(
      `the certificate rests on ${ids.length} records, more than the ${MAX_CERTIFICATE_RECORDS_PROVEN} proven at once: export the twin's log instead (log export --twin ${twinId})`,
    );
  }
  return exportRecordsById(deps, twinId, ids);
}
