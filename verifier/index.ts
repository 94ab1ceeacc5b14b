/**
 * The TwinGuard log verifier: checks signed tree heads, inclusion proofs, consistency proofs
 * and per-twin exports with the log's public key (a JWKS) alone. It imports nothing of
 * TwinGuard and needs no AWS access: an agency can copy this folder, read it, and run it.
 * See docs/proofs.md.
 */
export { canonicalJson, CanonicalJsonError } from './canonical-json.ts';
export {
  type ExportReport,
  FORMATS,
  type RecordFailure,
  verifyConsistencyProof,
  verifyDocument,
  verifyExport,
  verifyInclusionProof,
} from './documents.ts';
export { checkConsistency, checkInclusion, leafHash, nodeHash } from './merkle.ts';
export { type Checked, MAX_TREE_HEAD_LENGTH, TREE_HEAD_TYP, type VerifiedTreeHead, verifyTreeHead } from './tree-head.ts';
export { type SignedDocument, type SignedDocumentKind, verifySignedDocument } from './signed-document.ts';
export {
  CREDENTIAL_TYP,
  type CredentialExpectation,
  type CredentialGrant,
  checkCredentialGrants,
  type GrantStateReader,
  MAX_CREDENTIAL_LENGTH,
  type VerifiedCredential,
  verifyCredential,
} from './credential.ts';
export {
  MAX_CERTIFICATE_LENGTH,
  MAX_CERTIFICATE_PAGES,
  REMOVAL_CERTIFICATE_FORMAT,
  REMOVAL_CERTIFICATE_TYP,
  type RemovalCertificateEntry,
  type RemovalOutcome,
  type VerifiedRemovalCertificate,
  verifyRemovalCertificate,
} from './removal-certificate.ts';
export {
  MAX_STATEMENT_FILE_LINES,
  STATEMENT_FORMAT,
  type StatementLineFailure,
  type StatementReport,
  type StatementTotal,
  verifyStatement,
} from './statement.ts';
