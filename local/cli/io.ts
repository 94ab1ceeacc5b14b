import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CliUsageError, LocalCliError } from './errors.ts';

/** Where a command writes: the terminal when run, arrays in the tests. */
export interface CliIo {
  /** One result line (or, for `log`, a document), to stdout. */
  out(line: string): void;
  /** One message for the person at the terminal, to stderr. */
  err(line: string): void;
}

/** The terminal, one line at a time. */
export const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/**
 * Runs a command and answers its exit code: a failure it foresaw (a `LocalCliError`) is told
 * to the person, with the usage when the arguments were wrong; anything else is a bug and
 * propagates with its stack.
 */
export async function exitCodeOf(io: CliIo, usage: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof LocalCliError)) throw error;
    io.err(error.message);
    if (error instanceof CliUsageError) io.err(usage);
    return error.exitCode;
  }
}

/** Whether the module at `moduleUrl` is the script node was asked to run (not imported by `twinguard`). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(realpathSync(script)).href;
}
