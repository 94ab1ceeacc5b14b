import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { operatorSettingsFromEnv } from '../../functions/commons/config.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { wireAdapters } from '../../shared/adapters/wire.ts';
import type { OutboundEvent } from '../../shared/model/events/envelope.ts';
import type { EventPublisher } from '../../shared/ports/ports.ts';
import {
  closeTakedown,
  redriveChannel,
  redriveTakedown,
  type CloseResult,
  type OperatorDeps,
  type RedriveResult,
  MAX_CLOSE_REASON,
} from '../../shared/use-cases/operate-takedowns.ts';
import { CliUsageError, LocalCliError, TableUnavailableError } from './errors.ts';
import { type CliIo, consoleIo, exitCodeOf, isEntryPoint } from './io.ts';
import { listTables, theTable } from './list-tables.ts';

export const USAGE = `Usage:
  takedowns redrive (--takedown <takedownId> | --channel <channel>) [options]
  takedowns close --takedown <takedownId> --reason <text> [options]
  takedowns failed --channel <channel> [options]

  A webhook takedown whose delivery failed finally (retries spent, or the partner refused
  it) is delivered again every 6 hours deployed, every 5 seconds locally, until it
  succeeds, the channel confirms it on the bus, or an operator closes it.
    redrive  makes the next delivery due now: one takedown, or every failed one of a channel
             (e.g. once the partner is back); the sweeper sends it within a tick
    close    stops delivering a takedown that will not be confirmed, saying why (audited)
    failed   lists the takedowns of a channel whose delivery failed finally

Options:
  --dynamodb-endpoint URL  DynamoDB endpoint, e.g. the local runtime's DynamoDB Local
                           (http://127.0.0.1:<port>, printed at start); --endpoint is the
                           same. Without it, the AWS account of the usual credentials.
  --table NAME             the consent table (default: $${ENV.consentTable}, else the one
                           table whose name contains "ConsentTable")
  --audit-table NAME       the audit table (default: $${ENV.auditTable}, else the one table
                           whose name contains "AuditTable")
  --region REGION          default $AWS_REGION, else us-east-1
  --json                   one JSON object per takedown
  --help                   show this help`;

/** The commands publish nothing: the sweeper and the webhook connector do the sending. */
const NOTHING_TO_PUBLISH: EventPublisher = {
  async publish(events: readonly OutboundEvent[]) {
    if (events.length > 0) throw new Error(`the takedowns CLI publishes no events, yet was asked to publish ${events[0]!.detailType}`);
  },
};

/** Exit codes: 0 done; 1 a named takedown could not be re-driven or closed, or the tables cannot be read; 2 bad arguments. */
export function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return exitCodeOf(io, USAGE, () => run(argv, io, env));
}

interface Command {
  name: 'redrive' | 'close' | 'failed';
  takedown?: string;
  channel?: string;
  reason?: string;
}

