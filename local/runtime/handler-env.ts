import { ENV } from '../../shared/adapters/env-names.ts';
import { LOCAL_REDELIVERY_INTERVAL_MS, LOCAL_RETRY_POLICY } from '../../shared/model/delivery/retry-policy.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../dynamodb/dynamodb-local.ts';
import type { FunctionSpec } from './template-routing.ts';

/** Read by the webhook connector: the channels file and its local retry budget. */
const CHANNELS_FILE = ENV.channelsFile;
const WEBHOOK_BASE_DELAY_MS = ENV.webhook.baseDelayMs;
const WEBHOOK_MAX_ATTEMPTS = ENV.webhook.maxAttempts;
const WEBHOOK_REDELIVERY = ENV.webhook.redeliveryIntervalMs;

/** Locally a fan-out job with no saved page for this long is resumed by its watchdog (deployed: 300). */
export const LOCAL_JOB_STALL_SECONDS = 10;
/** Locally a removal is looked at every second, so `Removal Verified`/`Unverified` come within seconds. */
export const LOCAL_REMOVAL_CHECK_SECONDS = 1;

/**
 * Variables a function's template sets that cannot be shared by handlers running in one
 * process: dropped (NODE_OPTIONS acts only when a process starts) or given a local value.
 */
const NOT_SHARED: Record<string, string | undefined> = {
  NODE_OPTIONS: undefined,
  POWERTOOLS_SERVICE_NAME: 'twinguard-local',
  // Locally the webhook channels come from --channels only (EVENTS.md, "Local runtime").
  [ENV.channelsSecret]: undefined,
  // Locally the log signs with a key file in the state folder, not with KMS.
  [ENV.log.signingKeyArn]: undefined,
};

/** Locally a write is sent and committed within milliseconds: the sealer closes the queue 2 s behind now. */
export const LOCAL_LOG_GRACE_SECONDS = 2;

/**
 * Would send the SDK elsewhere than the local endpoints: a profile disables the credentials
 * from the environment, the others override or disable AWS_ENDPOINT_URL_<SERVICE>, and a
 * channels secret would be read from the real Secrets Manager.
 */
const INTERFERING = [
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  ENV.channelsSecret,
  ENV.log.signingKeyArn,
];

export interface LocalEnvironmentOptions {
  dynamoDbEndpoint: string;
  eventBridgeEndpoint: string;
  takedownSlaSeconds: number;
  /** Absolute path of the --channels file; CHANNELS_FILE is unset without it. */
  channelsFile?: string;
  /** Absolute path of the log's private key file (a JWK), which the sealer signs with. */
  logSigningKeyFile?: string;
  verbose?: boolean;
  /** The environment `npm start` was given: WEBHOOK_* and JOB_STALL_SECONDS values set there win over the local defaults. */
  outer?: NodeJS.ProcessEnv;
}

export interface HandlerEnvironment {
  set: Record<string, string>;
  unset: string[];
  /** Variables whose value differs between functions: all handlers see the first one. */
  warnings: string[];
}

/**
 * The one environment every handler runs in locally: the union of the functions'
 * template variables (already resolved to local names), then what makes the AWS SDK and
 * Powertools work on this machine, then the values the flags choose.
 */
export function handlerEnvironment(functions: Iterable<FunctionSpec>, options: LocalEnvironmentOptions): HandlerEnvironment {
  const set: Record<string, string> = {};
  const setBy: Record<string, string> = {};
  const warnings: string[] = [];
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (Object.hasOwn(NOT_SHARED, name)) continue;
      if (!Object.hasOwn(set, name)) {
        set[name] = value;
        setBy[name] = fn.logicalId;
      } else if (set[name] !== value) {
        warnings.push(
          `${name} is "${set[name]}" in ${setBy[name]} but "${value}" in ${fn.logicalId}; locally every handler sees the first`,
        );
      }
    }
  }
  for (const [name, value] of Object.entries(NOT_SHARED)) if (value !== undefined) set[name] = value;
  const outer = options.outer ?? {};
  Object.assign(set, {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: options.eventBridgeEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'WARN',
    [ENV.takedownSla]: String(options.takedownSlaSeconds),
    [WEBHOOK_BASE_DELAY_MS]: outer[WEBHOOK_BASE_DELAY_MS] || String(LOCAL_RETRY_POLICY.baseDelayMs),
    [WEBHOOK_MAX_ATTEMPTS]: outer[WEBHOOK_MAX_ATTEMPTS] || String(LOCAL_RETRY_POLICY.maxAttempts),
    [WEBHOOK_REDELIVERY]: outer[WEBHOOK_REDELIVERY] || String(LOCAL_REDELIVERY_INTERVAL_MS),
    [ENV.jobStall]: outer[ENV.jobStall] || String(LOCAL_JOB_STALL_SECONDS),
    [ENV.removalCheckInterval]: outer[ENV.removalCheckInterval] || String(LOCAL_REMOVAL_CHECK_SECONDS),
    // Partners' test servers run on this machine, over http.
    [ENV.removalCheckAllowLocal]: '1',
    [ENV.log.sealGraceSeconds]: String(LOCAL_LOG_GRACE_SECONDS),
  });
  if (options.logSigningKeyFile !== undefined) set[ENV.log.signingKeyFile] = options.logSigningKeyFile;
  // Per-channel gone rules for a try-out without changing the app's construct props (which set them too).
  const gone = outer[ENV.removalGoneStatuses];
  if (gone !== undefined && gone !== '') set[ENV.removalGoneStatuses] = gone;
  // Dev mode logs through the global console, which `npm start` sends to stderr.
  if (options.verbose) set['POWERTOOLS_DEV'] = 'true';
  if (options.channelsFile !== undefined) set[CHANNELS_FILE] = options.channelsFile;
  const unset = [...INTERFERING, ...(options.channelsFile === undefined ? [CHANNELS_FILE] : [])];
  return { set, unset, warnings };
}

/** Handlers read their configuration at their first event, so this runs before any is invoked. */
export function applyEnvironment(env: HandlerEnvironment, target: NodeJS.ProcessEnv = process.env): void {
  for (const name of env.unset) delete target[name];
  Object.assign(target, env.set);
}
