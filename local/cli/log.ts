import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { jwksOf } from '../../shared/adapters/signing/jwk.ts';
import { publicJwkOfKmsKey } from '../../shared/adapters/signing/kms-signer.ts';
import { wireLogReader } from '../../shared/adapters/wire.ts';
import { systemClock } from '../../shared/adapters/system.ts';
import { auditLog } from '../../shared/use-cases/audit-log.ts';
import { exportTwinLog, proveConsistency, proveRecord } from '../../shared/use-cases/log-proofs.ts';
import {
  type ExportReport,
  STATEMENT_FORMAT,
  type StatementReport,
  verifyDocument,
  verifyStatement,
  verifyTreeHead,
} from '../../verifier/index.ts';
import { CliInputError, CliUsageError, LocalCliError, TableUnavailableError, VerificationFailedError } from './errors.ts';
import { type CliIo, exitCodeOf, isEntryPoint } from './io.ts';
import { listTables, theTable } from './list-tables.ts';

export const USAGE = `Usage: npm run log -- <command> [options]

The transparency log of TwinGuard's decisions (docs/proofs.md).

Offline, with the log's public key alone:
  verify FILE --jwks JWKS         check an export, an inclusion proof, a consistency proof, or a
                                  statement with proofs (twinguard statement --proofs FILE)

Against the tables (DynamoDB Local or the AWS account of the usual credentials):
  verify --store [--jwks JWKS]    hash every sealed record again and compare with the signed head;
                                  names each record deleted or changed after it was sealed
  prove --record RECORD_ID        inclusion proofs for a fact, e.g. render-decision:<decisionId>,
                                  grant:<grantId>#<version>, takedown:<takedownId>#requested
                                  (a fan-out's takedown <batchId>_<n>: its batch's line,
                                  takedown:<batchId>#requested, which lists it),
                                  or a statement line's usage:… id
  prove --consistency FROM [--to TO]
                                  proof that the head of TO records (default: the latest) extends
                                  the head of FROM records
  export --twin TWIN_ID           every record of a twin with its inclusion proof and the latest
                                  signed head: the file an agency archives
  head                            the latest signed tree head
  jwks [--key-arn ARN]            the public key: the local runtime's (--data, default .twinguard),
                                  or a KMS key's

Options:
  --out FILE                      write the JSON there instead of to standard output
  --dynamodb-endpoint URL         e.g. the local runtime's DynamoDB Local (it prints the URL)
  --audit-table NAME              default $${ENV.auditTable}, else the one table named *AuditTable*
  --consent-table NAME            (export) default $${ENV.consentTable}, else the one named *ConsentTable*
  --region REGION                 default $AWS_REGION, else us-east-1
  --data DIR                      the local runtime's state folder (default .twinguard)

Exit codes: 0 verified or done, 1 verification failed or tables unreadable, 2 bad arguments.`;

