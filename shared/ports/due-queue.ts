import type { DueItem } from '../model/due-item.ts';

/** The port the sweeper uses to find and settle due work. */
export interface DueQueue {
  /** Up to `limit` items due at or before `now`, oldest first per shard. */
  due(now: Date, limit: number): Promise<DueItem[]>;
  schedule(item: DueItem): Promise<void>;
  remove(item: DueItem): Promise<void>;
  /**
   * Replaces `item` by `next` (the same work at another time, e.g. set aside after a failure)
   * in one transaction, so that a crash leaves exactly one of them.
   */
  move(item: DueItem, next: DueItem): Promise<void>;
}
