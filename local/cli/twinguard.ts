/**
 * `twinguard <command>`: one entry for the local runtime and its CLIs. Each command finds
 * the running local runtime by itself, from runtime.json in the state folder (--data DIR,
 * default .twinguard/).
 */
import { resolve } from 'node:path';
import { readDiscovery } from '../runtime/discovery.ts';
import { DEFAULT_DATA_DIR } from '../runtime/flags.ts';
import { sendMain } from './send.ts';

export const USAGE = `Usage: twinguard <command> [flags]

Commands:
  start                      run the whole of TwinGuard on this machine (what "npm start" runs)
  send <event> [--set f=v]   send a sample inbound event to the running runtime and print the answer
  dead-letters list|replay   deliveries that failed every retry, and their replay
  log verify|prove|export|head|jwks
                             the transparency log: proofs, per-twin export, offline verification
  takedowns failed|redrive|close
                             webhook takedowns whose delivery failed finally
  certificate --grant ID [--json]
                             the certificates of removal of a grant, signed and verifiable

Reads (local runtime, or a deployed stack with --stack NAME [--region R]; --json on each):
  twins [--prefix TEXT]      the twins with a grant, found by the beginning of their id
  status --twin ID | --grant ID
                             grants, placements by channel and state, open takedowns,
                             a revocation's progress
  check --twin ID --licensee L --medium M [--channel C --territory T --modification X]
                             would this use be approved now; every reason if not
  history --twin ID [--from WHEN --to WHEN]
                             every decision with its reasons and grant versions
  statement --talent ID --month YYYY-MM [--csv] [--proofs FILE]
                             what a talent is owed for a month; with --proofs, a file
                             of each line's proof in the transparency log
  console [--port N]         the same answers in the browser, on 127.0.0.1

"twinguard <command> --help" tells more. The commands find the running local runtime
through runtime.json in its state folder (--data DIR, default ${DEFAULT_DATA_DIR}/).

Exit codes: 0 done, 1 failed (the message says what to do), 2 bad arguments.`;

const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`) };

/** Takes `--data DIR` out of `args` (the subcommands below do not know it). */
function takeData(args: string[]): string {
  let dir = DEFAULT_DATA_DIR;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--data' && i + 1 < args.length) {
      dir = args[i + 1]!;
      args.splice(i, 2);
      i--;
    } else if (arg.startsWith('--data=')) {
      dir = arg.slice('--data='.length);
      args.splice(i, 1);
      i--;
    }
  }
  return resolve(dir);
}

const has = (args: readonly string[], ...flags: string[]) => args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));

async function run(argv: string[]): Promise<number | undefined> {
  const [command, ...args] = argv;
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      (command === undefined ? io.err : io.out)(USAGE);
      return command === undefined ? 2 : 0;
    case 'start':
      // main.ts reads process.argv and keeps the process running until a signal.
      process.argv = [process.argv[0]!, 'twinguard start', ...args];
      await import('../main.ts');
      return undefined;
    case 'send':
      return await sendMain(args, io);
    case 'twins':
    case 'status':
    case 'check':
    case 'history':
    case 'statement': {
      const { readMain } = await import('./read/commands.ts');
      return await readMain(command, args, io);
    }
    case 'console': {
      const { consoleMain } = await import('../console/server.ts');
      return await consoleMain(args, io);
    }
    case 'takedowns': {
      const takedowns = await import('./takedowns.ts');
      if (has(args, '--help', '-h')) {
        io.out(takedowns.USAGE.replace(/^( {2})takedowns/gm, '$1twinguard takedowns'));
        return 0;
      }
      const stateDir = takeData(args);
      const runtime = readDiscovery(stateDir);
      if (runtime !== undefined && !has(args, '--dynamodb-endpoint', '--endpoint')) {
        args.push('--dynamodb-endpoint', runtime.dynamoDbEndpoint, '--region', runtime.region);
      } else if (runtime === undefined && !has(args, '--dynamodb-endpoint', '--endpoint')) {
        io.err(
          `twinguard takedowns: no local runtime is running with the state folder ${stateDir}; working on the tables of your AWS account ` +
            '(give --table, or start the local runtime with "npx twinguard start")',
        );
      }
      return await takedowns.main(args, io);
    }
    case 'certificate': {
      const certificate = await import('./certificate.ts');
      if (has(args, '--help', '-h')) {
        io.out(certificate.USAGE);
        return 0;
      }
      const stateDir = takeData(args);
      const runtime = readDiscovery(stateDir);
      if (runtime !== undefined && !has(args, '--dynamodb-endpoint')) {
        args.push('--dynamodb-endpoint', runtime.dynamoDbEndpoint, '--region', runtime.region);
        const table = (part: string) => Object.entries(runtime.tables).find(([id]) => id.includes(part))?.[1];
        const [consent, audit] = [table('ConsentTable'), table('AuditTable')];
        if (consent !== undefined && !has(args, '--table')) args.push('--table', consent);
        if (audit !== undefined && !has(args, '--audit-table')) args.push('--audit-table', audit);
        if (runtime.logJwksFile !== undefined && !has(args, '--jwks')) args.push('--jwks', runtime.logJwksFile);
      }
      return await certificate.main(args, io);
    }
    case 'dead-letters': {
      const deadLetters = await import('../bus/dead-letters-cli.ts');
      if (has(args, '--help', '-h')) {
        io.out(deadLetters.USAGE.replace(/dead-letters /g, 'twinguard dead-letters '));
        return 0;
      }
      const stateDir = takeData(args);
      const runtime = readDiscovery(stateDir);
      if (!has(args, '--dir')) args.push('--dir', runtime?.deadLetterDir ?? resolve(stateDir, 'dead-letters'));
      if (runtime !== undefined && !has(args, '--endpoint')) args.push('--endpoint', runtime.url);
      if (runtime === undefined && args[0] === 'replay' && !has(args, '--endpoint')) {
        io.err(
          `twinguard dead-letters: no local runtime is running with the state folder ${stateDir}: start it with "npx twinguard start" to replay`,
        );
        return 1;
      }
      return await deadLetters.main(args, io);
    }
    case 'log': {
      const logCli = await import('./log.ts');
      if (has(args, '--help', '-h')) {
        io.out(logCli.USAGE.replace(/npm run log --/g, 'twinguard log'));
        return 0;
      }
      const stateDir = takeData(args);
      args.push('--data', stateDir);
      const runtime = readDiscovery(stateDir);
      // Offline verification of a file needs no runtime; the rest reads its tables when one runs.
      if (runtime !== undefined && !has(args, '--dynamodb-endpoint')) {
        args.push('--dynamodb-endpoint', runtime.dynamoDbEndpoint, '--region', runtime.region);
        const table = (part: string) => Object.entries(runtime.tables).find(([id]) => id.includes(part))?.[1];
        const [audit, consent] = [table('AuditTable'), table('ConsentTable')];
        if (audit !== undefined && !has(args, '--audit-table')) args.push('--audit-table', audit);
        if (consent !== undefined && !has(args, '--consent-table')) args.push('--consent-table', consent);
        if (runtime.logJwksFile !== undefined && !has(args, '--jwks')) args.push('--jwks', runtime.logJwksFile);
      }
      return await logCli.main(args, { out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`), err: io.err });
    }
    default:
      io.err(
        `twinguard: unknown command "${command}"; the commands are start, send, twins, status, dead-letters, log, check, history, statement, console, takedowns, certificate ("twinguard --help")`,
      );
      return 2;
  }
}

const code = await run(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