const consoleIo: CliIo = { out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`), err: (l) => console.error(l) };

export function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return exitCodeOf(io, USAGE, async () => {
    await run(argv, io, env);
    return 0;
  });
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        jwks: { type: 'string' },
        store: { type: 'boolean', default: false },
        record: { type: 'string' },
        consistency: { type: 'string' },
        to: { type: 'string' },
        twin: { type: 'string' },
        out: { type: 'string' },
        'key-arn': { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        'audit-table': { type: 'string' },
        'consent-table': { type: 'string' },
        region: { type: 'string' },
        data: { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

async function run(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  switch (command) {
    case 'verify':
      if (values.store) return verifyStore(values, io, env);
      if (rest.length !== 1) throw new CliUsageError('verify takes one FILE (or --store)');
      return verifyFile(rest[0]!, values, io);
    case 'prove':
      return prove(values, io, env);
    case 'export':
      if (values.twin === undefined) throw new CliUsageError('export needs --twin');
      return withTables(values, env, true, async (deps) =>
        emit(io, values, await exportTwinLog({ ...deps, clock: systemClock }, values.twin!)),
      );
    case 'head':
      return withTables(values, env, false, async ({ log }) => {
        const head = await log.latestHead();
        if (head === undefined) throw new TableUnavailableError('nothing has been sealed yet');
        await emit(io, values, head);
      });
    case 'jwks':
      return emit(io, values, await jwks(values, env));
    default:
      throw new CliUsageError(command === undefined ? 'give a command' : `unknown command ${command}`);
  }
}

async function verifyFile(file: string, values: Values, io: CliIo): Promise<void> {
  const doc = await readJson(file);
  const keys = await readJson(jwksPath(values));
  if (typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === STATEMENT_FORMAT)
    return verifyStatementFile(file, await verifyStatement(doc, keys), io);
  const { format, ok, report } = await verifyDocument(doc, keys);
  if (format === 'twinguard.log-export/v1') {
    const r = report as ExportReport;
    const head = r.treeHead
      ? ` against the head of ${r.treeHead.treeSize} records signed ${r.treeHead.timestamp} by ${r.treeHead.kid}`
      : '';
    io.out(`${file}: twin ${r.twinId ?? '?'}: ${r.verified} record(s) proven${head}; ${r.unsealed} not sealed yet`);
    for (const f of r.failures) io.out(`  FAILED record ${f.position} (${f.record}): ${f.reason}`);
    if (!ok) throw new VerificationFailedError(`${file}: does NOT verify${r.reason ? `: ${r.reason}` : ''}`);
    return;
  }
  if (!ok) throw new VerificationFailedError(`${file}: does NOT verify: ${(report as { reason: string }).reason}`);
  io.out(`${file}: ${format} verifies`);
}

function verifyStatementFile(file: string, r: StatementReport, io: CliIo): void {
  const head = r.treeHead ? ` against the head of ${r.treeHead.treeSize} records signed ${r.treeHead.timestamp} by ${r.treeHead.kid}` : '';
  io.out(
    `${file}: statement of talent ${r.talentId ?? '?'} for ${r.month ?? '?'}: ${r.verified} of ${r.lines} line(s) proven${head}; ${r.unsealed} not sealed yet`,
  );
  for (const t of r.totals)
    io.out(`  ${t.currency} ${t.amount} (${t.renders} renders, ${t.placements} placements), recomputed from the lines`);
  for (const f of r.failures) io.out(`  FAILED line ${f.position} (${f.recordId}): ${f.reason}`);
  if (!r.ok) throw new VerificationFailedError(`${file}: does NOT verify${r.reason ? `: ${r.reason}` : ''}`);
}

async function verifyStore(values: Values, io: CliIo, env: NodeJS.ProcessEnv): Promise<void> {
  await withTables(values, env, false, async ({ log }) => {
    const audit = await auditLog({ log }, { onProgress: (n, of) => n % 65_536 < 1024 && io.err(`checked ${n} of ${of}`) });
    if (audit.head === undefined) {
      io.out('nothing has been sealed yet');
      return;
    }
    const path = jwksPath(values, false);
    if (path !== undefined) {
      const signature = await verifyTreeHead(audit.head.jws, await readJson(path));
      if (!signature.ok) throw new VerificationFailedError(`the latest tree head does NOT verify: ${signature.reason}`);
      io.out(`the latest tree head (${audit.head.treeSize} records, ${audit.head.timestamp}) is signed by ${signature.value.kid}`);
    }
    for (const f of audit.findings) io.out(`  ${f.problem.toUpperCase()}: ${f.detail}`);
    if (!audit.intact) {
      throw new VerificationFailedError(
        `the log does NOT match its records: ${audit.findings.length} record(s) deleted or changed after sealing; root now ${audit.recomputedRoot}, signed ${audit.head.rootHash}`,
      );
    }
    io.out(`all ${audit.leavesChecked} sealed records are as they were sealed (root ${audit.head.rootHash})`);
  });
}

async function prove(values: Values, io: CliIo, env: NodeJS.ProcessEnv): Promise<void> {
  if ((values.record === undefined) === (values.consistency === undefined))
    throw new CliUsageError('prove needs --record or --consistency');
  await withTables(values, env, false, async ({ log }) => {
    if (values.consistency !== undefined) {
      const from = size(values.consistency, '--consistency');
      const to = values.to === undefined ? undefined : size(values.to, '--to');
      await emit(io, values, await proveConsistency({ log }, from, to));
      return;
    }
    const { proofs, unsealed } = await proveRecord({ log }, { recordId: values.record! });
    if (proofs.length === 0 && unsealed.length === 0) throw new TableUnavailableError(`no record ${values.record}`);
    for (const r of unsealed) io.err(`not sealed yet: ${r.pk} ${r.sk}`);
    // A takedown of a fan-out's batch: its request is the batch's record, which lists it.
    const shared = [...proofs.map((p) => p.record), ...unsealed]
      .map((r) => r['recordId'])
      .find((id) => typeof id === 'string' && id !== values.record);
    if (shared !== undefined) io.err(`${values.record} is recorded as ${String(shared)}, which lists that takedown among its batch`);
    if (proofs.length > 0) await emit(io, values, proofs.length === 1 ? proofs[0] : proofs);
  });
}

async function jwks(values: Values, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (values['key-arn'] !== undefined) {
    const kms = new KMSClient({ region: values.region ?? env['AWS_REGION'] ?? 'us-east-1' });
    try {
      return jwksOf(await publicJwkOfKmsKey(kms, values['key-arn']));
    } catch (error) {
      throw new TableUnavailableError(`cannot read the public key of ${values['key-arn']}: ${(error as Error).message}`, { cause: error });
    } finally {
      kms.destroy();
    }
  }
  return readJson(jwksPath(values));
}

/** --jwks, else the local runtime's file when it exists. */
function jwksPath(values: Values, required?: true): string;
function jwksPath(values: Values, required: false): string | undefined;
function jwksPath(values: Values, required = true): string | undefined {
  if (values.jwks !== undefined) return values.jwks;
  const local = resolve(values.data ?? '.twinguard', 'log', 'jwks.json');
  if (existsSync(local)) return local;
  if (required) throw new CliUsageError(`give the log's public key with --jwks (no ${local})`);
  return undefined;
}

