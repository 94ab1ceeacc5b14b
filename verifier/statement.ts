import { checkRecordProof } from './record-proof.ts';
import { decodeHash, type VerifiedTreeHead, verifyTreeHead } from './tree-head.ts';

/**
 * Checks a talent's monthly statement with proofs (`twinguard statement --proofs FILE`)
 * with the log's public keys alone: every sealed line is a usage record sealed in the signed
 * log, with exactly the line's figures; no use is paid twice; the totals are the sums of
 * the lines. A line not sealed yet is counted, not proven. Nothing here throws on bad input.
 */

export const STATEMENT_FORMAT = 'twinguard.statement/v1';
/** More lines than this is not a statement TwinGuard writes (it reads at most 5,000). */
export const MAX_STATEMENT_FILE_LINES = 20_000;
/** Ids are at most 256 characters, a usage record id three of them encoded; anything longer is refused unread. */
const MAX_FIELD_LENGTH = 8_192;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
/** What the usage record holds, and the line must say alike. */
const FIGURES = ['talentId', 'twinId', 'grantId', 'kind', 'amount', 'currency', 'refId', 'at'] as const;

export interface StatementLineFailure {
  /** Position in the statement's `lines`. */
  position: number;
  /** The line's record id, as far as it can be read. */
  recordId: string;
  reason: string;
}

export interface StatementTotal {
  currency: string;
  renders: number;
  placements: number;
  amount: number;
}

export interface StatementReport {
  /** The head verifies, every sealed line is proven and matches its record, no use is paid twice, and the totals add up. */
  ok: boolean;
  /** What is wrong with the statement as a whole (its shape, its head, its totals), if anything. */
  reason?: string;
  talentId?: string;
  month?: string;
  treeHead?: VerifiedTreeHead;
  lines: number;
  /** Lines proven to be sealed usage records with the line's figures. */
  verified: number;
  /** Lines listed as not sealed yet: counted in the totals, not proven either way. */
  unsealed: number;
  failures: StatementLineFailure[];
  /** The totals recomputed from the lines (all of them, unsealed included), per currency. */
  totals: StatementTotal[];
}

export async function verifyStatement(doc: unknown, jwks: unknown): Promise<StatementReport> {
  const report: StatementReport = { ok: false, lines: 0, verified: 0, unsealed: 0, failures: [], totals: [] };
  const refuse = (reason: string): StatementReport => ({ ...report, ok: false, reason });
  if (!isObject(doc) || doc['format'] !== STATEMENT_FORMAT) return refuse(`not a statement (format ${STATEMENT_FORMAT})`);
  const { talentId, month, lines, totals } = doc;
  if (typeof talentId !== 'string' || talentId === '' || talentId.length > MAX_FIELD_LENGTH) return refuse('the statement names no talent');
  if (typeof month !== 'string' || !MONTH.test(month)) return refuse('the statement names no month (YYYY-MM)');
  report.talentId = talentId;
  report.month = month;
  if (!Array.isArray(lines)) return refuse('the statement has no lines');
  if (lines.length > MAX_STATEMENT_FILE_LINES)
    return refuse(`the statement has ${lines.length} lines, more than ${MAX_STATEMENT_FILE_LINES}`);
  if (!Array.isArray(totals)) return refuse('the statement has no totals');
  report.lines = lines.length;

  let head: VerifiedTreeHead | undefined;
  if (lines.some((l) => isObject(l) && l['sealed'] === true)) {
    const checked = await signedHead(doc['treeHead'], jwks);
    if (!checked.ok) return refuse(checked.reason);
    head = checked.value;
    report.treeHead = head;
  }

  const leaves = new Map<number, number>();
  const uses = new Map<string, number>();
  const counted: Line[] = [];
  lines.forEach((line, position) => {
    const recordId = isObject(line) && typeof line['recordId'] === 'string' ? line['recordId'].slice(0, 200) : '(none)';
    const problem = checkLine(line, talentId, month, head, { leaves, uses, position }, counted);
    if (problem !== undefined) report.failures.push({ position, recordId, reason: problem });
    else if ((line as Record<string, unknown>)['sealed'] === true) report.verified++;
    else report.unsealed++;
  });

  report.totals = totalsOf(counted);
  const totalsProblem = compareTotals(totals, report.totals);
  report.ok = report.failures.length === 0 && totalsProblem === undefined;
  return totalsProblem === undefined ? report : { ...report, reason: totalsProblem };
}

interface Line {
  kind: 'render' | 'placement';
  amount: number;
  currency: string;
}

