/**
 * Benchmark of the transparency log on DynamoDB Local: N audit records written through the
 * real write path (10 records and their pending marker per transaction, as a fan-out page
 * commits them), then sealed; then inclusion proofs by record id, and one twin's export.
 *
 *   npm run bench:log -- --records 100000
 *
 * Targets (issue 10): 100,000 records sealed in under 60 s; an inclusion proof in under 50 ms.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { parseArgs } from 'node:util';
import { auditPut } from '../shared/adapters/dynamodb/audit-put.ts';
import { documentClient } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { PendingLogWriter } from '../shared/adapters/dynamodb/pending-log.ts';
import { LocalKeySigner, newPrivateJwk } from '../shared/adapters/signing/local-key-signer.ts';
import { jwksOf } from '../shared/adapters/signing/jwk.ts';
import { wireLog } from '../shared/adapters/wire.ts';
import type { AuditRecord } from '../shared/model/records.ts';
import { auditLog } from '../shared/use-cases/audit-log.ts';
import { exportTwinLog, proveRecord } from '../shared/use-cases/log-proofs.ts';
import { sealLog } from '../shared/use-cases/seal-log.ts';
import { synthesizeTemplate } from '../local/app/synthesize.ts';
import { createTablesFromTemplate } from '../local/dynamodb/create-tables.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { verifyExport, verifyInclusionProof } from '../verifier/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    twins: { type: 'string', default: '100' },
    proofs: { type: 'string', default: '200' },
    'per-seal': { type: 'string', default: '20000' },
    audit: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const count = Number(values.records);
const twins = Number(values.twins);
const PER_TRANSACTION = 10;

const dynamo = await startDynamoDbLocal();
try {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const created = await createTablesFromTemplate(client, synthesizeTemplate());
  const tables = {
    consent: created.find((t) => t.logicalId.includes('ConsentTable'))!.tableName,
    audit: created.find((t) => t.logicalId.includes('AuditTable'))!.tableName,
  };
  const db = documentClient(client);

  // Writers stamp at the wall clock; the sealer runs a minute later, past the grace.
  const pending = new PendingLogWriter(tables);
  const started = Date.now();
  const record = (i: number): AuditRecord => ({
    twinId: `twin-${i % twins}`,
    at: new Date(started + i).toISOString(),
    recordId: `render-decision:dec-${i}`,
    kind: 'render-decision',
    outcome: 'approved',
    grants: [{ twinId: `twin-${i % twins}`, grantId: `grant-${i % twins}`, version: 1 }],
    request: {
      requestId: `render-${i}`,
      twinIds: [`twin-${i % twins}`],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: ['garment', 'background'],
      campaignId: 'ss27',
    },
    eventId: `evt-${i}`,
  });
  let t = performance.now();
  const batches = Math.ceil(count / PER_TRANSACTION);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < batches) {
        const b = next++;
        const puts = Array.from({ length: Math.min(PER_TRANSACTION, count - b * PER_TRANSACTION) }, (_, k) =>
          auditPut(tables.audit, record(b * PER_TRANSACTION + k)),
        );
        await db.send(new TransactWriteCommand({ TransactItems: pending.withMarker(puts) }));
      }
    }),
  );
  console.log(`wrote ${count} records (${batches} transactions with their markers) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const signer = await LocalKeySigner.fromJwk(await newPrivateJwk());
  const jwks = jwksOf(await signer.publicJwk());
  const clock = { now: () => new Date(Date.now() + 60_000) };
  const deps = wireLog({ db, tables, signer, clock, settings: { maxRecordsPerSeal: Number(values['per-seal']) } });
  // --profile: where the sealer's time goes, per store call.
  const spent = new Map<string, number>();
  if (values.profile) {
    const store = deps.log as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    deps.log = new Proxy(store, {
      get: (target, name: string) =>
        typeof target[name] !== 'function'
          ? target[name]
          : async (...args: unknown[]) => {
              const begun = performance.now();
              try {
                return await target[name]!(...args);
              } finally {
                spent.set(name, (spent.get(name) ?? 0) + performance.now() - begun);
              }
            },
    }) as unknown as typeof deps.log;
  }
  t = performance.now();
  const sealed = await sealLog(deps);
  const sealSeconds = (performance.now() - t) / 1000;
  console.log(
    `sealed ${sealed.sealed} records in ${sealSeconds.toFixed(1)} s (${Math.round(sealed.sealed / sealSeconds)} records/s), ${sealed.heads} signed heads, tree size ${sealed.treeSize}`,
  );

  if (values.profile) console.log([...spent].map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', '));
  spent.clear();

  const samples: number[] = [];
  let verified = 0;
  for (let s = 0; s < Number(values.proofs); s++) {
    const i = Math.floor((s * 7919) % count);
    const start = performance.now();
    const { proofs } = await proveRecord(deps, { recordId: `render-decision:dec-${i}` });
    samples.push(performance.now() - start);
    if ((await verifyInclusionProof(JSON.parse(JSON.stringify(proofs[0])), jwks)).ok) verified++;
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(1);
  console.log(
    `inclusion proof by record id (index lookup, record, tiles) over ${samples.length} records: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms; ${verified} verified offline`,
  );

  if (values.profile) console.log([...spent].map(([name, ms]) => `${name} ${(ms / samples.length).toFixed(1)} ms`).join(', '));
  t = performance.now();
  const doc = await exportTwinLog({ log: deps.log, consent: { grantsOfTwins: async () => new Map() }, clock }, 'twin-0');
  const exportMs = performance.now() - t;
  t = performance.now();
  const report = await verifyExport(JSON.parse(JSON.stringify(doc)), jwks);
  console.log(
    `export of one twin (${doc.records.length} records with proofs, ${(JSON.stringify(doc).length / 2 ** 20).toFixed(1)} MiB) in ${exportMs.toFixed(0)} ms; verified offline in ${(performance.now() - t).toFixed(0)} ms: ${report.ok}`,
  );
  if (values.audit) {
    t = performance.now();
    const audit = await auditLog(deps);
    console.log(
      `store check of ${audit.leavesChecked} records in ${((performance.now() - t) / 1000).toFixed(1)} s: intact ${audit.intact}`,
    );
  }
  if (sealed.sealed !== count || verified !== samples.length || !report.ok) process.exitCode = 1;
} finally {
  await dynamo.stop();
}
