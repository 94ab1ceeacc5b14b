import type { LoggedRecord, RecordKey } from '../model/log/records.ts';
import type { SignedTreeHead } from '../model/log/tree-head.ts';
import type { LogStore } from '../ports/log-store.ts';
import { inclusionPaths, leavesOfPartitions } from './log-proofs.ts';
import type { QueryDeps } from './queries/query-deps.ts';
import { type CurrencyTotal, type StatementLine, statement } from './queries/statement.ts';

export const STATEMENT_FORMAT = 'twinguard.statement/v1';

/**
 * A statement line with what proves it: the usage record it was read from, as stored, and
 * that record's inclusion path against the statement's signed head. A line whose record is
 * not sealed yet is listed all the same, `sealed: false`, with its record and no proof.
 */
export type ProvenStatementLine = StatementLine &
  ({ sealed: true; leafIndex: number; record: LoggedRecord; proof: string[] } | { sealed: false; record?: LoggedRecord });

/** A talent's statement for a month that an agency can check offline with the log's public key (verifier/statement.ts). */
export interface ProvenStatement {
  format: typeof STATEMENT_FORMAT;
  talentId: string;
  month: string;
  issuedAt: string;
  treeHead: SignedTreeHead | null;
  lines: ProvenStatementLine[];
  totals: CurrencyTotal[];
  cut: boolean;
}

/**
 * The statement of `talentId` for `month`, each line with the inclusion proof of its usage
 * record against the latest signed head. The head is read first, so a record sealed while
 * this runs is reported unsealed rather than proven against a tree that does not hold it.
 */
export async function provenStatement(deps: QueryDeps & { log: LogStore }, talentId: string, month: string): Promise<ProvenStatement> {
  const { log } = deps;
  const head = await log.latestHead();
  const s = await statement(deps, talentId, month);
  const keys = await Promise.all(s.lines.map(async (l) => (await log.keysOfRecordId(l.recordId))[0]));
  const found = keys.filter((k): k is RecordKey => k !== undefined);
  const stored = new Map<string, LoggedRecord>();
  for (const r of await log.records(found)) if (r !== undefined) stored.set(`${r.pk}\n${r.sk}`, r);
  const leavesOf = await leavesOfPartitions(log, found);

  const sealed: { position: number; leafIndex: number }[] = [];
  const records = keys.map((key, position) => {
    const record = key === undefined ? undefined : stored.get(`${key.pk}\n${key.sk}`);
    const leafIndex = key === undefined ? undefined : leavesOf.get(key.pk)?.get(key.sk);
    if (record !== undefined && head !== undefined && leafIndex !== undefined && leafIndex < head.treeSize)
      sealed.push({ position, leafIndex });
    return record;
  });
  const paths = head === undefined ? [] : await inclusionPaths(log, head, sealed);
  const proofOf = new Map(sealed.map((x, i) => [x.position, { leafIndex: x.leafIndex, proof: paths[i]! }]));
  const lines = s.lines.map((line, position): ProvenStatementLine => {
    const record = records[position];
    const proven = proofOf.get(position);
    if (record !== undefined && proven !== undefined)
      return { ...line, sealed: true, leafIndex: proven.leafIndex, record, proof: proven.proof };
    return { ...line, sealed: false, ...(record === undefined ? {} : { record }) };
  });
  return {
    format: STATEMENT_FORMAT,
    talentId: s.talentId,
    month: s.month,
    issuedAt: deps.clock.now().toISOString(),
    treeHead: head ?? null,
    lines,
    totals: s.totals,
    cut: s.cut,
  };
}