/** Why a line does not hold, or undefined; a line whose figures are well formed is counted towards the totals even if its proof fails. */
function checkLine(
  line: unknown,
  talentId: string,
  month: string,
  head: VerifiedTreeHead | undefined,
  seen: { leaves: Map<number, number>; uses: Map<string, number>; position: number },
  counted: Line[],
): string | undefined {
  if (!isObject(line)) return 'the line is not an object';
  for (const field of ['talentId', 'twinId', 'grantId', 'refId', 'at', 'currency', 'recordId'] as const) {
    const value = line[field];
    if (typeof value !== 'string' || value === '' || value.length > MAX_FIELD_LENGTH) return `the line's ${field} is not an id`;
  }
  const l = line as { [field: string]: unknown } & Record<
    'talentId' | 'twinId' | 'grantId' | 'refId' | 'at' | 'currency' | 'recordId',
    string
  >;
  if (l.kind !== 'render' && l.kind !== 'placement') return 'the line is neither a render nor a placement';
  if (typeof l.amount !== 'number' || !Number.isFinite(l.amount) || l.amount < 0 || l.amount > 1e12)
    return 'the line’s amount is not a sum of money';
  counted.push({ kind: l.kind, amount: l.amount, currency: l.currency });
  if (l.talentId !== talentId) return `the line is of talent ${l.talentId}, not ${talentId}`;
  if (!l.at.startsWith(`${month}-`)) return `the line is of ${l.at}, not of ${month}`;
  const use = `${l.kind} ${l.refId} of twin ${l.twinId}`;
  const twice = seen.uses.get(use);
  if (twice !== undefined) return `the ${use} is paid twice (also line ${twice})`;
  seen.uses.set(use, seen.position);
  if (l.recordId !== usageRecordId(l))
    return `the record id ${l.recordId.slice(0, 200)} is not this line's (${usageRecordId(l).slice(0, 200)})`;

  const record = line['record'];
  if (line['sealed'] !== true) {
    if (line['sealed'] !== false) return 'the line says neither sealed nor not sealed';
    return record === undefined ? undefined : differs(l, record);
  }
  if (head === undefined) return 'the line is sealed but the statement has no signed head';
  const mismatch = differs(l, record);
  if (mismatch !== undefined) return mismatch;
  const leafIndex = line['leafIndex'];
  if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0) return 'the leaf index is not a whole number';
  const other = seen.leaves.get(leafIndex);
  if (other !== undefined) return `leaf ${leafIndex} is claimed twice (also line ${other})`;
  seen.leaves.set(leafIndex, seen.position);
  return checkRecordProof(record, leafIndex, line['proof'], head);
}

/** Why the line's figures are not the usage record's, or undefined when they are. */
function differs(line: Record<string, unknown>, record: unknown): string | undefined {
  if (!isObject(record) || typeof record['pk'] !== 'string' || typeof record['sk'] !== 'string')
    return 'the record is not a stored record (pk, sk)';
  if (record['type'] !== 'usage') return `the record is a ${String(record['type']).slice(0, 40)} record, not a usage record`;
  for (const field of FIGURES) {
    if (record[field] !== line[field]) return `the line's ${field} (${show(line[field])}) is not the record's (${show(record[field])})`;
  }
  return undefined;
}

/** The same id as TwinGuard's model/log/usage-record-id.ts, written again: this folder imports nothing of TwinGuard. */
function usageRecordId(u: Record<string, unknown>): string {
  const enc = (v: unknown) => encodeURIComponent(String(v));
  return `usage:${enc(u['talentId'])}#${String(u['at'])}#${String(u['kind'])}#${enc(u['refId'])}#${enc(u['twinId'])}`;
}

/** Sums in integer ten-thousandths of a unit, as TwinGuard does, so 0.1 + 0.2 is 0.3. */
function totalsOf(lines: readonly Line[]): StatementTotal[] {
  const by = new Map<string, { renders: number; placements: number; units: number }>();
  for (const l of lines) {
    const t = by.get(l.currency) ?? { renders: 0, placements: 0, units: 0 };
    by.set(l.currency, t);
    if (l.kind === 'render') t.renders++;
    else t.placements++;
    t.units += Math.round(l.amount * 10_000);
  }
  return [...by]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, t]) => ({ currency, renders: t.renders, placements: t.placements, amount: t.units / 10_000 }));
}

function compareTotals(stated: unknown[], computed: readonly StatementTotal[]): string | undefined {
  if (stated.length > computed.length + 1000) return 'the statement lists more totals than it has currencies';
  const byCurrency = new Map<string, unknown>();
  for (const t of stated) {
    const currency = isObject(t) && typeof t['currency'] === 'string' ? t['currency'].slice(0, 40) : '?';
    if (byCurrency.has(currency)) return `the totals list ${currency} twice`;
    byCurrency.set(currency, t);
  }
  for (const c of computed) {
    const t = byCurrency.get(c.currency);
    if (!isObject(t)) return `the totals leave out ${c.currency}: its lines add up to ${c.amount}`;
    for (const field of ['amount', 'renders', 'placements'] as const) {
      if (t[field] !== c[field]) return `the ${c.currency} total says ${field} ${show(t[field])}, but the lines add up to ${c[field]}`;
    }
    byCurrency.delete(c.currency);
  }
  const [extra] = byCurrency.keys();
  return extra === undefined ? undefined : `the totals list ${extra}, which no line is paid in`;
}

/** The head's JWS verifies, and the readable copy beside it says the same. */
async function signedHead(head: unknown, jwks: unknown) {
  if (!isObject(head)) return { ok: false as const, reason: 'there is no signed tree head' };
  const verified = await verifyTreeHead(head['jws'], jwks);
  if (!verified.ok) return verified;
  const v = verified.value;
  const root = decodeHash(head['rootHash']);
  if (
    (head['treeSize'] !== undefined && head['treeSize'] !== v.treeSize) ||
    (head['rootHash'] !== undefined && (root === undefined || !sameBytes(root, v.rootHash)))
  ) {
    return { ok: false as const, reason: 'the readable tree size or root beside the signature differs from what was signed' };
  }
  return verified;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value).slice(0, 80);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
