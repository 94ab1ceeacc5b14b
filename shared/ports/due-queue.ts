import type { DueItem } from '../model/due-item.ts';

/** The port the sweeper uses to find and settle due work. */
export interface DueQueue {
  /** Up to `limit` items due at or before `now`, oldest first per shard. */
  due(now: Date, limit: number): Promise<DueItem[]>;
  schedule(item: DueItem): Promise<void>;
  remove(item: DueItem): Promise<void>;
}
