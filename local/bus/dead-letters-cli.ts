import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DirectoryDeadLetterStore, type DeadLetterRecord } from './dead-letter-store.ts';
import { listDeadLetters, replayAllDeadLetters, replayDeadLetter } from './dead-letters.ts';
import { LocalBusError } from './errors.ts';
import { type CliIo, isEntryPoint } from '../cli/io.ts';

export type { CliIo };

export const USAGE = `Usage:
  dead-letters list [--dir DIR] [--json]
  dead-letters replay (<id> | --all) [--dir DIR] [--endpoint URL] [--region REGION]

  list     show the deliveries that failed every retry
  replay   re-publish the event to the running runtime by PutEvents, then delete the record

Options:
  --dir DIR        dead-letter directory (default .twinguard/dead-letters)
  --endpoint URL   the local runtime (default http://127.0.0.1:4010)
  --region REGION  region for the client (default us-east-1)
  --json           one JSON record per line instead of a table
  --all            replay every record`;

const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Exit codes: 0 done, 1 a record could not be found or replayed, 2 bad arguments. */
export async function main(argv: readonly string[], io: CliIo = consoleIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        dir: { type: 'string', default: '.twinguard/dead-letters' },
        endpoint: { type: 'string', default: 'http://127.0.0.1:4010' },
        region: { type: 'string', default: 'us-east-1' },
        json: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : undefined);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const store = new DirectoryDeadLetterStore(values.dir);
  try {
    if (command === 'list' && rest.length === 0 && !values.all) {
      const records = await listDeadLetters(store);
      for (const record of records) io.out(values.json ? JSON.stringify(record) : describe(record));
      if (!values.json) io.err(`${records.length} dead letter(s) in ${values.dir}`);
      return 0;
    }
    if (command === 'replay' && (values.all ? rest.length === 0 : rest.length === 1)) {
      const client = localClient(values.endpoint, values.region);
      try {
        return values.all ? await replayAll(store, client, io) : await replayOne(store, client, rest[0] ?? '', io);
      } finally {
        client.destroy();
      }
    }
  } catch (error) {
    if (!(error instanceof LocalBusError)) throw error;
    io.err(error.message);
    return 1;
  }
  return usage(io);
}

async function replayOne(store: DirectoryDeadLetterStore, client: EventBridgeClient, id: string, io: CliIo) {
  io.out(`${id} replayed as ${await replayDeadLetter(store, client, id)}`);
  return 0;
}

async function replayAll(store: DirectoryDeadLetterStore, client: EventBridgeClient, io: CliIo) {
  const outcomes = await replayAllDeadLetters(store, client);
  for (const o of outcomes) 'eventId' in o ? io.out(`${o.id} replayed as ${o.eventId}`) : io.err(o.error);
  return outcomes.some((o) => 'error' in o) ? 1 : 0;
}

function describe(r: DeadLetterRecord): string {
  return [r.id, r.time, `${r.eventBusName}/${r.rule}/${r.target}`, r.envelope['detail-type'], r.errorMessage].join('  ');
}

function usage(io: CliIo, problem?: string): number {
  if (problem) io.err(problem);
  io.err(USAGE);
  return 2;
}

function localClient(endpoint: string, region: string): EventBridgeClient {
  // The local runtime does not check signatures, and Node 20 users need not see the SDK's notice.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  return new EventBridgeClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
