import type { LogStore } from './log-store.ts';
import type { Clock, IdGenerator } from './ports.ts';
import type { Signer } from './signer.ts';

export interface LogSettings {
  /**
   * How long a write may take from its stamp to its commit. The sealer closes the queue up to
   * now minus this; a write still in flight past it is refused and decided again (never lost).
   */
  graceMs: number;
  /** Records per signed head, at most (whole transactions, so a head may hold a few more). */
  maxRecordsPerSeal: number;
  /**
   * How long one sealer holds the log: longer than the sealer's timeout (2 minutes), so two
   * never overlap; after a sealer dies mid-seal, the next one starts once it has expired.
   */
  leaseMs: number;
}

/** Deployed: a minute's grace is nothing to a log sealed every minute, and outlasts any SDK retry. */
export const DEFAULT_LOG_SETTINGS: LogSettings = { graceMs: 30_000, maxRecordsPerSeal: 20_000, leaseMs: 3 * 60_000 };

/** What the log's use cases need. */
export interface LogDeps {
  log: LogStore;
  signer: Signer;
  clock: Clock;
  ids: IdGenerator;
  settings: LogSettings;
}
