import type { CertificatePage, CertificateClaims } from '../model/removal-certificate.ts';
import type { AuditRecord, Receipt } from '../model/records.ts';

/** A certificate as stored: the signed manifest and what it states; its pages are read apart. */
export interface StoredCertificate {
  certificateId: string;
  jobId: string;
  grantId: string;
  /** The manifest: a compact JWS of `claims`. */
  jws: string;
  claims: CertificateClaims;
}

/** Where certificates of removal are kept: one per fan-out job, found by grant. */
export interface CertificateStore {
  /**
   * Writes a certificate's pages before it is committed. Pages live under the certificate's
   * own id, new for every attempt, so an attempt that never commits leaves only pages that
   * nothing names, and never changes the pages of one that did.
   */
  putPages(certificateId: string, pages: readonly CertificatePage[]): Promise<void>;
  /**
   * Commits the manifest, its index entry under the grant (only if the job has none:
   * `DuplicateReceiptError` otherwise), the receipt and the audit lines, in one transaction.
   */
  commitCertificate(change: { certificate: StoredCertificate; receipt: Receipt; audit: AuditRecord[] }): Promise<void>;
  /** The certificate of a job, if issued. */
  certificateOfJob(grantId: string, jobId: string): Promise<StoredCertificate | undefined>;
  /** Every certificate issued for a grant (a revocation, and any narrowing or expiry before it): a grant has a few. */
  certificatesOfGrant(grantId: string): Promise<StoredCertificate[]>;
  /** The pages of a certificate in order. */
  pages(certificateId: string): Promise<CertificatePage[]>;
}
