import type { Deps } from '../ports/deps.ts';
import type { DueItem, DueKind } from '../model/due-item.ts';
import { expireGrant } from './expire-grant.ts';
import { markOverdue } from './mark-overdue.ts';

/** What each kind of due work does; every one is idempotent, so a crash mid-sweep is harmless. */
const WORK: Record<DueKind, (deps: Deps, payload: Record<string, any>) => Promise<unknown>> = {
  'grant-expiry': (deps, p) => expireGrant(deps, { grantId: p.grantId, twinId: p.twinId, version: p.version }),
  'takedown-deadline': (deps, p) => markOverdue(deps, p.takedownId),
  'webhook-retry': (deps, p) =>
    deps.publisher.publish([{ detailType: 'Takedown Delivery Due', detail: { takedownId: p.takedownId, attempt: p.attempt } }]),
};

export interface SweepResult {
  fired: number;
  byKind: Partial<Record<DueKind, number>>;
  /** Takedowns newly found overdue: the metric the overdue alarm watches. */
  overdue: number;
}

/**
 * Does all work that is due by now: expiries, takedown deadlines, webhook retries. Runs
 * every minute deployed (EventBridge Scheduler) and every second locally; anything due
 * while nothing ran (a stopped local runtime) is simply due at the next sweep.
 * An item is removed only after its work succeeded.
 */
export async function sweepDue(deps: Deps, limit = 200): Promise<SweepResult> {
  const items = await deps.due.due(deps.clock.now(), limit);
  const result: SweepResult = { fired: items.length, byKind: {}, overdue: 0 };
  for (const item of items) {
    const outcome = await fire(deps, item);
    result.byKind[item.kind] = (result.byKind[item.kind] ?? 0) + 1;
    if (item.kind === 'takedown-deadline' && outcome === 'processed') result.overdue++;
  }
  return result;
}

async function fire(deps: Deps, item: DueItem): Promise<unknown> {
  const outcome = await WORK[item.kind](deps, item.payload);
  await deps.due.remove(item);
  return outcome;
}
