import { EMPTY_ROOT, rangeHash } from '../model/log/merkle.ts';
import { appendLeaves, edgeTiles, nodeFromTiles, tileKey } from '../model/log/tiles.ts';
import { LOG_ORIGIN, type SignedTreeHead, toBase64, TREE_HEAD_TYP, type TreeHead, treeHeadPayload } from '../model/log/tree-head.ts';
import type { LogDeps } from '../ports/log-deps.ts';
import type { LogState, LogStore } from '../ports/log-store.ts';

export interface SealResult {
  /** Records appended by this run. */
  sealed: number;
  /** Signed heads written by this run. */
  heads: number;
  treeSize: number;
  /** Another sealer holds the log: this run did nothing. */
  busy: boolean;
}

/**
 * Seals what was written since the last seal into the log and signs a tree head. Runs on
 * the sweeper's schedule (every minute deployed, every second locally). Decisions never wait
 * for it: they only add a marker to the pending queue in their own transaction.
 *
 * Primary course:
 * 1. Take the lease; another sealer at work means nothing to do.
 * 2. Finish the record index of the last seal if the sealer that made it died first.
 * 3. Close the queue up to now minus the grace; with nothing pending, stop.
 * 4. Take the pending records after the cursor, whole transactions, in marker order (the
 *    time each transaction was sent, then its first record's key), each with the leaf hash
 *    its writer computed over the record as written; the records themselves are not read.
 * 5. Append the leaves in that order to the tiles and compute the new root.
 * 6. Store the tiles; sign the head; commit head and state together, only if the log is
 *    still where this seal started. The markers stay: they tell which record each leaf is.
 * 7. Index the new leaves by record; go on while records closed at the start of this run
 *    are pending (a backlog larger than one head) and `keepGoing` allows; what was written
 *    since waits for the next run.
 */
export async function sealLog(deps: LogDeps, options: { keepGoing?: () => boolean } = {}): Promise<SealResult> {
  const { log, clock, settings } = deps;
  const owner = deps.ids.next('sealer');
  const started = clock.now();
  const leaseEnds = started.getTime() + settings.leaseMs;
  const result: SealResult = { sealed: 0, heads: 0, treeSize: 0, busy: false };
  // Idle (the usual case at every tick): find that out with reads alone, before writing a lease.
  const glance = await log.state();
  if (glance.indexedThrough >= glance.size && !(await log.hasPending(glance.cursor, closable(deps, glance)))) {
    return { ...result, treeSize: glance.size };
  }
  if (!(await log.acquireLease(owner, started, new Date(leaseEnds)))) return { ...result, busy: true };
  try {
    let state = await log.state();
    state = await finishIndex(log, state);
    // One tick seals what was closable when it began, however many heads that takes, and
    // no more: chasing a `now` that moves while decisions keep coming would close the
    // queue (a write to every fence the writers check) and sign a head many times a second.
    const until = closable(deps, state);
    // Stop early enough that the lease outlives every write of the last seal.
    const timeLeft = () => clock.now().getTime() < leaseEnds - settings.leaseMs / 2 && (options.keepGoing?.() ?? true);
    // The glance found records pending up to a time no later than `until` (unless it had an index to finish first):
    // the first seal need not look again.
    let known = glance.indexedThrough >= glance.size;
    do {
      const sealed = await sealOnce(deps, state, until, known);
      if (sealed === undefined) break;
      state = sealed.state;
      result.sealed += sealed.records;
      result.heads++;
      known = false;
      // A head short of the limit took every marker up to `until`: nothing is left for this run.
      if (sealed.records < settings.maxRecordsPerSeal) break;
    } while (timeLeft());
    result.treeSize = state.size;
    return result;
  } finally {
    await log.releaseLease(owner);
  }
}

async function sealOnce(
  deps: LogDeps,
  state: LogState,
  until: string,
  knownPending: boolean,
): Promise<{ state: LogState; records: number } | undefined> {
  const { log, settings } = deps;
  let through = until > state.closedThrough ? until : state.closedThrough;
  if (!knownPending && !(await log.hasPending(state.cursor, through))) return undefined;
  if (through > state.closedThrough) through = await log.closeThrough(through);
  const batch = await log.pending(state.cursor, through, settings.maxRecordsPerSeal);
  if (batch === undefined) return undefined;

  const { records } = batch;
  const edge = await log.tiles(edgeTiles(state.size));
  const appended = appendLeaves(
    state.size,
    edge,
    records.map((r) => r.leafHash),
  );
  const tiles = new Map(edge);
  for (const tile of appended.tiles) tiles.set(tileKey(tile), tile);
  const root =
    appended.size === 0 ? EMPTY_ROOT : rangeHash({ start: 0, end: appended.size }, (ref) => nodeFromTiles(ref, appended.size, tiles));

  const keys = records.map((r) => r.key);
  await log.writeTiles(appended.tiles);
  const head: TreeHead = {
    origin: LOG_ORIGIN,
    treeSize: appended.size,
    rootHash: toBase64(root),
    timestamp: deps.clock.now().toISOString(),
  };
  const signed: SignedTreeHead = { ...head, jws: await deps.signer.sign(treeHeadPayload(head), TREE_HEAD_TYP) };
  const next: LogState = {
    size: appended.size,
    rootHash: head.rootHash,
    cursor: batch.cursor,
    closedThrough: through,
    indexedThrough: state.size,
  };
  await log.commitHead(state, next, signed);
  await log.indexLeaves(next, state.size, keys);
  return { state: { ...next, indexedThrough: next.size }, records: records.length };
}

/** How far the queue may be closed now: now minus the grace, never earlier than a close already made (a clock set back must not reopen it). */
function closable(deps: LogDeps, state: LogState): string {
  const target = new Date(deps.clock.now().getTime() - deps.settings.graceMs).toISOString();
  return [target, state.closedThrough].sort().at(-1)!;
}

/** A sealer died between committing a head and indexing its leaves: index them now, from the markers the head sealed. */
async function finishIndex(log: LogStore, state: LogState): Promise<LogState> {
  if (state.indexedThrough >= state.size) return state;
  const leaves = await log.leaves(state.indexedThrough, state.size);
  await log.indexLeaves(
    state,
    state.indexedThrough,
    leaves.map((l) => l.key),
  );
  return { ...state, indexedThrough: state.size };
}