async function run(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        takedown: { type: 'string' },
        channel: { type: 'string' },
        reason: { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        endpoint: { type: 'string' },
        table: { type: 'string' },
        'audit-table': { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const command = commandOf(positionals, values);
  const endpoint = values['dynamodb-endpoint'] ?? values.endpoint;
  const region = values.region ?? env.AWS_REGION ?? 'us-east-1';
  // DynamoDB Local accepts any credentials; the real service gets the usual chain.
  const client = new DynamoDBClient(
    endpoint === undefined ? { region } : { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  );
  try {
    const names = await tableNames(client, { consent: values.table, audit: values['audit-table'] }, env, endpoint);
    const { deps, deliveries } = wireAdapters({
      db: documentClient(client),
      tables: names,
      publisher: NOTHING_TO_PUBLISH,
      settings: operatorSettingsFromEnv(env),
    });
    const operator: OperatorDeps = { ...deps, deliveries };
    const print = (line: string, result: RedriveResult | CloseResult | { takedownId: string }) =>
      io.out(values.json ? JSON.stringify(result) : line);
    if (command.name === 'failed') {
      const ids = await deliveries.failedOfChannel(command.channel!);
      for (const takedownId of ids) print(takedownId, { takedownId });
      if (ids.length === 0 && !values.json) io.err(`no takedown on channel ${command.channel} has a finally failed delivery`);
      return 0;
    }
    if (command.name === 'close') {
      const result = await closeTakedown(operator, command.takedown!, command.reason!);
      print(describeClose(result), result);
      return result.kind === 'not-open' ? 1 : 0;
    }
    const results =
      command.takedown !== undefined
        ? [await redriveTakedown(operator, command.takedown)]
        : await redriveChannel(operator, command.channel!);
    for (const result of results) print(describeRedrive(result), result);
    if (command.channel !== undefined && results.length === 0 && !values.json) {
      io.err(`no takedown on channel ${command.channel} has a finally failed delivery: nothing to re-drive`);
    }
    return results.every((r) => r.kind === 'redriven') ? 0 : 1;
  } catch (error) {
    if (error instanceof LocalCliError) throw error;
    if (endpoint === undefined && error instanceof Error && error.name === 'CredentialsProviderError') {
      throw new TableUnavailableError(
        'no AWS credentials: without --dynamodb-endpoint this works on the tables of your AWS account. Start the local runtime ' +
          '("npx twinguard start") to work on its tables, or configure AWS credentials (aws configure, AWS_PROFILE)',
        { cause: error },
      );
    }
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new TableUnavailableError(`cannot read or write the takedowns: ${what}`, { cause: error });
  } finally {
    client.destroy();
  }
}

function commandOf(positionals: string[], values: { takedown?: string; channel?: string; reason?: string }): Command {
  const [name, ...extra] = positionals;
  if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
  const { takedown, channel, reason } = values;
  switch (name) {
    case 'redrive':
      if ((takedown === undefined) === (channel === undefined))
        throw new CliUsageError('redrive: give exactly one of --takedown and --channel');
      if (reason !== undefined) throw new CliUsageError('redrive takes no --reason');
      return { name, ...(takedown !== undefined ? { takedown } : { channel: channel! }) };
    case 'close':
      if (takedown === undefined || channel !== undefined) throw new CliUsageError('close: give --takedown (one takedown at a time)');
      if (reason === undefined || reason.trim() === '') throw new CliUsageError('close: say why with --reason, for the audit trail');
      if (reason.length > MAX_CLOSE_REASON) throw new CliUsageError(`close: keep --reason to ${MAX_CLOSE_REASON} characters`);
      return { name, takedown, reason };
    case 'failed':
      if (channel === undefined || takedown !== undefined || reason !== undefined) throw new CliUsageError('failed: give --channel only');
      return { name, channel };
    case undefined:
      throw new CliUsageError('give a command: redrive, close or failed');
    default:
      throw new CliUsageError(`unknown command "${name}"`);
  }
}

function describeRedrive(r: RedriveResult): string {
  switch (r.kind) {
    case 'redriven':
      return `${r.takedownId}: delivery attempt ${r.attempt} is due now`;
    case 'unknown':
      return `${r.takedownId}: no webhook delivery is known for this takedown (an event channel's takedown, or a wrong id)`;
    case 'not-failed':
      return `${r.takedownId}: its delivery is ${r.status}, not failed: nothing to re-drive`;
  }
}

function describeClose(r: CloseResult): string {
  switch (r.kind) {
    case 'closed':
      return `${r.takedownId}: closed; it will not be delivered again`;
    case 'already-closed':
      return `${r.takedownId}: was already closed`;
    case 'not-open':
      return `${r.takedownId}: nothing to close: ${r.why}`;
  }
}

async function tableNames(
  client: DynamoDBClient,
  given: { consent: string | undefined; audit: string | undefined },
  env: NodeJS.ProcessEnv,
  endpoint: string | undefined,
): Promise<{ consent: string; audit: string }> {
  const consent = given.consent ?? (env[ENV.consentTable] || undefined);
  const audit = given.audit ?? (env[ENV.auditTable] || undefined);
  const all = consent !== undefined && audit !== undefined ? [] : await listTables(client);
  return {
    consent: consent ?? theTable(all, 'ConsentTable', '--table', endpoint),
    audit: audit ?? theTable(all, 'AuditTable', '--audit-table', endpoint),
  };
}

if (isEntryPoint(import.meta.url)) {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  process.exitCode = await main(process.argv.slice(2));
}
