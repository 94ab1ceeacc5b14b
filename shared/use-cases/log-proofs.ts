import { consistencyRanges, inclusionRanges, type LeafRange, nodesOfRange, rangeHash } from '../model/log/merkle.ts';
import {
  CONSISTENCY_PROOF_FORMAT,
  type ConsistencyProof,
  INCLUSION_PROOF_FORMAT,
  type InclusionProof,
  LOG_EXPORT_FORMAT,
  type TwinLogExport,
} from '../model/log/proofs.ts';
import type { LoggedRecord, RecordKey } from '../model/log/records.ts';
import { nodeFromTiles, tileOf } from '../model/log/tiles.ts';
import { type SignedTreeHead, toBase64 } from '../model/log/tree-head.ts';
import { LogProofError } from '../model/errors.ts';
import { requestedRecordId } from '../model/takedown-batch.ts';
import type { ConsentStore } from '../ports/consent-store.ts';
import type { LogStore } from '../ports/log-store.ts';
import type { Clock } from '../ports/ports.ts';

/** What a record lookup found: proofs for the sealed records, and those not sealed yet. */
export interface RecordProofs {
  proofs: InclusionProof[];
  unsealed: LoggedRecord[];
}

/**
 * Inclusion proofs, against the latest signed head, for the audit records of a fact: a
 * `recordId` (`render-decision:<decisionId>`, `grant:<grantId>#<version>`,
 * `takedown:<takedownId>#requested`, …; one record per twin), or one record by its key.
 * `takedown:<batchId>_<n>#requested` finds its batch's line (`requestedRecordId`), which lists
 * that takedown, so a reviewer holding a takedown id need not know of batches.
 */
export async function proveRecord(deps: { log: LogStore }, which: { recordId: string } | { key: RecordKey }): Promise<RecordProofs> {
  const { log } = deps;
  // A record sealed after the head that was read is reported unsealed: never proven against a tree without it.
  const [head, keys] = await Promise.all([log.latestHead(), 'key' in which ? [which.key] : keysOfFact(log, which.recordId)]);
  const records = (await log.records(keys)).filter((r): r is LoggedRecord => r !== undefined);
  const leaves = await Promise.all(records.map((r) => log.leafOf(r, typeof r['at'] === 'string' ? r['at'] : undefined)));
  const sealed: { leafIndex: number; record: LoggedRecord }[] = [];
  const unsealed: LoggedRecord[] = [];
  records.forEach((record, i) => {
    const leafIndex = leaves[i];
    if (head !== undefined && leafIndex !== undefined && leafIndex < head.treeSize) sealed.push({ leafIndex, record });
    else unsealed.push(record);
  });
  if (head === undefined || sealed.length === 0) return { proofs: [], unsealed };
  const paths = await inclusionPaths(log, head, sealed);
  return {
    proofs: sealed.map((s, i) => ({
      format: INCLUSION_PROOF_FORMAT,
      leafIndex: s.leafIndex,
      record: s.record,
      treeHead: head,
      proof: paths[i]!,
    })),
    unsealed,
  };
}

/**
 * The records of a fact. A takedown's `requested` fact is also looked up under the id it was
 * asked by: trails written before batches shared a line hold one line per takedown.
 */
async function keysOfFact(log: LogStore, recordId: string): Promise<RecordKey[]> {
  const requested = /^takedown:(.+)#requested$/.exec(recordId);
  const batch = requested === null ? recordId : requestedRecordId(requested[1]!);
  if (batch === recordId) return log.keysOfRecordId(recordId);
  return (await Promise.all([log.keysOfRecordId(recordId), log.keysOfRecordId(batch)])).flat();
}

/** A proof that the head of `toSize` leaves (default: the latest) extends the head of `fromSize`. */
export async function proveConsistency(deps: { log: LogStore }, fromSize: number, toSize?: number): Promise<ConsistencyProof> {
  const { log } = deps;
  const latest = await log.latestHead();
  const to = toSize === undefined ? latest : await log.head(toSize);
  const from = await log.head(fromSize);
  if (latest === undefined || to === undefined) throw new LogProofError(`no signed head of size ${toSize ?? '(latest)'}`);
  if (from === undefined) throw new LogProofError(`no signed head of size ${fromSize}: heads are signed at the sizes the sealer reached`);
  if (from.treeSize > to.treeSize) throw new LogProofError(`the head of ${from.treeSize} records is later than that of ${to.treeSize}`);
  const [proof] = await proofHashes(log, latest.treeSize, [consistencyRanges(from.treeSize, to.treeSize)]);
  return { format: CONSISTENCY_PROOF_FORMAT, from, to, proof: proof! };
}

