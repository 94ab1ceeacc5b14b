import { type CertificatePage, REMOVAL_CERTIFICATE_FORMAT } from '../../model/removal-certificate.ts';
import type { CertificateStore, StoredCertificate } from '../../ports/certificate-store.ts';

/** The document an agency archives and verifies (`verifyRemovalCertificate`): the signed manifest and its pages. */
export interface CertificateDocument {
  format: typeof REMOVAL_CERTIFICATE_FORMAT;
  certificateId: string;
  grantId: string;
  jobId: string;
  /** The manifest: a compact JWS. */
  certificate: string;
  pages: CertificatePage[];
}

/** The certificates of removal of a grant, oldest first (a grant has one per fan-out: a narrowing, an expiry, its revocation). */
export function certificatesOfGrant(store: Pick<CertificateStore, 'certificatesOfGrant'>, grantId: string): Promise<StoredCertificate[]> {
  return store.certificatesOfGrant(grantId);
}

/**
 * A certificate as one document, its pages read in order. The pages hold exactly the
 * `index` and `entries` that were hashed, so the signed digest can be recomputed from them.
 */
export async function certificateDocument(store: Pick<CertificateStore, 'pages'>, stored: StoredCertificate): Promise<CertificateDocument> {
  const pages = await store.pages(stored.certificateId);
  return {
    format: REMOVAL_CERTIFICATE_FORMAT,
    certificateId: stored.certificateId,
    grantId: stored.grantId,
    jobId: stored.jobId,
    certificate: stored.jws,
    pages: pages.map((p) => ({ index: p.index, entries: p.entries })),
  };
}
