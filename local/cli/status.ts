import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { wireReadOnly } from '../../shared/adapters/wire.ts';
import { statusOfGrant, statusOfTwin, type PlacementCounts } from '../../shared/use-cases/placement-status.ts';
import { CliUsageError, LocalCliError, TableUnavailableError } from './errors.ts';

export const USAGE = `Usage:
  status (--twin <twinId> | --grant <grantId>) [--dynamodb-endpoint URL] [--table NAME] [--region REGION] [--json]

  How many placements of a twin, or of a grant, are live, takedown requested, taken
  down, failed and overdue.

Options:
  --dynamodb-endpoint URL  DynamoDB endpoint, e.g. the local runtime's DynamoDB Local
                           (http://127.0.0.1:<port>); --endpoint is the same. Without it,
                           the AWS account of the usual credentials.
  --table NAME             the consent table (default: $${ENV.consentTable}, else the one
                           table whose name contains "ConsentTable")
  --region REGION          default $AWS_REGION, else us-east-1
  --json                   the counts as one JSON object`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Exit codes: 0 done, 1 the table cannot be found or read, 2 bad arguments. */
export async function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    await run(argv, io, env);
    return 0;
  } catch (error) {
    if (!(error instanceof LocalCliError)) throw error;
    io.err(error.message);
    if (error instanceof CliUsageError) io.err(USAGE);
    return error.exitCode;
  }
}

async function run(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        twin: { type: 'string' },
        grant: { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        endpoint: { type: 'string' },
        table: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if ((values.twin === undefined) === (values.grant === undefined)) throw new CliUsageError('give exactly one of --twin and --grant');
  const endpoint = values['dynamodb-endpoint'] ?? values.endpoint;
  const region = values.region ?? env.AWS_REGION ?? 'us-east-1';
  // DynamoDB Local accepts any credentials; the real service gets the usual chain.
  const client = new DynamoDBClient(
    endpoint === undefined ? { region } : { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  );
  try {
    const table = values.table ?? (env[ENV.consentTable] || undefined) ?? (await findConsentTable(client));
    if (table === undefined) {
      throw new TableUnavailableError(
        `found no single table whose name contains "ConsentTable"${endpoint === undefined ? '' : ` at ${endpoint}`}: give --table`,
      );
    }
    const deps = wireReadOnly({ db: documentClient(client), tables: { consent: table } });
    const counts = values.twin !== undefined ? await statusOfTwin(deps, values.twin) : await statusOfGrant(deps, values.grant!);
    const who = values.twin !== undefined ? `twin ${values.twin}` : `grant ${values.grant}`;
    if (values.json) io.out(JSON.stringify(counts));
    else for (const line of formatCounts(who, counts)) io.out(line);
  } catch (error) {
    if (error instanceof LocalCliError) throw error;
    if (endpoint === undefined && error instanceof Error && error.name === 'CredentialsProviderError') {
      throw new TableUnavailableError(
        'no AWS credentials: without --dynamodb-endpoint this reads the tables of your AWS account. Start the local runtime ' +
          '("npx twinguard start") to read its tables, or configure AWS credentials (aws configure, AWS_PROFILE)',
        { cause: error },
      );
    }
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new TableUnavailableError(`cannot read the placements: ${what}`, { cause: error });
  } finally {
    client.destroy();
  }
}

/** A small two-column table. */
export function formatCounts(who: string, counts: PlacementCounts): string[] {
  const rows: [string, number][] = [
    ['live', counts.live],
    ['takedown requested', counts.takedownRequested],
    ['taken down', counts.takenDown],
    ['takedown failed', counts.failed],
    ['overdue (of requested/failed)', counts.overdue],
    ['total', counts.total],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [`placements of ${who}`, ...rows.map(([label, n]) => `  ${label.padEnd(width)}  ${String(n).padStart(7)}`)];
}

async function findConsentTable(client: DynamoDBClient): Promise<string | undefined> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start !== undefined);
  const matches = names.filter((n) => n.includes('ConsentTable'));
  return matches.length === 1 ? matches[0] : undefined;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && import.meta.url === pathToFileURL(realpathSync(script)).href;
}

if (isEntryPoint()) {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  process.exitCode = await main(process.argv.slice(2));
}
