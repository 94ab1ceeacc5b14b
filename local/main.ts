/**
 * `npm start`: the whole of TwinGuard on this machine. Parses the flags, starts the
 * runtime, prints the ready line (the only line on stdout) and stops cleanly on a signal.
 */
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readDiscovery } from './runtime/discovery.ts';
import { LocalRuntimeError, StartupError } from './runtime/errors.ts';
import { parseFlags, USAGE } from './runtime/flags.ts';
import { watchLaunchers } from './runtime/parent-watch.ts';
import type { Runtime } from './runtime/runtime.ts';

/** Stop must end within 10 s; past this, exit anyway (DynamoDB Local is killed on exit). */
const STOP_DEADLINE_MS = 9_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// Keep stdout for the ready line: whatever else logs through the console goes to stderr.
console.log = console.info = console.debug = console.error;

let runtime: Runtime | undefined;
let stopping = false;

function fail(error: unknown, verbose: boolean): never {
  if (error instanceof LocalRuntimeError) {
    process.stderr.write(`twinguard: ${error.message}\n`);
    if (verbose && error.cause !== undefined) console.error(error.cause);
    process.exit(error.exitCode);
  }
  console.error('twinguard: failed:', error);
  process.exit(1);
}

function onSignal(signal: string): void {
  // Without a handler, a signal ends Node without the 'exit' event that kills DynamoDB Local.
  if (stopping || runtime === undefined) {
    process.stderr.write(`twinguard: ${signal}, exiting now\n`);
    process.exit(stopping ? 1 : 0);
  }
  stopping = true;
  process.stderr.write(`twinguard: ${signal}, stopping\n`);
  setTimeout(() => {
    process.stderr.write(`twinguard: not stopped within ${STOP_DEADLINE_MS / 1000} s, exiting anyway\n`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  runtime.stop().then(
    () => process.exit(0),
    (error: unknown) => fail(error, true),
  );
}

let verbose = false;
try {
  const flags = parseFlags(process.argv.slice(2));
  verbose = flags.verbose;
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  watchLaunchers(() => onSignal('launcher exited'));
  const running = readDiscovery(flags.stateDir);
  // With --in-memory nothing is shared: a later runtime just takes the discovery file over.
  if (running !== undefined && flags.dataDir !== undefined) {
    throw new StartupError(
      `a runtime (pid ${running.pid}, ${running.url}) already uses the state folder ${flags.stateDir}: stop it first, or give this one --data DIR`,
    );
  }
  if (flags.fresh) {
    if ([process.cwd(), homedir(), '/'].includes(flags.stateDir)) {
      throw new StartupError(`--fresh would empty ${flags.stateDir}: give --data a folder of its own`);
    }
    await rm(flags.stateDir, { recursive: true, force: true });
  }
  // Imported once the flags are known good: it loads the CDK app, which takes a second.
  const { startRuntime } = await import('./runtime/runtime.ts');
  runtime = await startRuntime({
    port: flags.port,
    takedownSlaSeconds: flags.takedownSlaSeconds,
    verbose: flags.verbose,
    ...(flags.channelsFile !== undefined && { channelsFile: flags.channelsFile }),
    tapFile: flags.tapFile ?? join(flags.stateDir, 'tap.jsonl'),
    stateDir: flags.stateDir,
    showEvents: !flags.quiet,
    ...(flags.accountsFile !== undefined && { accountsFile: flags.accountsFile }),
    ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
  });
  process.stdout.write(`twinguard ready on ${runtime.url}\n`);
} catch (error) {
  fail(error, verbose);
}
