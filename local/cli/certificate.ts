import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { systemClock } from '../../shared/adapters/system.ts';
import { wireCertificateReader, wireLogReader } from '../../shared/adapters/wire.ts';
import { certificateProofs, MAX_CERTIFICATE_RECORDS_PROVEN } from '../../shared/use-cases/certificate-proofs.ts';
import { certificateDocument, certificatesOfGrant } from '../../shared/use-cases/queries/removal-certificates.ts';
import { verifyRemovalCertificate } from '../../verifier/index.ts';
import { CliInputError, CliUsageError, LocalCliError, TableUnavailableError, VerificationFailedError } from './errors.ts';
import { type CliIo, consoleIo, exitCodeOf } from './io.ts';
import { listTables, theTable } from './list-tables.ts';

export const USAGE = `Usage: twinguard certificate --grant <grantId> [options]

The certificates of removal of a grant (docs/proofs.md): one per revocation, narrowing or
expiry whose takedowns are all closed. Lists them, and the placements of the latest.

Options:
  --grant ID               the grant (required)
  --job JOB_ID             that job's certificate (e.g. revoked#<grantId>) instead of the latest
  --json                   the certificate as the document an agency archives and verifies:
                           { format, certificate (the signed manifest), pages }
  --out FILE               write that document to FILE
  --proofs FILE            write the inclusion proofs of the records it lists (each takedown's,
                           and its own line) against the latest signed head, as a log export
                           that "twinguard log verify FILE" checks; records not sealed yet are
                           listed apart (at most ${MAX_CERTIFICATE_RECORDS_PROVEN} records: else "log export --twin")
  --audit-table NAME       the audit table, for --proofs (default: $${ENV.auditTable}, else the one
                           table whose name contains "AuditTable")
  --jwks FILE              verify the certificate with this public key before showing it (the
                           local runtime's key by default when it runs); exit 1 if it fails
  --dynamodb-endpoint URL  DynamoDB endpoint, e.g. the local runtime's DynamoDB Local
  --table NAME             the consent table (default: $${ENV.consentTable}, else the one table
                           whose name contains "ConsentTable")
  --region REGION          default $AWS_REGION, else us-east-1

Exit codes: 0 shown, 1 no certificate (yet), verification failed or tables unreadable, 2 bad arguments.`;

export function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return exitCodeOf(io, USAGE, () => run(argv, io, env));
}

async function run(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        grant: { type: 'string' },
        job: { type: 'string' },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        proofs: { type: 'string' },
        'audit-table': { type: 'string' },
        jwks: { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        table: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const grantId = values.grant;
  if (grantId === undefined || grantId === '' || grantId.length > 256)
    throw new CliUsageError('give --grant <grantId> (1 to 256 characters)');
  const jwks = values.jwks === undefined ? undefined : await readJwks(values.jwks);
  const endpoint = values['dynamodb-endpoint'];
  const region = values.region ?? env.AWS_REGION ?? 'us-east-1';
  const client = new DynamoDBClient(
    endpoint === undefined ? { region } : { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  );
  try {
    const consent =
      values.table ?? (env[ENV.consentTable] || undefined) ?? theTable(await listTables(client), 'ConsentTable', '--table', endpoint);
    const store = wireCertificateReader({ db: documentClient(client), tables: { consent } });
    const all = await certificatesOfGrant(store, grantId);
    const chosen = values.job === undefined ? all.at(-1) : all.find((c) => c.jobId === values.job);
    if (chosen === undefined) {
      io.err(
        values.job === undefined
          ? `no certificate of removal for grant ${grantId} yet: it is issued once every takedown its revocation (or narrowing, expiry) opened is closed`
          : `no certificate of removal for job ${values.job} of grant ${grantId} (its certificates: ${all.map((c) => c.jobId).join(', ') || 'none'})`,
      );
      return 1;
    }
    const doc = await certificateDocument(store, chosen);
    let verifiedLine: string | undefined;
    if (jwks !== undefined) {
      const checked = await verifyRemovalCertificate(JSON.parse(JSON.stringify(doc)), jwks, { expect: { grantId } });
      if (!checked.ok) throw new VerificationFailedError(`certificate ${chosen.certificateId}: does NOT verify: ${checked.reason}`);
      verifiedLine = `verified: signed by key ${checked.value.kid}; its ${checked.value.placements} placement(s) match the signed pages`;
    }
    if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(doc, null, 2)}\n`);
    let provenLine: string | undefined;
    if (values.proofs !== undefined) {
      const audit =
        values['audit-table'] ??
        (env[ENV.auditTable] || undefined) ??
        theTable(await listTables(client), 'AuditTable', '--audit-table', endpoint);
      const reader = wireLogReader({ db: documentClient(client), tables: { audit, consent } });
      const twinId = chosen.claims.twinIds[0]!;
      const proofs = await certificateProofs({ log: reader.log, clock: systemClock }, twinId, doc);
      await writeFile(values.proofs, `${JSON.stringify(proofs, null, 2)}\n`);
      provenLine = `proofs of ${proofs.records.length} record(s) written to ${values.proofs}${proofs.unsealed.length === 0 ? '' : `; ${proofs.unsealed.length} not sealed yet (ask again after the next seal)`}`;
    }
    if (values.json) {
      if (values.out === undefined) io.out(JSON.stringify(doc, null, 2));
      if (provenLine !== undefined) io.err(provenLine);
      return 0;
    }
    for (const c of all) {
      const o = c.claims.outcomes;
      io.out(
        `${c.certificateId}  ${c.jobId}  issued ${c.claims.issuedAt}  ${c.claims.placements} placement(s): ` +
          `${o.verified} verified, ${o.unverified} unverified, ${o.unverifiable} unverifiable, ${o.failed} failed, ${o.closed} closed`,
      );
    }
    io.out(`\n${chosen.certificateId} (${chosen.jobId}):`);
    for (const page of doc.pages)
      for (const e of page.entries)
        io.out(
          `  ${e.outcome.padEnd(12)} ${e.channel} ${e.placementId}  takedown ${e.takedownId}` +
            `${e.url === undefined ? '' : `  ${e.url}`}${e.finding === undefined ? '' : `  (${e.finding} at ${e.verifiedAt})`}`,
        );
    if (verifiedLine !== undefined) io.out(verifiedLine);
    if (values.out !== undefined) io.out(`written to ${values.out}`);
    if (provenLine !== undefined) io.out(provenLine);
    return 0;
  } catch (error) {
    if (error instanceof LocalCliError) throw error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new TableUnavailableError(`cannot read the certificates: ${what}`, { cause: error });
  } finally {
    client.destroy();
  }
}

/** A JWKS file is a few hundred bytes: anything past 64 KiB is not one. */
async function readJwks(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliInputError(`cannot read the public key file ${path} (${(error as { code?: string }).code ?? 'error'})`, { cause: error });
  }
  if (text.length > 65_536) throw new CliInputError(`${path} is too large to be a JWKS file`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliInputError(`${path} is not JSON`, { cause: error });
  }
}
