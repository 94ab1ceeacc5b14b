import type { LoggedRecord } from './records.ts';
import type { SignedTreeHead } from './tree-head.ts';

/**
 * The proof documents TwinGuard hands out: plain JSON, hashes in base64, each with the signed
 * tree head it is proven against. verifier/ checks them with the log's public key alone.
 */

/** Record `record` is leaf `leafIndex` of the tree that `treeHead` signs. */
export interface InclusionProof {
  format: 'twinguard.inclusion-proof/v1';
  leafIndex: number;
  record: LoggedRecord;
  treeHead: SignedTreeHead;
  /** RFC 9162 inclusion path, from the leaf's sibling up. */
  proof: string[];
}

/** The tree `to` signs extends the tree `from` signs, without changing any of its records. */
export interface ConsistencyProof {
  format: 'twinguard.consistency-proof/v1';
  from: SignedTreeHead;
  to: SignedTreeHead;
  /** RFC 9162 consistency path. */
  proof: string[];
}

/** Every record of one twin, each with its inclusion proof against one signed head: what an agency archives. */
export interface TwinLogExport {
  format: 'twinguard.log-export/v1';
  twinId: string;
  exportedAt: string;
  treeHead: SignedTreeHead | null;
  /** Sealed records, each with its leaf index and inclusion path against `treeHead`, oldest first. */
  records: { leafIndex: number; record: LoggedRecord; proof: string[] }[];
  /** Records written since the last seal (or never sealed): listed, not proven. */
  unsealed: LoggedRecord[];
}

export const INCLUSION_PROOF_FORMAT = 'twinguard.inclusion-proof/v1';
export const CONSISTENCY_PROOF_FORMAT = 'twinguard.consistency-proof/v1';
export const LOG_EXPORT_FORMAT = 'twinguard.log-export/v1';
