import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { parseChannelsFile } from '../../shared/adapters/webhook/channel-config.ts';
import { ensureKeyFiles } from '../../shared/adapters/signing/local-key-signer.ts';
import { ChannelConfigError } from '../../shared/adapters/webhook/errors.ts';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import type { Template } from '../app/synthesize.ts';
import { type AccessKeyAccounts, parseAccountsFile } from '../bus/access-keys.ts';
import { AccountsFileError } from '../bus/errors.ts';
import { LocalEventBus, type RetryPolicy } from '../bus/event-router.ts';
import { messageOf } from '../bus/put-events.ts';
import { startPutEventsServer, type PutEventsServer } from '../bus/put-events-server.ts';
import { createTablesFromTemplate } from '../dynamodb/create-tables.ts';
import { DynamoDbLocalError, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from '../dynamodb/dynamodb-local.ts';
import { StartupError } from './errors.ts';
import { DEFAULT_TAKEDOWN_SLA_SECONDS } from './flags.ts';
import { removeDiscovery, writeDiscovery } from './discovery.ts';
import { formatEventLine } from './event-line.ts';
import { applyEnvironment, handlerEnvironment } from './handler-env.ts';
import { LambdaInvoker } from './lambda-invoker.ts';
import { ScheduleTicker } from './schedules.ts';

export interface RuntimeOptions {
  /** Port of the PutEvents endpoint on 127.0.0.1; 0 for any free port. */
  port: number;
  /** Absolute path of the webhook channels file, passed to handlers as CHANNELS_FILE. */
  channelsFile?: string;
  tapFile?: string;
  /** Absolute path of the `--accounts` file; without it every caller is the local account. */
  accountsFile?: string;
  /** @default 3600 */
  takedownSlaSeconds?: number;
  /** State persists here: `dynamodb/` and `dead-letters/`. In memory when absent. */
  dataDir?: string;
  verbose?: boolean;
  /** @default the synthesized CDK app */
  template?: Template;
  /** Period of the schedules' local tick. @default 1000 */
  tickMs?: number;
  /** How long `stop()` waits for deliveries under way. @default 5000 */
  drainTimeoutMs?: number;
  /** Retries of a failing handler before its event is dead-lettered. */
  retry?: Partial<RetryPolicy>;
  /** Where the runtime's own messages go. @default stderr */
  log?: (line: string) => void;
  /**
   * The state folder: the discovery file `runtime.json` is written here once events are
   * accepted, and removed on stop. No discovery file when absent.
   */
  stateDir?: string;
  /** Print one line per event that crosses the bus (through `log`). @default false */
  showEvents?: boolean;
}

export interface Runtime {
  /** The PutEvents endpoint, e.g. `http://127.0.0.1:4010`. */
  url: string;
  /** The transparency log's public key (JWKS), for verifiers: `<data>/log/jwks.json`. */
  logJwksFile: string;
  /** Stops accepting events, lets deliveries finish (bounded), stops the schedules and DynamoDB Local. */
  stop(): Promise<void>;
}

/**
 * Starts the whole of TwinGuard on this machine: DynamoDB Local with the tables of the
 * synthesized app, its functions run in-process from source, routed by its rules and
 * schedules, behind an EventBridge PutEvents endpoint. Resolves once events are accepted.
 * Errors the user can fix are LocalRuntimeErrors whose message says what to do.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[twinguard] ${line}\n`));
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const channels = options.channelsFile === undefined ? undefined : await checkChannelsFile(options.channelsFile);
  if (options.stateDir !== undefined) {
    const stateDir = options.stateDir;
    await mkdir(stateDir, { recursive: true }).catch((error: unknown) => {
      throw new StartupError(`cannot create the state folder ${stateDir} (${codeOf(error)}): give --data a writable folder`);
    });
  }
  if (options.tapFile !== undefined) await checkTapFile(options.tapFile);
  const accounts = options.accountsFile === undefined ? undefined : await readAccountsFile(options.accountsFile);
  // Held from the start, so a taken port is reported before Java is started.
  const reservation = await reservePort(options.port);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const dynamoDir = options.dataDir === undefined ? undefined : join(options.dataDir, 'dynamodb');
    // Loading and synthesizing the CDK app keeps this thread busy for seconds: Java boots
    // meanwhile. Imported here, not above, so that a taken port or missing Java is told at once.
    const [dynamo, template] = await startDynamoWhile(dynamoDir, async () => options.template ?? (await synthesizeForRouting()));
    cleanups.push(() => dynamo.stop());
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const tables = await createTablesFromTemplate(client, template).finally(() => client.destroy());
    const { routesFromTemplate } = await import('./template-routing.ts');
    const routes = routesFromTemplate(template, new Map(tables.map((t) => [t.logicalId, t.tableName])));
    const invokers = new Map([...routes.functions].map(([id, spec]) => [id, new LambdaInvoker(spec)]));
    for (const invoker of invokers.values()) invoker.assertSourceExists();

    const bus = new LocalEventBus({
      ...(options.tapFile !== undefined && { tapFile: options.tapFile }),
      ...(options.dataDir !== undefined && { deadLetterDir: join(options.dataDir, 'dead-letters') }),
      ...(options.retry !== undefined && { retry: options.retry }),
      onError: (error) => log(`a dead letter could not be stored: ${messageOf(error)}`),
      ...(options.showEvents === true && {
        onPublish: (busName: string, e: EventEnvelope, matched: number) => log(formatEventLine(busName, e, matched)),
      }),
    });
    const serverOptions = {
      region: LOCAL_REGION,
      eventBuses: routes.eventBuses,
      onEvent: (busName: string, e: EventEnvelope) => bus.publish(busName, e),
    };
    // Handlers publish through an endpoint of their own, so that on stop the public one can
    // refuse new events while the deliveries under way still emit theirs.
    const internal = await startPutEventsServer({ ...serverOptions, port: 0 });
    cleanups.push(() => internal.close());

    // The log's signing key: created on first start, kept with the state (in memory: for this run only).
    const logDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'twinguard-log-')) : join(options.dataDir, 'log');
    if (options.dataDir === undefined) cleanups.push(() => rm(logDir, { recursive: true, force: true }));
    const logKeyFile = join(logDir, 'signing-key.jwk');
    const logJwksFile = join(logDir, 'jwks.json');
    const logKey = await ensureKeyFiles(logKeyFile, logJwksFile);

    const env = handlerEnvironment(routes.functions.values(), {
      dynamoDbEndpoint: dynamo.endpoint,
      eventBridgeEndpoint: internal.url,
      takedownSlaSeconds: options.takedownSlaSeconds ?? DEFAULT_TAKEDOWN_SLA_SECONDS,
      ...(options.channelsFile !== undefined && { channelsFile: options.channelsFile }),
      logSigningKeyFile: logKeyFile,
      verbose: options.verbose ?? false,
      outer: process.env,
    });
    for (const warning of env.warnings) log(`warning: ${warning}`);
    applyEnvironment(env);

    const invoke = async (functionId: string, event: unknown, what: string, quiet = false) => {
      const invoker = invokers.get(functionId)!;
      const label = basename(invoker.spec.source).replace(/\.[cm]?[jt]s$/, '');
      if (options.verbose && !quiet) log(`${label} <- ${what}`);
      try {
        return await invoker.invoke(event);
      } catch (error) {
        if (!quiet) log(`${label} failed on ${what}: ${messageOf(error)}`);
        throw error;
      }
    };
    for (const rule of routes.rules) {
      bus.addRule({
        name: rule.name,
        eventBusName: rule.eventBusName,
        pattern: rule.pattern,
        targets: rule.targets.map((target) => ({
          id: target.id,
          invoke: async (e: EventEnvelope) => {
            await invoke(target.functionId, target.input ?? e, `${e['detail-type']} ${e.id}`);
          },
        })),
      });
    }
    const ticker = new ScheduleTicker(
      // Every tick would be a line: the ticker reports a schedule when it starts failing.
      routes.schedules.map((spec) => ({ spec, invoke: (payload) => invoke(spec.functionId, payload, `schedule ${spec.name}`, true) })),
      {
        ...(options.tickMs !== undefined && { tickMs: options.tickMs }),
        onError: (name, error) => log(`schedule ${name} failed: ${messageOf(error)} (tried again at every tick)`),
        onRecovered: (name) => log(`schedule ${name} works again`),
      },
    );

    await reservation?.release();
    // Callers are who their access keys say (--accounts); the handlers' own endpoint is TwinGuard's account.
    const external = await startPublicServer({ ...serverOptions, port: options.port, ...(accounts !== undefined && { accounts }) });
    log(
      `${routes.rules.length} rules, ${routes.functions.size} functions, ${routes.schedules.length} schedules; ` +
        `${options.dataDir === undefined ? 'state in memory' : `state in ${options.dataDir}`}` +
        `${channels === undefined ? '' : `; ${channels} webhook channel(s)`}` +
        `${accounts === undefined ? '' : `; ${accounts.size} access key(s) in ${new Set(accounts.values()).size} account(s)`}`,
    );
    log(`DynamoDB Local on ${dynamo.endpoint}`);
    log(`transparency log signed with key ${logKey.kid}; its public key (JWKS) is ${logJwksFile}`);
    if (options.tapFile !== undefined) log(`tap: ${options.tapFile}`);
    // The CLIs (twinguard send, status, dead-letters) find the runtime through this file.
    const stateDir = options.stateDir;
    if (stateDir !== undefined) {
      await writeDiscovery(stateDir, {
        pid: process.pid,
        url: external.url,
        region: LOCAL_REGION,
        dynamoDbEndpoint: dynamo.endpoint,
        tables: Object.fromEntries(tables.map((t) => [t.logicalId, t.tableName])),
        tapFile: options.tapFile ?? '',
        logJwksFile,
        ...(options.dataDir !== undefined && { deadLetterDir: join(options.dataDir, 'dead-letters') }),
        eventBuses: [...routes.eventBuses],
        startedAt: new Date().toISOString(),
      });
      cleanups.push(() => removeDiscovery(stateDir));
    }
    ticker.start();
    const drainTimeoutMs = options.drainTimeoutMs ?? 5000;
    let stopping: Promise<void> | undefined;
    const stop = async () => {
      if (stateDir !== undefined) await removeDiscovery(stateDir).catch(() => undefined);
      await external.close();
      const drained = await within(drainTimeoutMs, async () => {
        await ticker.stop();
        await bus.drain();
      });
      if (!drained) log(`deliveries still under way after ${drainTimeoutMs} ms were abandoned`);
      await internal.close();
      if (drained) await bus.close();
      await dynamo.stop();
      if (options.dataDir === undefined) await rm(logDir, { recursive: true, force: true });
    };
    return { url: external.url, logJwksFile, stop: () => (stopping ??= stop()) };
  } catch (error) {
    await reservation?.release();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts DynamoDB Local and, once its Java process is spawned, does `work` while it boots.
 * A launch that fails at once (no Java) fails before `work` starts.
 */
async function startDynamoWhile<T>(dataDir: string | undefined, work: () => Promise<T>): Promise<[DynamoDbLocal, T]> {
  let failure: { error: unknown } | undefined;
  let onSpawn: () => void = () => undefined;
  const spawned = new Promise<void>((resolve) => (onSpawn = resolve));
  subscribe('child_process', onSpawn);
  const starting = startDynamo(dataDir);
  try {
    await Promise.race([
      spawned,
      starting.then(
        () => undefined,
        (error: unknown) => {
          failure = { error };
        },
      ),
    ]);
  } finally {
    unsubscribe('child_process', onSpawn);
  }
  if (failure !== undefined) throw failure.error;
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await starting.then((dynamo) => dynamo.stop()).catch(() => undefined);
    throw error;
  }
  return [await starting, result];
}

