import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { DEFAULT_DATA_DIR } from '../runtime/flags.ts';
import type { Io } from '../cli/read/commands.ts';
import { queryDepsOf, resolveTarget, STACK_NAME, type TargetOptions } from '../cli/read/target.ts';
import { LocalCliError } from '../cli/errors.ts';
import { consoleApp } from './app.ts';

export const CONSOLE_USAGE = `Usage: twinguard console [--port N] [--data DIR | --stack NAME [--region REGION]]

  Serves the console for legal and talent relations on http://127.0.0.1:N (default 4020;
  0 picks a free port): twins, a twin's grants, placements, decisions and usage, a
  revocation's progress live, statements (CSV), and "may we?". It reads the local runtime
  (found through runtime.json in --data, default ${DEFAULT_DATA_DIR}/) or a deployed stack with
  your own AWS credentials; it writes nothing and listens on this machine only. Ctrl-C stops it.`;

export const DEFAULT_CONSOLE_PORT = 4020;

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/** Starts the console on 127.0.0.1 (tests call this; `twinguard console` too). */
export async function startConsole(
  options: TargetOptions & { port: number },
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
): Promise<RunningConsole> {
  const target = await resolveTarget(options, env);
  const { deps, close } = queryDepsOf(target);
  const app = consoleApp(deps, target.label, log);
  return new Promise((done, fail) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port }, (info) => {
      done({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            close();
          }),
      });
    });
    server.once('error', fail);
  });
}

/** `twinguard console`: exit 2 on bad flags, 1 when nothing can be read or the port is taken; runs until a signal. */
export async function consoleMain(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        'cloudformation-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.err(`twinguard console: ${error instanceof Error ? error.message : String(error)}`);
    io.err(CONSOLE_USAGE);
    return 2;
  }
  if (values.help) {
    io.out(CONSOLE_USAGE);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_CONSOLE_PORT : Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '0') || port > 65535) {
    io.err('twinguard console: --port takes a port number from 0 to 65535 (0: any free port)');
    return 2;
  }
  if (values.stack !== undefined && !STACK_NAME.test(values.stack)) {
    io.err('twinguard console: --stack takes a CloudFormation stack name (a letter, then letters, digits and -) or its ARN');
    return 2;
  }
  try {
    const running = await startConsole(
      {
        port,
        stateDir: resolve(values.data ?? DEFAULT_DATA_DIR),
        ...(values.stack === undefined ? {} : { stack: values.stack }),
        ...(values.region === undefined ? {} : { region: values.region }),
        ...(values['cloudformation-endpoint'] === undefined ? {} : { cloudFormationEndpoint: values['cloudformation-endpoint'] }),
      },
      env,
      io.err,
    );
    io.out(`twinguard console on ${running.url}`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return undefined;
  } catch (error) {
    if (error instanceof LocalCliError) {
      io.err(`twinguard console: ${error.message}`);
      return 1;
    }
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      io.err(`twinguard console: port ${port} is taken: give another with --port N (0 picks a free one)`);
      return 1;
    }
    throw error;
  }
}