/**
 * Every record of a twin, its audit trail and the usage lines its talents were paid on,
 * each with its inclusion proof against the latest signed head: one JSON document an agency
 * can archive and check with the log's public key alone (verifier/).
 */
export async function exportTwinLog(
  deps: { log: LogStore; consent: Pick<ConsentStore, 'grantsOfTwins'>; clock: Clock },
  twinId: string,
): Promise<TwinLogExport> {
  const { log } = deps;
  const exportedAt = deps.clock.now().toISOString();
  const talents = new Set(((await deps.consent.grantsOfTwins([twinId])).get(twinId) ?? []).map((g) => g.talentId));
  const records = [
    ...(await log.twinRecords(twinId)),
    ...(await Promise.all([...talents].map((talentId) => log.usageRecords(talentId, twinId)))).flat(),
  ];
  return exportOf(log, twinId, exportedAt, records);
}

/**
 * Chosen records of one twin by their record ids (`takedown:<id>#removal`, …), in the
 * per-twin export format, so that `verifyExport` and `log verify` check them as they check a
 * whole export. A record id names one record per twin; those of other twins are left out.
 */
export async function exportRecordsById(
  deps: { log: LogStore; clock: Clock },
  twinId: string,
  recordIds: readonly string[],
): Promise<TwinLogExport> {
  const { log } = deps;
  const exportedAt = deps.clock.now().toISOString();
  const keys: RecordKey[] = [];
  // Each record once: a leaf claimed twice fails the export's check.
  const distinct = [...new Set(recordIds)];
  // A few lookups at a time: each is one Query of the record-id index.
  for (let i = 0; i < distinct.length; i += 16) {
    for (const found of await Promise.all(distinct.slice(i, i + 16).map((id) => log.keysOfRecordId(id)))) keys.push(...found);
  }
  const records = (await log.records(keys)).filter((r): r is LoggedRecord => r !== undefined && r['twinId'] === twinId);
  return exportOf(log, twinId, exportedAt, records);
}

/** Records with their proofs against the latest head; those not sealed under it yet, apart. */
async function exportOf(log: LogStore, twinId: string, exportedAt: string, records: readonly LoggedRecord[]): Promise<TwinLogExport> {
  const head = await log.latestHead();
  const leavesOf = await leavesOfPartitions(log, records);
  const sealed: { leafIndex: number; record: LoggedRecord }[] = [];
  const unsealed: LoggedRecord[] = [];
  for (const record of records) {
    const leafIndex = leavesOf.get(record.pk)?.get(record.sk);
    if (head !== undefined && leafIndex !== undefined && leafIndex < head.treeSize) sealed.push({ leafIndex, record });
    else unsealed.push(record);
  }
  sealed.sort((a, b) => a.leafIndex - b.leafIndex);
  const paths = head === undefined ? [] : await inclusionPaths(log, head, sealed);
  return {
    format: LOG_EXPORT_FORMAT,
    twinId,
    exportedAt,
    treeHead: head ?? null,
    records: sealed.map((s, i) => ({ leafIndex: s.leafIndex, record: s.record, proof: paths[i]! })),
    unsealed,
  };
}

/** The latest signed head, if any. */
export function latestTreeHead(deps: { log: LogStore }): Promise<SignedTreeHead | undefined> {
  return deps.log.latestHead();
}

/**
 * The hashes of many proofs in a tree of `treeSize` leaves, reading every tile they need in
 * one go (a tile is read once however many proofs share it).
 */
/** The inclusion path of each sealed leaf in the head's tree, in the order given. */
export function inclusionPaths(log: LogStore, head: SignedTreeHead, sealed: readonly { leafIndex: number }[]): Promise<string[][]> {
  return proofHashes(
    log,
    head.treeSize,
    sealed.map((s) => inclusionRanges(s.leafIndex, head.treeSize)),
  );
}

/** Where each record of these partitions sits in the log: partition key → sort key → leaf index. */
export async function leavesOfPartitions(log: LogStore, keys: readonly RecordKey[]): Promise<Map<string, Map<string, number>>> {
  const partitions = [...new Set(keys.map((k) => k.pk))];
  return new Map(await Promise.all(partitions.map(async (pk) => [pk, await log.leavesOfPartition(pk)] as const)));
}

export async function proofHashes(log: LogStore, treeSize: number, proofs: readonly LeafRange[][]): Promise<string[][]> {
  const refs = proofs.flat().flatMap(nodesOfRange);
  const tiles = await log.tiles(refs.map((ref) => tileOf(ref, treeSize).tile));
  return proofs.map((ranges) => ranges.map((r) => toBase64(rangeHash(r, (ref) => nodeFromTiles(ref, treeSize, tiles)))));
}
