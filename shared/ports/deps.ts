import type { ChannelSenders, RoleAccounts, RoleSources } from '../model/events/roles.ts';
import type { ConsentStore } from './consent-store.ts';
import type { DueQueue } from './due-queue.ts';
import type { FanoutStore } from './fanout-store.ts';
import type { Clock, EventPublisher, IdGenerator } from './ports.ts';
import type { Signer } from './signer.ts';
import type { GoneStatuses, RemovalSchedule } from '../model/removal.ts';
import type { RemovalChecker } from './removal-checker.ts';
import type { CertificateStore } from './certificate-store.ts';

/** Deployment settings the domain needs. */
export interface Settings {
  sources: RoleSources;
  /** The AWS accounts allowed to act in each role; an event from any other account is rejected. */
  accounts: RoleAccounts;
  /** Which accounts may report on each channel's takedowns (see `ChannelSenders`). */
  channelSenders: ChannelSenders;
  /** Time from `Takedown Requested` to its `deadline`. */
  takedownSlaSeconds: number;
  /** How many placements one invocation re-evaluates before it hands over to the next. */
  reevaluationBudget: number;
  /**
   * A fan-out job that saved no page for this long has lost its driver (a crash, an event in
   * a dead-letter queue): its watchdog resumes it. 10 locally.
   * @default 300 (`DEFAULT_JOB_STALL_SECONDS`)
   */
  jobStallSeconds?: number;
  /**
   * How many times, how far apart, a completed takedown's URL is looked at before it is
   * `Removal Unverified`. Seconds locally.
   * @default DEFAULT_REMOVAL_SCHEDULE (3 looks, 300 s apart)
   */
  removalSchedule?: RemovalSchedule;
  /**
   * Per channel, the HTTP statuses a look takes for "gone" (docs/channels.md, Removal rules).
   * @default 404 and 410 on every channel
   */
  goneStatuses?: GoneStatuses;
}

/** Everything a use case touches, passed in (ports and adapters). */
export interface Deps {
  store: ConsentStore;
  fanout: FanoutStore;
  due: DueQueue;
  publisher: EventPublisher;
  clock: Clock;
  ids: IdGenerator;
  settings: Settings;
  /**
   * Signs consent credentials (the transparency log's key): approvals carry one when it is
   * given. The functions that approve have it; the others need none.
   */
  credentials?: Signer;
  /** Looks at a completed takedown's URL (verified removal); the sweeper has it. */
  removal?: RemovalChecker;
  /** Keeps the certificates of removal; the sweeper, which issues them, has it (with `credentials` to sign them). */
  certificates?: CertificateStore;
}
