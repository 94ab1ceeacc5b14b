/**
 * Benchmark: revoke the grant of a twin with N live placements (default 100,000) and
 * dispatch every takedown, on DynamoDB Local, through the real EventBridge client to the
 * local PutEvents endpoint. Prints time, rate, invocations and peak heap; checks that every
 * placement got exactly one `Takedown Requested`.
 *
 *   npm run bench:fanout -- --placements 100000   (npm run bench runs this with the other benchmarks)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { parseArgs } from 'node:util';
import { DEFAULT_SOURCES } from '../shared/model/events/roles.ts';
import { documentClient } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { wireAdapters } from '../shared/adapters/wire.ts';
import type { PublicationRecord } from '../shared/model/records.ts';
import { grantConsent } from '../shared/use-cases/grant-consent.ts';
import { reevaluatePlacements } from '../shared/use-cases/reevaluate-placements.ts';
import type { ReevaluationRequest } from '../shared/use-cases/reevaluation-requested.ts';
import { revokeConsent } from '../shared/use-cases/revoke-consent.ts';
import { synthesizeTemplate } from '../local/app/synthesize.ts';
import { LOCAL_ACCOUNT as BENCH_ACCOUNT } from '../local/bus/put-events.ts';
import { startPutEventsServer } from '../local/bus/put-events-server.ts';
import { createTablesFromTemplate } from '../local/dynamodb/create-tables.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { seedPlacements, seedPublication } from '../test/support/seed.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({
  options: {
    placements: { type: 'string', default: '100000' },
    budget: { type: 'string', default: '2000' },
    'in-process-bus': { type: 'boolean', default: false },
  },
});
const count = Number(values.placements);

const dynamo = await startDynamoDbLocal();
try {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const tables = await createTablesFromTemplate(client, synthesizeTemplate());
  const consent = tables.find((t) => t.logicalId.includes('ConsentTable'))!.tableName;
  const audit = tables.find((t) => t.logicalId.includes('AuditTable'))!.tableName;
  const db = documentClient(client);

  const takedowns = new Map<string, number>();
  const tally = (d: Record<string, string>) =>
    takedowns.set(`${d.channel}/${d.placementId}`, (takedowns.get(`${d.channel}/${d.placementId}`) ?? 0) + 1);
  const continuations: ReevaluationRequest[] = [];
  const server = await startPutEventsServer({
    eventBuses: ['twinguard'],
    onEvent: (_bus, e) => {
      const d = e.detail as Record<string, string>;
      if (e['detail-type'] === 'Takedown Requested') tally(d);
      if (e['detail-type'] === 'Reevaluation Requested') continuations.push(d as unknown as ReevaluationRequest);
    },
  });
  const bus = new EventBridgeClient({ endpoint: server.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const { deps } = wireAdapters({
    db,
    tables: { consent, audit },
    // --in-process-bus skips HTTP, to tell the store's share of the time from the bus's.
    publisher: values['in-process-bus']
      ? {
          publish: async (events) => {
            for (const e of events)
              if (e.detailType === 'Takedown Requested') tally(e.detail as never);
              else if (e.detailType === 'Reevaluation Requested') continuations.push(e.detail as never);
          },
        }
      : { eventBridge: bus, busName: 'twinguard' },
    settings: {
      sources: DEFAULT_SOURCES,
      accounts: { consent: [BENCH_ACCOUNT], studio: [BENCH_ACCOUNT], publisher: [BENCH_ACCOUNT], channel: [BENCH_ACCOUNT] },
      channelSenders: {},
      takedownSlaSeconds: 3600,
      reevaluationBudget: Number(values.budget),
      jobStallSeconds: 300,
    },
  });

  const grant = {
    grantId: 'grant-bench',
    version: 1,
    twinId: 'twin-bench',
    talentId: 'talent-bench',
    licensee: 'brand',
    validFrom: '2026-01-01T00:00:00Z',
    scope: { media: ['image'], channels: ['*'], territories: ['*'], modifications: [] },
    aiDisclosureRequired: false,
    evidence: { documentId: 'doc', signedAt: '2025-12-01T00:00:00Z' },
  };
  await grantConsent(deps, grant, 'evt-grant');
  const publication: PublicationRecord = {
    publicationId: 'pub-bench',
    assetId: 'asset-bench',
    channel: 'instagram',
    twinIds: ['twin-bench'],
    licensee: 'brand',
    medium: 'image',
    modifications: [],
    territories: ['SE'],
    aiLabelled: true,
    approved: true,
    grants: [{ twinId: 'twin-bench', grantId: 'grant-bench', version: 1 }],
    decisionId: 'dec-bench',
    decidedAt: new Date().toISOString(),
  };
  await seedPublication(db, consent, publication);
  let t = performance.now();
  await seedPlacements(db, consent, {
    count,
    prefix: 'p',
    publication,
    reliesOn: publication.grants,
    channels: ['instagram', 'tiktok', 'web', 'ads'],
    concurrency: 16,
  });
  console.log(`seeded ${count} placements in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
  t = performance.now();
  await revokeConsent(deps, { grantId: 'grant-bench', twinId: 'twin-bench', revokedAt: new Date().toISOString() }, 'evt-revoke');
  let invocations = 0;
  // What one invocation keeps after it ends, measured after a full GC: flat means no leak with N.
  let retainedMax = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  while (continuations.length > 0) {
    await reevaluatePlacements(deps, continuations.shift()!);
    invocations++;
    if (gc) {
      gc();
      retainedMax = Math.max(retainedMax, process.memoryUsage().heapUsed);
    }
  }
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  const twice = [...takedowns.values()].filter((n) => n !== 1).length;
  console.log(
    `revocation of a twin with ${count} placements: ${takedowns.size} takedowns dispatched in ${seconds.toFixed(1)} s (${Math.round(takedowns.size / seconds)} /s), ${invocations} invocations of budget ${values.budget}, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB, heap after GC between invocations ≤ ${(retainedMax / 2 ** 20).toFixed(0)} MiB (the tally of ${takedowns.size} keys included), sent more than once: ${twice}`,
  );
  await server.close();
  if (takedowns.size !== count || twice > 0) process.exitCode = 1;
} finally {
  await dynamo.stop();
}