async function withTables<T>(
  values: Values,
  env: NodeJS.ProcessEnv,
  needsConsent: boolean,
  work: (deps: ReturnType<typeof wireLogReader>) => Promise<T>,
): Promise<T> {
  const endpoint = values['dynamodb-endpoint'];
  const region = values.region ?? env['AWS_REGION'] ?? 'us-east-1';
  const client = new DynamoDBClient(
    endpoint === undefined ? { region } : { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  );
  try {
    const audit =
      values['audit-table'] ??
      (env[ENV.auditTable] || undefined) ??
      theTable(await listTables(client), 'AuditTable', '--audit-table', endpoint);
    const consent = needsConsent
      ? (values['consent-table'] ??
        (env[ENV.consentTable] || undefined) ??
        theTable(await listTables(client), 'ConsentTable', '--consent-table', endpoint))
      : '-';
    return await work(wireLogReader({ db: documentClient(client), tables: { audit, consent } }));
  } catch (error) {
    if (error instanceof LocalCliError) throw error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new TableUnavailableError(`cannot read the log: ${what}`, { cause: error });
  } finally {
    client.destroy();
  }
}

async function emit(io: CliIo, values: Values, doc: unknown): Promise<void> {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (values.out === undefined) io.out(text);
  else {
    await writeFile(values.out, text);
    io.err(`wrote ${values.out}`);
  }
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliInputError(`${path} is not JSON`, { cause: error });
  }
}

function size(text: string, flag: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new CliUsageError(`${flag} takes a tree size (a whole number), got "${text}"`);
  return n;
}

if (isEntryPoint(import.meta.url)) {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  process.exitCode = await main(process.argv.slice(2));
}
