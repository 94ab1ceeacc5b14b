import type { Deps } from '../ports/deps.ts';
import { setAsideDelayMs, type DueItem, type DueKind } from '../model/due-item.ts';
import { InvalidInternalEventError } from '../model/errors.ts';
import { expireGrant } from './expire-grant.ts';
import { watchJob } from './job-watchdog.ts';
import { markOverdue } from './mark-overdue.ts';
import { MAX_TAKEDOWNS_PER_DEADLINE } from './takedown.ts';
import { verifyRemoval } from './verify-removal.ts';
import { issueRemovalCertificate } from './removal-certificate.ts';

/**
 * What firing one item did. `again`: keep the item, due at that time, instead of removing it.
 * `failure`: part of its work failed after the rest was done (a deadline item of several
 * takedowns); the item is set aside, and what was done still counts.
 */
interface Fired {
  overdue?: number;
  resumedJob?: boolean;
  again?: string;
  /** The payload of the item due `again`, when it changes (the next look's number). */
  payload?: Record<string, unknown>;
  failure?: unknown;
  removal?: 'verified' | 'unverified';
}

/** What each kind of due work does; every one is idempotent, so a crash mid-sweep is harmless. */
const WORK: Record<DueKind, (deps: Deps, item: DueItem) => Promise<Fired>> = {
  'grant-expiry': async (deps, item) => {
    await expireGrant(deps, { grantId: text(item, 'grantId'), twinId: text(item, 'twinId'), version: whole(item, 'version') });
    return {};
  },
  'takedown-deadline': async (deps, item) => {
    // Each takedown of a batch is checked even if one before it fails: one poison delays only itself.
    let overdue = 0;
    let failure: unknown;
    for (const takedownId of takedownIdsOf(item)) {
      try {
        if ((await markOverdue(deps, takedownId)) === 'processed') overdue++;
      } catch (error) {
        failure ??= error;
      }
    }
    return { overdue, ...(failure === undefined ? {} : { failure }) };
  },
  'webhook-retry': async (deps, item) => {
    const detail = { takedownId: text(item, 'takedownId'), attempt: whole(item, 'attempt') };
    await deps.publisher.publish([{ detailType: 'Takedown Delivery Due', detail }]);
    return {};
  },
  // A final failure delivered again, slowly, until the channel confirms or an operator closes it.
  'webhook-redelivery': async (deps, item) => {
    const detail = { takedownId: text(item, 'takedownId'), attempt: whole(item, 'attempt'), redelivery: true };
    await deps.publisher.publish([{ detailType: 'Takedown Delivery Due', detail }]);
    return {};
  },
  'job-watchdog': async (deps, item) => {
    const watched = await watchJob(deps, item);
    return { resumedJob: watched.resumed, ...(watched.again === undefined ? {} : { again: watched.again }) };
  },
  // One look at a completed takedown's URL; looked at again until gone or the last look.
  'removal-check': async (deps, item) => {
    const look = await verifyRemoval(deps, item);
    return {
      ...(look.again === undefined ? {} : { again: look.again, payload: look.payload }),
      ...(look.outcome === undefined ? {} : { removal: look.outcome }),
    };
  },
  // A closure of one of a job's takedowns: issue its certificate of removal if it was the last.
  'removal-certificate': async (deps, item) => {
    await issueRemovalCertificate(deps, text(item, 'jobId'));
    return {};
  },
};

/**
 * Removal looks one sweep takes at most: each may wait its 5 s timeout, and the sweeper has
 * 2 minutes for everything (12 × 5 s = 1 min, leaving the other work its time). More wait
 * for the next sweep, a minute later.
 */
export const MAX_REMOVAL_LOOKS_PER_SWEEP = 12;

/** An item whose work threw: set aside (or not, when even that failed). */
export interface DueFailure {
  kind: string;
  id: string;
  /** Failures of this item so far, this one included. */
  failures: number;
  error: unknown;
  /** When it will be tried again; absent when setting it aside failed too (it is still due). */
  retryAt?: string;
}

export interface SweepResult {
  /** Items taken up, whether their work succeeded or not. */
  fired: number;
  byKind: Partial<Record<DueKind, number>>;
  /** Takedowns newly found overdue: the metric the overdue alarm watches. */
  overdue: number;
  /** Fan-out jobs found stalled and resumed by their watchdog: the metric of the stuck-job alarm. */
  jobsResumed: number;
  /** Removal verifications that ended in this sweep, by outcome. */
  removals: { verified: number; unverified: number };
  /** Items whose work failed (metric `DueItemsFailed`); each was set aside unless `retryAt` is absent. */
  failed: DueFailure[];
}