/**
 * The synthesized app, without CDK's built-in CloudFormation validation (WebAssembly, half
 * of the synthesis time): `cdk synth` and the infra tests validate; here only the
 * resources are read. cdk-nag's checks still run.
 */
async function synthesizeForRouting(): Promise<Template> {
  const { synthesizeTemplate } = await import('../app/synthesize.ts');
  // cdk-nag's event-bus rule reads a deprecated property of every bus policy, and jsii warns
  // on stderr each time: noise for a user of the local runtime, who did not write either.
  const settings = { CDK_VALIDATION: 'false', JSII_DEPRECATED: 'quiet' };
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  try {
    return synthesizeTemplate();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function startDynamo(dataDir: string | undefined): Promise<DynamoDbLocal> {
  try {
    return await startDynamoDbLocal(dataDir === undefined ? {} : { dataDir });
  } catch (error) {
    if (!(error instanceof DynamoDbLocalError)) throw error;
    throw new StartupError(error.message.trim(), { cause: error });
  }
}

/** Reads and checks the channels file at start, so that a typo is reported now. Returns how many channels it holds. */
async function checkChannelsFile(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StartupError(`cannot read the channels file ${path} (${codeOf(error)}): give --channels the path of a readable JSON file`);
  }
  try {
    return parseChannelsFile(text).size;
  } catch (error) {
    if (!(error instanceof ChannelConfigError)) throw error;
    throw new StartupError(`${path}: ${error.message.replace(/\s*\n\s*/g, ' ')}`, { cause: error });
  }
}

/** Reads and checks the accounts file at start, so that a typo is reported now rather than as refused calls. */
async function readAccountsFile(path: string): Promise<AccessKeyAccounts> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StartupError(`cannot read the accounts file ${path} (${codeOf(error)}): give --accounts the path of a readable JSON file`);
  }
  try {
    return parseAccountsFile(text);
  } catch (error) {
    if (!(error instanceof AccountsFileError)) throw error;
    throw new StartupError(`${path}: ${error.message}`, { cause: error });
  }
}

