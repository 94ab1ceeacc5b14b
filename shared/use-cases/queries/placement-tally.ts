import type { PlacementRecord, PlacementStatus } from '../../model/records.ts';
import type { PlacementOwner } from '../../ports/query-store.ts';
import { MAX_PLACEMENTS_READ, PLACEMENT_PAGE, type QueryDeps } from './query-deps.ts';

export interface StateCounts {
  live: number;
  takedownRequested: number;
  takenDown: number;
  failed: number;
  /** Takedowns past their deadline and still unconfirmed: part of requested or failed, not added to `total`. */
  overdue: number;
  total: number;
}

export interface OpenTakedown {
  takedownId: string;
  channel: string;
  placementId: string;
  reason: string;
  requestedAt: string;
  deadline: string;
  overdue: boolean;
  attempts: number;
  status: PlacementStatus;
}

/** At most this many open takedowns are listed (all are counted). */
export const MAX_OPEN_TAKEDOWNS_LISTED = 100;

export interface PlacementTally {
  totals: StateCounts;
  byChannel: ({ channel: string } & StateCounts)[];
  /** Live placements per territory (a placement shown in three territories counts in each). */
  liveByTerritory: { territory: string; live: number }[];
  /** Open takedowns (requested or failed), earliest deadline first, at most MAX_OPEN_TAKEDOWNS_LISTED. */
  openTakedowns: OpenTakedown[];
  openTakedownsCut: boolean;
  /** Placements read; when `cut`, the owner has more than MAX_PLACEMENTS_READ and the counts are of the first ones. */
  read: number;
  cut: boolean;
}

export function emptyCounts(): StateCounts {
  return { live: 0, takedownRequested: 0, takenDown: 0, failed: 0, overdue: 0, total: 0 };
}

export function countInto(counts: StateCounts, p: Pick<PlacementRecord, 'status' | 'takedown'>): void {
  counts.total++;
  if (p.status === 'live') counts.live++;
  else if (p.status === 'takedown-requested') counts.takedownRequested++;
  else if (p.status === 'taken-down') counts.takenDown++;
  else if (p.status === 'takedown-failed') counts.failed++;
  if (p.takedown?.overdue === true && p.status !== 'taken-down') counts.overdue++;
}

/**
 * Reads the owner's placements page by page (bounded: MAX_PLACEMENTS_READ) and hands each
 * one that `keep` accepts to `visit`. Answers how many were read and whether it stopped early.
 */
export async function eachPlacement(
  deps: QueryDeps,
  owner: PlacementOwner,
  visit: (p: PlacementRecord) => void,
  max = MAX_PLACEMENTS_READ,
): Promise<{ read: number; cut: boolean }> {
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await deps.queries.placementPage(owner, cursor, Math.min(PLACEMENT_PAGE, max - read));
    cursor = page.cursor;
    if (page.items.length === 0) continue;
    read += page.items.length;
    for (const p of await deps.queries.placements(page.items)) visit(p);
  } while (cursor !== undefined && read < max);
  // DynamoDB hands back a cursor whenever a page is full, even the last one: look before saying "cut".
  const cut = cursor !== undefined && (await deps.queries.placementPage(owner, cursor, 1)).items.length > 0;
  return { read, cut };
}

/** Tallies the owner's placements that `keep` accepts, by state, channel and territory, with the open takedowns. */
export async function tallyPlacements(
  deps: QueryDeps,
  owner: PlacementOwner,
  keep: (p: PlacementRecord) => boolean,
  max = MAX_PLACEMENTS_READ,
): Promise<PlacementTally> {
  const totals = emptyCounts();
  const channels = new Map<string, StateCounts>();
  const territories = new Map<string, number>();
  const open: OpenTakedown[] = [];
  let openCount = 0;
  const { read, cut } = await eachPlacement(
    deps,
    owner,
    (p) => {
      if (!keep(p)) return;
      countInto(totals, p);
      const channel = channels.get(p.channel) ?? emptyCounts();
      channels.set(p.channel, channel);
      countInto(channel, p);
      if (p.status === 'live') for (const t of p.territories) territories.set(t, (territories.get(t) ?? 0) + 1);
      const t = p.takedown;
      if (t !== undefined && (p.status === 'takedown-requested' || p.status === 'takedown-failed')) {
        openCount++;
        open.push({
          takedownId: t.takedownId,
          channel: p.channel,
          placementId: p.placementId,
          reason: t.reason,
          requestedAt: t.requestedAt,
          deadline: t.deadline,
          overdue: t.overdue === true,
          attempts: t.attempts,
          status: p.status,
        });
        // Keeps the list bounded while reading: the earliest deadlines stay.
        if (open.length > 2 * MAX_OPEN_TAKEDOWNS_LISTED) trim(open);
      }
    },
    max,
  );
  trim(open);
  return {
    totals,
    byChannel: [...channels].sort(([a], [b]) => (a < b ? -1 : 1)).map(([channel, counts]) => ({ channel, ...counts })),
    liveByTerritory: [...territories].sort(([a], [b]) => (a < b ? -1 : 1)).map(([territory, live]) => ({ territory, live })),
    openTakedowns: open,
    openTakedownsCut: openCount > open.length,
    read,
    cut,
  };
}

function trim(open: OpenTakedown[]): void {
  open.sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0));
  open.length = Math.min(open.length, MAX_OPEN_TAKEDOWNS_LISTED);
}
