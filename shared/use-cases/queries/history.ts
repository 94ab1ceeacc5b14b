import type { AuditRecord } from '../../model/records.ts';
import type { TimeWindow } from '../../ports/query-store.ts';
import type { QueryDeps } from './query-deps.ts';

export interface TwinHistory {
  twinId: string;
  window: TimeWindow;
  /** Audit lines in time order: grants, revocations, decisions with reasons and grant versions, placements, takedowns. */
  entries: AuditRecord[];
  /** More lines follow: pass this back as `cursor` to read on. */
  cursor?: string;
  cut: boolean;
}

export const DEFAULT_HISTORY_LIMIT = 200;
export const MAX_HISTORY_LIMIT = 1000;
const AUDIT_PAGE = 100;

/** The twin's audit trail within `window`, at most `limit` lines per answer (the trail itself is never cut short). */
export async function twinHistory(
  deps: QueryDeps,
  twinId: string,
  window: TimeWindow,
  options: { limit?: number; cursor?: string } = {},
): Promise<TwinHistory> {
  const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT));
  const entries: AuditRecord[] = [];
  let cursor = options.cursor;
  do {
    const page = await deps.queries.auditPage(twinId, window, cursor, Math.min(AUDIT_PAGE, limit - entries.length));
    entries.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && entries.length < limit);
  // A full last page comes with a cursor too: look before saying more follow.
  if (cursor !== undefined && (await deps.queries.auditPage(twinId, window, cursor, 1)).items.length === 0) cursor = undefined;
  return { twinId, window, entries, ...(cursor === undefined ? {} : { cursor }), cut: cursor !== undefined };
}

/** A takedown as a batch's `requested` line lists it (`batchRequestedLines` in audit-lines.ts). */
export interface ListedTakedown {
  takedownId: string;
  channel: string;
  placementId: string;
  reason: string;
}

/**
 * The takedowns a batch's `requested` line lists, or `undefined` for any other line: a fan-out
 * records a batch of up to 10 takedowns in one line per twin, so a reader that shows lines
 * one per takedown must look inside it.
 */
export function takedownsListed(e: Pick<AuditRecord, 'kind' | 'request'>): ListedTakedown[] | undefined {
  const listed = e.kind === 'takedown' ? e.request['takedowns'] : undefined;
  return Array.isArray(listed) ? (listed as ListedTakedown[]) : undefined;
}
