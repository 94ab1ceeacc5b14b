import type { QueryDeps } from './query-deps.ts';

/** A twin as the directory knows it: who it belongs to and to whom it was licensed. */
export interface TwinSummary {
  twinId: string;
  talentIds: string[];
  licensees: string[];
  /** Grants ever given for the twin (revoked and expired ones included). */
  grants: number;
}

export interface TwinList {
  prefix: string;
  twins: TwinSummary[];
  /** More twins match than were listed: narrow the prefix. */
  more: boolean;
}

/** How many twins one answer lists at most, and the default. */
export const MAX_TWINS_LISTED = 200;
export const DEFAULT_TWINS_LISTED = 50;

/** Directory entries read per page; a twin with many grants spans several. */
const DIRECTORY_PAGE = 100;
/** Pages read at most: a prefix matching twins with hundreds of grants each still answers in bounded time. */
const MAX_DIRECTORY_PAGES = 20;

/**
 * The twins whose id starts with `prefix` ('' lists from the first), in id order, at most
 * `limit`. The directory has one entry per grant, so entries are folded per twin.
 */
export async function findTwins(deps: QueryDeps, prefix: string, limit = DEFAULT_TWINS_LISTED): Promise<TwinList> {
  const want = Math.min(Math.max(1, limit), MAX_TWINS_LISTED);
  const byTwin = new Map<string, { talents: Set<string>; licensees: Set<string>; grants: number }>();
  let cursor: string | undefined;
  let more = false;
  for (let page = 0; page < MAX_DIRECTORY_PAGES; page++) {
    const { items, cursor: next } = await deps.queries.twinDirectoryPage(prefix, cursor, DIRECTORY_PAGE);
    for (const entry of items) {
      let twin = byTwin.get(entry.twinId);
      if (twin === undefined) {
        // One more twin than asked for means there are more; its entries are not needed.
        if (byTwin.size === want) {
          more = true;
          break;
        }
        twin = { talents: new Set(), licensees: new Set(), grants: 0 };
        byTwin.set(entry.twinId, twin);
      }
      twin.talents.add(entry.talentId);
      twin.licensees.add(entry.licensee);
      twin.grants++;
    }
    cursor = next;
    if (more || cursor === undefined) break;
  }
  // Out of pages with entries left: say so rather than pretend the list is whole.
  if (cursor !== undefined) more = true;
  const twins = [...byTwin].map(([twinId, t]) => ({
    twinId,
    talentIds: [...t.talents].sort(),
    licensees: [...t.licensees].sort(),
    grants: t.grants,
  }));
  return { prefix, twins, more };
}
