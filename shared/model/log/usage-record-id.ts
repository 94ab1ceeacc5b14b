import type { UsageRecord } from '../records.ts';

/**
 * The id of a usage record (one paid use, a line of a talent's statement) in the log:
 * `usage:<talentId>#<at>#<kind>#<refId>#<twinId>`, the three ids URI-encoded so that none
 * can contain a `#`. It names exactly one stored record (the usage ledger's key is made of
 * the same five parts), so `npm run log -- prove --record usage:…` proves it like any audit
 * record's `<kind>:<business id>`. verifier/statement.ts recomputes it from the record.
 */
export type UsageRef = Pick<UsageRecord, 'talentId' | 'at' | 'kind' | 'refId' | 'twinId'>;

export const USAGE_RECORD_PREFIX = 'usage:';
const KINDS: readonly string[] = ['render', 'placement'] satisfies UsageRecord['kind'][];
/** An ISO-8601 instant as TwinGuard's clocks write it: no `#`, no `%`. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
/** Three ids of at most 256 characters, each encoding to at most 9 bytes a character, and the rest. */
const MAX_ID_LENGTH = 3 * 256 * 9 + 100;

export function usageRecordId(u: UsageRef): string {
  return `${USAGE_RECORD_PREFIX}${encodeURIComponent(u.talentId)}#${u.at}#${u.kind}#${encodeURIComponent(u.refId)}#${encodeURIComponent(u.twinId)}`;
}

/** The parts of a usage record id, or undefined when `recordId` is not one. */
export function parseUsageRecordId(recordId: string): UsageRef | undefined {
  if (!recordId.startsWith(USAGE_RECORD_PREFIX) || recordId.length > MAX_ID_LENGTH) return undefined;
  const parts = recordId.slice(USAGE_RECORD_PREFIX.length).split('#');
  if (parts.length !== 5) return undefined;
  const [talent, at, kind, ref, twin] = parts as [string, string, string, string, string];
  if (!INSTANT.test(at) || !KINDS.includes(kind)) return undefined;
  try {
    const ids = [talent, ref, twin].map((p) => decodeURIComponent(p));
    if (ids.some((id) => id === '')) return undefined;
    const [talentId, refId, twinId] = ids as [string, string, string];
    const parsed = { talentId, at, kind: kind as UsageRecord['kind'], refId, twinId };
    // One spelling per record: an id encoded otherwise (`%41` for `A`) is not this record's id.
    return usageRecordId(parsed) === recordId ? parsed : undefined;
  } catch {
    return undefined;
  }
}
