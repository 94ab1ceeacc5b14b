import { checkConsistency } from './merkle.ts';
import { checkRecordProof, proofHashes } from './record-proof.ts';
import { type Checked, decodeHash, type VerifiedTreeHead, verifyTreeHead } from './tree-head.ts';

/**
 * Checks the documents TwinGuard hands out (inclusion proofs, consistency proofs, per-twin
 * exports) with the log's public keys (a JWKS) and nothing else: no TwinGuard code, no AWS.
 * A document that is malformed, signed by another key or for another record fails with the
 * reason and, for an export, the record it concerns; nothing here throws on bad input.
 */

export const FORMATS = {
  inclusion: 'twinguard.inclusion-proof/v1',
  consistency: 'twinguard.consistency-proof/v1',
  export: 'twinguard.log-export/v1',
} as const;

export interface RecordFailure {
  /** Position in the export's `records`. */
  position: number;
  leafIndex: unknown;
  /** The record's key and id, as far as they can be read. */
  record: string;
  reason: string;
}

export interface ExportReport {
  /** The head verifies and every sealed record is proven by it. */
  ok: boolean;
  /** What is wrong with the document as a whole (its head, its shape), if anything. */
  reason?: string;
  twinId?: string;
  treeHead?: VerifiedTreeHead;
  /** Records proven included in the signed head. */
  verified: number;
  failures: RecordFailure[];
  /** Records the export lists as not sealed yet: not proven either way. */
  unsealed: number;
}

/** An inclusion proof: the record, hashed as RFC 8785 canonical JSON, is the named leaf of the signed tree. */
export async function verifyInclusionProof(
  doc: unknown,
  jwks: unknown,
): Promise<Checked<{ treeHead: VerifiedTreeHead; leafIndex: number; record: Record<string, unknown> }>> {
  if (!isObject(doc) || doc['format'] !== FORMATS.inclusion) return fail(`not an inclusion proof (format ${FORMATS.inclusion})`);
  const head = await signedHead(doc['treeHead'], jwks);
  if (!head.ok) return head;
  const checked = checkRecordProof(doc['record'], doc['leafIndex'], doc['proof'], head.value);
  if (checked !== undefined) return fail(`${describe(doc['record'])}: ${checked}`);
  return {
    ok: true,
    value: { treeHead: head.value, leafIndex: doc['leafIndex'] as number, record: doc['record'] as Record<string, unknown> },
  };
}

/** A consistency proof: the later signed tree contains the earlier one unchanged (the log only grew). */
export async function verifyConsistencyProof(
  doc: unknown,
  jwks: unknown,
): Promise<Checked<{ from: VerifiedTreeHead; to: VerifiedTreeHead }>> {
  if (!isObject(doc) || doc['format'] !== FORMATS.consistency) return fail(`not a consistency proof (format ${FORMATS.consistency})`);
  const from = await signedHead(doc['from'], jwks);
  if (!from.ok) return fail(`the earlier head: ${from.reason}`);
  const to = await signedHead(doc['to'], jwks);
  if (!to.ok) return fail(`the later head: ${to.reason}`);
  const path = proofHashes(doc['proof']);
  if (path === undefined) return fail('the proof is not a list of base64 SHA-256 hashes');
  const problem = checkConsistency(from.value.treeSize, to.value.treeSize, from.value.rootHash, to.value.rootHash, path);
  if (problem !== undefined) return fail(`heads of ${from.value.treeSize} and ${to.value.treeSize} records: ${problem}`);
  return { ok: true, value: { from: from.value, to: to.value } };
}

/** A per-twin export: its head verifies, and every sealed record in it is proven included by that head. */
export async function verifyExport(doc: unknown, jwks: unknown): Promise<ExportReport> {
  const report: ExportReport = { ok: false, verified: 0, failures: [], unsealed: 0 };
  if (!isObject(doc) || doc['format'] !== FORMATS.export) return { ...report, reason: `not a log export (format ${FORMATS.export})` };
  if (typeof doc['twinId'] === 'string') report.twinId = doc['twinId'];
  const records = doc['records'];
  const unsealed = doc['unsealed'];
  if (!Array.isArray(records) || !Array.isArray(unsealed)) return { ...report, reason: 'the export has no records and unsealed lists' };
  report.unsealed = unsealed.length;
  if (doc['treeHead'] === null && records.length === 0) return { ...report, ok: true, reason: 'nothing was sealed yet' };
  const head = await signedHead(doc['treeHead'], jwks);
  if (!head.ok) return { ...report, reason: head.reason };
  report.treeHead = head.value;
  const seen = new Map<number, number>();
  records.forEach((entry, position) => {
    const record = isObject(entry) ? entry['record'] : undefined;
    const leafIndex = isObject(entry) ? entry['leafIndex'] : undefined;
    const twin = isObject(record) ? record['twinId'] : undefined;
    let problem =
      report.twinId !== undefined && twin !== report.twinId ? `it belongs to twin ${String(twin)}, not ${report.twinId}` : undefined;
    if (problem === undefined && typeof leafIndex === 'number' && seen.has(leafIndex))
      problem = `leaf ${leafIndex} is claimed twice (also at ${seen.get(leafIndex)})`;
    problem ??= checkRecordProof(record, leafIndex, isObject(entry) ? entry['proof'] : undefined, head.value);
    if (typeof leafIndex === 'number') seen.set(leafIndex, position);
    if (problem === undefined) report.verified++;
    else report.failures.push({ position, leafIndex, record: describe(record), reason: problem });
  });
  report.ok = report.failures.length === 0;
  return report;
}

/** Any of the three, by its `format`. */
export async function verifyDocument(doc: unknown, jwks: unknown): Promise<{ format: string; ok: boolean; report: unknown }> {
  const format = isObject(doc) ? String(doc['format']) : 'unknown';
  if (format === FORMATS.export) {
    const report = await verifyExport(doc, jwks);
    return { format, ok: report.ok, report };
  }
  if (format === FORMATS.inclusion) {
    const report = await verifyInclusionProof(doc, jwks);
    return { format, ok: report.ok, report };
  }
  if (format === FORMATS.consistency) {
    const report = await verifyConsistencyProof(doc, jwks);
    return { format, ok: report.ok, report };
  }
  return { format, ok: false, report: { ok: false, reason: `unknown document format ${format}` } };
}

/** Verifies the head's JWS, and that the readable copy beside it (if any) says the same. */
async function signedHead(head: unknown, jwks: unknown): Promise<Checked<VerifiedTreeHead>> {
  if (!isObject(head)) return fail('there is no signed tree head');
  const verified = await verifyTreeHead(head['jws'], jwks);
  if (!verified.ok) return verified;
  const v = verified.value;
  const copy = { treeSize: head['treeSize'], rootHash: head['rootHash'] };
  if (
    (copy.treeSize !== undefined && copy.treeSize !== v.treeSize) ||
    (copy.rootHash !== undefined && decodeHash(copy.rootHash)?.join() !== v.rootHash.join())
  ) {
    return fail('the readable tree size or root beside the signature differs from what was signed');
  }
  return verified;
}

/** Why `record` is not leaf `leafIndex` of the signed tree, or undefined when it is. */
function describe(record: unknown): string {
  if (!isObject(record)) return '(not a record)';
  const id = record['recordId'] ?? record['refId'];
  return [record['pk'], record['sk'], id === undefined ? undefined : `(${String(id)})`]
    .filter((x) => x !== undefined)
    .map(String)
    .join(' ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
