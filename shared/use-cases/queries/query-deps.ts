import type { Clock } from '../../ports/ports.ts';
import type { QueryStore } from '../../ports/query-store.ts';

/** What the queries read through: they never write and never publish. */
export interface QueryDeps {
  queries: QueryStore;
  clock: Clock;
}

/**
 * How many placements one answer reads at most (200 Queries and BatchGetItems). A twin or a
 * grant with more is answered from the first ones, and the answer says it was cut.
 */
export const MAX_PLACEMENTS_READ = 20_000;

/** Placements per page: one Query and one BatchGetItem. */
export const PLACEMENT_PAGE = 100;