/**
 * Does all work that is due by now: expiries, takedown deadlines, webhook retries and
 * redeliveries, fan-out watchdogs, looks at completed takedowns' URLs, certificates of removal. Runs every minute deployed (EventBridge Scheduler) and
 * every second locally; anything due while nothing ran (a stopped local runtime) is simply
 * due at the next sweep. An item is removed only after its work succeeded.
 *
 * Each item stands alone: one whose work throws (a poison payload, a write DynamoDB
 * refuses) is set aside, due again after a backoff (30 s, doubling, at most 1 h) with its
 * failure count, and reported; the items after it fire as if it were not there.
 */
export async function sweepDue(deps: Deps, limit = 200): Promise<SweepResult> {
  const now = deps.clock.now();
  const items = await deps.due.due(now, limit);
  const result: SweepResult = {
    fired: 0,
    byKind: {},
    overdue: 0,
    jobsResumed: 0,
    removals: { verified: 0, unverified: 0 },
    failed: [],
  };
  let looks = 0;
  for (const item of items) {
    // A look may take its whole timeout: past the bound, the rest wait (still due) for the next sweep.
    if (item.kind === 'removal-check' && ++looks > MAX_REMOVAL_LOOKS_PER_SWEEP) continue;
    result.fired++;
    result.byKind[item.kind] = (result.byKind[item.kind] ?? 0) + 1;
    try {
      const fired = await fire(deps, item);
      result.overdue += fired.overdue ?? 0;
      if (fired.resumedJob) result.jobsResumed++;
      if (fired.removal !== undefined) result.removals[fired.removal]++;
      if (fired.failure !== undefined) result.failed.push(await setAside(deps, item, now, fired.failure));
    } catch (error) {
      result.failed.push(await setAside(deps, item, now, error));
    }
  }
  return result;
}

async function fire(deps: Deps, item: DueItem): Promise<Fired> {
  const work = Object.hasOwn(WORK, item.kind) ? WORK[item.kind] : undefined;
  if (work === undefined) throw new InvalidInternalEventError(`due item ${item.id}: unknown kind "${item.kind}"`);
  const fired = await work(deps, item);
  if (fired.failure !== undefined) return fired;
  if (fired.again === undefined) await deps.due.remove(item);
  else await deps.due.move(item, { dueAt: fired.again, kind: item.kind, id: item.id, payload: fired.payload ?? item.payload });
  return fired;
}

async function setAside(deps: Deps, item: DueItem, now: Date, error: unknown): Promise<DueFailure> {
  const failures = (item.failures ?? 0) + 1;
  const retryAt = new Date(now.getTime() + setAsideDelayMs(failures)).toISOString();
  const failure: DueFailure = { kind: item.kind, id: item.id, failures, error };
  try {
    await deps.due.move(item, { ...item, dueAt: retryAt, failures });
    return { ...failure, retryAt };
  } catch {
    // The store refuses even this (an outage): the item stays due and is tried at the next sweep.
    return failure;
  }
}

function text(item: DueItem, name: string): string {
  const value = item.payload[name];
  if (typeof value !== 'string' || value === '') throw new InvalidInternalEventError(`${item.kind} ${item.id}: payload.${name} is missing`);
  return value;
}

/** A deadline item names one takedown (`takedownId`) or a batch of them (`takedownIds`). */
function takedownIdsOf(item: DueItem): string[] {
  const ids = item.payload.takedownIds;
  if (ids === undefined) return [text(item, 'takedownId')];
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > MAX_TAKEDOWNS_PER_DEADLINE ||
    ids.some((id) => typeof id !== 'string' || id === '')
  )
    throw new InvalidInternalEventError(
      `${item.kind} ${item.id}: payload.takedownIds must be 1 to ${MAX_TAKEDOWNS_PER_DEADLINE} takedown ids`,
    );
  return ids as string[];
}

function whole(item: DueItem, name: string): number {
  const value = item.payload[name];
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new InvalidInternalEventError(`${item.kind} ${item.id}: payload.${name} must be a whole number`);
  return value;
}
