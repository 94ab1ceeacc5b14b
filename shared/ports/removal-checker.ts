import type { RemovalProbe } from '../model/removal.ts';

/**
 * Looks at a placement's URL once: one GET, bounded in time and bytes, no redirects
 * followed. Never rejects: every failure is a probe of kind `refused` or `error`.
 */
export interface RemovalChecker {
  check(url: string): Promise<RemovalProbe>;
}