async function checkTapFile(path: string): Promise<void> {
  try {
    await appendFile(path, '');
  } catch (error) {
    throw new StartupError(
      `cannot write the tap file ${path} (${codeOf(error)}): give --tap a path in a folder that exists and is writable`,
    );
  }
}

function portTaken(port: number): StartupError {
  return new StartupError(`port ${port} is already in use: stop what listens on it, or choose another port with --port`);
}

async function reservePort(port: number): Promise<{ release(): Promise<void> } | undefined> {
  if (port === 0) return undefined;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  }).catch((error: unknown) => {
    throw listenError(error, port);
  });
  let released: Promise<void> | undefined;
  return { release: () => (released ??= new Promise((resolve) => server.close(() => resolve()))) };
}

async function startPublicServer(options: Parameters<typeof startPutEventsServer>[0] & { port: number }): Promise<PutEventsServer> {
  try {
    return await startPutEventsServer({ ...options, host: '127.0.0.1' });
  } catch (error) {
    throw listenError(error, options.port);
  }
}

function listenError(error: unknown, port: number): unknown {
  if (codeOf(error) === 'EADDRINUSE') return portTaken(port);
  if (codeOf(error) === 'EACCES') return new StartupError(`port ${port} needs privileges: choose a port above 1023 with --port`);
  return error;
}

/** True when `work` finished within `ms`; false when the time ran out first. */
async function within(ms: number, work: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function codeOf(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : messageOf(error);
}
