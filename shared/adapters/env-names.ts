/**
 * Every environment variable the construct sets and the functions read, named once: the
 * construct (infra/), the functions' configuration readers and the local runtime all import
 * this, so a renamed variable cannot leave one side reading what the other no longer sets.
 */
export const ENV = {
  consentTable: 'CONSENT_TABLE_NAME',
  auditTable: 'AUDIT_TABLE_NAME',
  eventBus: 'EVENT_BUS_NAME',
  takedownSla: 'TAKEDOWN_SLA_SECONDS',
  reevaluationBudget: 'REEVALUATION_BUDGET',
  /** After how long without progress a fan-out job's watchdog resumes it. */
  jobStall: 'JOB_STALL_SECONDS',
  /** Verified removal: seconds between looks at a completed takedown's URL (300 deployed, 1 locally). */
  removalCheckInterval: 'REMOVAL_CHECK_INTERVAL_SECONDS',
  /** Verified removal: looks before `Removal Unverified` (3). */
  removalChecks: 'REMOVAL_CHECKS',
  /** Verified removal: per channel, the statuses that mean gone, as JSON `{"<channel>": [404, 410, 451]}` (default 404 and 410). */
  removalGoneStatuses: 'REMOVAL_GONE_STATUSES',
  /** Local runtime only, never set by the construct: `1` lets removal checks use http and loopback or private addresses. */
  removalCheckAllowLocal: 'REMOVAL_CHECK_ALLOW_LOCAL',
  sources: { consent: 'SOURCE_CONSENT', studio: 'SOURCE_STUDIO', publisher: 'SOURCE_PUBLISHER', channel: 'SOURCE_CHANNEL' },
  /** Each role's AWS accounts, comma-separated; required: a function never guesses who may act. */
  accounts: { consent: 'ACCOUNTS_CONSENT', studio: 'ACCOUNTS_STUDIO', publisher: 'ACCOUNTS_PUBLISHER', channel: 'ACCOUNTS_CHANNEL' },
  /** JSON `{ "<channel>": ["<account>", ...] }`: who may report on each channel's takedowns; absent = `{}`. */
  channelSenders: 'CHANNEL_SENDERS',
  /** Deployed: the Secrets Manager secret holding the webhook channels. */
  channelsSecret: 'CHANNELS_SECRET_ARN',
  /** Local runtime: the `--channels` file. */
  channelsFile: 'CHANNELS_FILE',
  /** The transparency log's sealer: its signing key (a KMS key deployed, a JWK file locally) and its grace. */
  log: {
    signingKeyArn: 'LOG_SIGNING_KEY_ARN',
    signingKeyFile: 'LOG_SIGNING_KEY_FILE',
    sealGraceSeconds: 'LOG_SEAL_GRACE_SECONDS',
  },
  /** The webhook connector's retry budget and limits; the local runtime sets the first and third to its own budget. */
  webhook: {
    baseDelayMs: 'WEBHOOK_BASE_DELAY_MS',
    maxDelayMs: 'WEBHOOK_MAX_DELAY_MS',
    maxAttempts: 'WEBHOOK_MAX_ATTEMPTS',
    timeoutMs: 'WEBHOOK_TIMEOUT_MS',
    concurrencyPerChannel: 'WEBHOOK_CONCURRENCY_PER_CHANNEL',
    /** How often a finally failed takedown is delivered again (6 h deployed, 5 s locally). */
    redeliveryIntervalMs: 'WEBHOOK_REDELIVERY_INTERVAL_MS',
  },
} as const;
