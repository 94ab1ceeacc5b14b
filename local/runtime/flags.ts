import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_ACCOUNT } from '../bus/put-events.ts';
import { UsageError } from './errors.ts';

export interface RuntimeFlags {
  port: number;
  /** Absolute path of the webhook channels file. */
  channelsFile?: string;
  /** Absolute path of the tap file. */
  tapFile?: string;
  /** Absolute path of the accounts file: access key id to account id. */
  accountsFile?: string;
  takedownSlaSeconds: number;
  /** Absolute path where state persists; absent with --in-memory. */
  dataDir?: string;
  /**
   * Absolute path of the state folder: the data folder, or the default one with --in-memory.
   * Holds the discovery file (runtime.json) and, unless --tap moves it, the tap (tap.jsonl).
   */
  stateDir: string;
  /** Empty the state folder before starting. */
  fresh: boolean;
  verbose: boolean;
  /** No line per event. */
  quiet: boolean;
  help: boolean;
}

export const DEFAULT_PORT = 4010;
export const DEFAULT_TAKEDOWN_SLA_SECONDS = 3600;
export const DEFAULT_DATA_DIR = '.twinguard';

export const USAGE = `Usage: npm start -- [flags]

Runs the whole of TwinGuard on this machine: an EventBridge PutEvents endpoint, the
handlers and rules of the CDK app, and DynamoDB Local (needs Java 17+).

Flags:
  --port PORT              port of the PutEvents endpoint on 127.0.0.1 (default ${DEFAULT_PORT})
  --channels FILE          webhook channels: { "<channel>": { "url": "...", "secret": "..." } }, or
                           "secrets": ["<new>", "<old>"] during a rotation (docs/channels.md)
  --tap FILE               append every event that crosses the bus to FILE, one JSON line each
                           (default: tap.jsonl in the state folder)
  --accounts FILE          who each caller is: { "<access key id>": "<12-digit account id>" }; events get
                           the account of the key that signed the PutEvents call, and unlisted keys are
                           refused (default: every caller is the local account ${LOCAL_ACCOUNT})
  --takedown-sla SECONDS   time from Takedown Requested to its deadline (default ${DEFAULT_TAKEDOWN_SLA_SECONDS})
  --data DIR               where state persists between runs (default ${DEFAULT_DATA_DIR}/)
  --in-memory              keep no state: tables and dead letters live in memory only (the
                           discovery file and the tap still go to ${DEFAULT_DATA_DIR}/)
  --fresh                  empty the state folder first: start with no grants, placements or dead letters
  --quiet                  do not print a line per event that crosses the bus
  --verbose                handler logs at INFO instead of WARN (on stderr)
  --help                   show this help

Prints "twinguard ready on http://127.0.0.1:PORT" when it accepts events (the only line on
stdout), then one line per event on stderr: → inbound, ← emitted by TwinGuard. Writes
runtime.json in the state folder, so that "twinguard send", "status" and "dead-letters" find
it; stop it with Ctrl-C.`;

const HINT = 'run "npm start -- --help" to see the flags';

/** Parses `npm start` arguments; relative paths are resolved against `cwd`. Throws UsageError. */
export function parseFlags(argv: readonly string[], cwd = process.cwd()): RuntimeFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        channels: { type: 'string' },
        tap: { type: 'string' },
        accounts: { type: 'string' },
        'takedown-sla': { type: 'string' },
        data: { type: 'string' },
        'in-memory': { type: 'boolean', default: false },
        fresh: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${describeParseError(error)}; ${HINT}`);
  }
  if (values['in-memory'] && values.data !== undefined) {
    throw new UsageError(`--data and --in-memory exclude each other: choose one; ${HINT}`);
  }
  for (const name of ['channels', 'tap', 'accounts', 'data'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} needs a path; ${HINT}`);
  }
  const path = (p: string | undefined) => (p === undefined ? undefined : resolve(cwd, p));
  return {
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    ...(values.channels !== undefined && { channelsFile: path(values.channels) }),
    ...(values.tap !== undefined && { tapFile: path(values.tap) }),
    ...(values.accounts !== undefined && { accountsFile: path(values.accounts) }),
    takedownSlaSeconds: values['takedown-sla'] === undefined ? DEFAULT_TAKEDOWN_SLA_SECONDS : parseSeconds(values['takedown-sla']),
    ...(!values['in-memory'] && { dataDir: path(values.data ?? DEFAULT_DATA_DIR) }),
    stateDir: resolve(cwd, values['in-memory'] ? DEFAULT_DATA_DIR : (values.data ?? DEFAULT_DATA_DIR)),
    fresh: values.fresh,
    quiet: values.quiet,
    verbose: values.verbose,
    help: values.help,
  };
}

/** 0 asks for any free port; the ready line then names the one taken. */
function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--port must be a port number (0-65535, 0 for any free port), got "${text}"; ${HINT}`);
  }
  return port;
}

function parseSeconds(text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0)) {
    throw new UsageError(`--takedown-sla must be a positive number of seconds, got "${text}"; ${HINT}`);
  }
  return seconds;
}

/** node:util's messages are long and talk about positionals; keep the part a user needs. */
function describeParseError(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted ?? message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted ?? message}" (every value follows its flag, e.g. --port 4010)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[a-z-]+/.exec(message)?.[0];
      return flag === undefined ? message : /argument missing|ambiguous/.test(message) ? `${flag} needs a value` : `${flag} takes no value`;
    }
    default:
      return message;
  }
}
