/** Something that must happen at `dueAt`; see `dueKeys` for where it is kept. */
export interface DueItem {
  dueAt: string;
  kind: DueKind;
  /** Unique per kind: the same work scheduled twice is one item. */
  id: string;
  payload: Record<string, unknown>;
  /** How many times its work failed so far; absent until the first failure (see `setAsideDelayMs`). */
  failures?: number;
}

export type DueKind =
  | 'grant-expiry'
  | 'takedown-deadline'
  | 'webhook-retry'
  | 'webhook-redelivery'
  | 'job-watchdog'
  | 'removal-check'
  | 'removal-certificate';

/** The wait before a failed item is tried again: 30 s after the first failure, doubling, at most an hour. */
export const SET_ASIDE = Object.freeze({ firstDelayMs: 30_000, maxDelayMs: 3_600_000 });

/**
 * How long an item whose work failed `failures` times (1 = the first failure) waits before
 * the sweeper tries it again. A poison item is tried about once an hour for ever, counted
 * each time (metric `DueItemsFailed`), and never holds up the items behind it.
 */
export function setAsideDelayMs(failures: number, policy: { firstDelayMs: number; maxDelayMs: number } = SET_ASIDE): number {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`failures must be an integer >= 1, got ${failures}`);
  // 2 ** large is Infinity, which min() turns into the cap.
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (failures - 1));
}
