/**
 * Benchmark: revoke the grant of a twin with N live placements (default 100,000) and dispatch
 * every takedown, on DynamoDB Local, through the real EventBridge client to the local PutEvents
 * endpoint; then the floor (bench/fanout-floor.ts) over the same placements. After a warm-up of
 * 1,000, `--runs` rounds, each on fresh placements; each figure is the median of the rounds,
 * with min and max. Checks that every placement got exactly one `Takedown Requested`.
 *
 * Also counted, over TwinGuard's runs: the calls it sends per 10 takedowns, by command, and the
 * items in each TransactWriteItems; and the heap after a full GC between invocations (what one
 * invocation keeps: flat in N means nothing grows with the job).
 *
 *   npm run bench:fanout -- --placements 100000 [--runs 3] [--json]
 *   (npm run bench runs this with the other benchmarks and reads the `RESULT` line.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { parseArgs } from 'node:util';
import { documentClient } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { wireAdapters } from '../shared/adapters/wire.ts';
import { DEFAULT_SOURCES } from '../shared/model/events/roles.ts';
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
import { floorFanout } from './fanout-floor.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({
  options: {
    placements: { type: 'string', default: '100000' },
    budget: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1000' },
    'in-process-bus': { type: 'boolean', default: false },
  },
});
const count = Number(values.placements);
const runs = Number(values.runs);
const progress = (line: string) => console.error(`[fan-out ${new Date().toISOString().slice(11, 19)}] ${line}`);

export interface Spread {
  median: number;
  min: number;
  max: number;
}
export interface FanoutResult {
  placements: number;
  runs: number;
  /** Seconds from the revocation until the last takedown was on the bus. */
  seconds: Spread;
  perSecond: Spread;
  floorSeconds: Spread;
  floorPerSecond: Spread;
  /** floor seconds / TwinGuard seconds (medians): 1 means no more than the raw calls. */
  fanoutRatio: number;
  /** The largest heap after a full GC between invocations, MiB. */
  heapAfterGcMiB: number;
  callsPer10Takedowns: Record<string, number>;
  itemsPerTransaction: { mean: number; max: number };
  ok: boolean;
}

const dynamo = await startDynamoDbLocal();
try {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const tables = await createTablesFromTemplate(client, synthesizeTemplate());
  const consent = tables.find((t) => t.logicalId.includes('ConsentTable'))!.tableName;
  const audit = tables.find((t) => t.logicalId.includes('AuditTable'))!.tableName;
  const db = documentClient(client);

  // One byte per placement of the run under way (ids end in their index): flat in N, unlike a Map.
  let tally = new Uint8Array(0);
  let prefix = '';
  const count1 = (placementId: string) => {
    if (placementId.startsWith(prefix)) tally[Number(placementId.slice(prefix.length))]! += 1;
  };
  const continuations: ReevaluationRequest[] = [];
  const server = await startPutEventsServer({
    eventBuses: ['twinguard'],
    onEvent: (_bus, e) => {
      const d = e.detail as Record<string, string>;
      if (e['detail-type'] === 'Takedown Requested') count1(d.placementId!);
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
              if (e.detailType === 'Takedown Requested') count1((e.detail as { placementId: string }).placementId);
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
  const calls = countCalls(db, bus);

  /** Seeds `n` live placements of a fresh twin under a fresh grant; returns the grant. */
  async function seed(run: string, n: number) {
    const grant = {
      grantId: `grant-${run}`,
      version: 1,
      twinId: `twin-${run}`,
      talentId: 'talent-bench',
      licensee: 'brand',
      validFrom: '2026-01-01T00:00:00Z',
      scope: { media: ['image'], channels: ['*'], territories: ['*'], modifications: [] },
      aiDisclosureRequired: false,
      evidence: { documentId: 'doc', signedAt: '2025-12-01T00:00:00Z' },
    };
    await grantConsent(deps, grant, `evt-grant-${run}`);
    const publication: PublicationRecord = {
      publicationId: `pub-${run}`,
      assetId: `asset-${run}`,
      channel: 'instagram',
      twinIds: [grant.twinId],
      licensee: 'brand',
      medium: 'image',
      modifications: [],
      territories: ['SE'],
      aiLabelled: true,
      approved: true,
      grants: [{ twinId: grant.twinId, grantId: grant.grantId, version: 1 }],
      decisionId: `dec-${run}`,
      decidedAt: new Date().toISOString(),
    };
    await seedPublication(db, consent, publication);
    await seedPlacements(db, consent, {
      count: n,
      prefix: run,
      publication,
      reliesOn: publication.grants,
      channels: ['instagram', 'tiktok', 'web', 'ads'],
      concurrency: 16,
    });
    return grant;
  }

  async function runOnce(run: string, n: number) {
    const t0 = performance.now();
    const grant = await seed(run, n);
    progress(`${run}: seeded ${n} placements in ${((performance.now() - t0) / 1000).toFixed(1)} s; revoking`);
    tally = new Uint8Array(n);
    prefix = `${run}-`;
    calls.reset();
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    let retainedMax = 0;
    let t = performance.now();
    await revokeConsent(deps, { grantId: grant.grantId, twinId: grant.twinId, revokedAt: new Date().toISOString() }, `evt-revoke-${run}`);
    let invocations = 0;
    while (continuations.length > 0) {
      await reevaluatePlacements(deps, continuations.shift()!);
      invocations++;
      if (gc) {
        gc();
        retainedMax = Math.max(retainedMax, process.memoryUsage().heapUsed);
      }
    }
    const seconds = (performance.now() - t) / 1000;
    const ok = tally.every((c) => c === 1);
    const counted = calls.snapshot();
    progress(
      `${run}: TwinGuard ${seconds.toFixed(1)} s (${Math.round(n / seconds)} /s), ${invocations} invocations${ok ? '' : ', NOT every placement sent once'}; floor`,
    );
    t = performance.now();
    const floorCount = await floorFanout(db, consent, { client: bus, name: 'twinguard' }, grant.grantId);
    const floorSeconds = (performance.now() - t) / 1000;
    progress(`${run}: floor ${floorSeconds.toFixed(1)} s (${Math.round(n / floorSeconds)} /s)`);
    return { seconds, floorSeconds, ok: ok && floorCount === n, heap: retainedMax, counted };
  }

  progress(`warm-up: ${values.warmup} placements, unmeasured`);
  await runOnce('warm', Number(values.warmup));
  const results = [];
  for (let r = 1; r <= runs; r++) {
    progress(`run ${r} of ${runs}: ${count} placements`);
    results.push(await runOnce(`r${r}`, count));
  }
  await server.close();

  const seconds = spread(results.map((r) => r.seconds));
  const floorSeconds = spread(results.map((r) => r.floorSeconds));
  const last = results.at(-1)!.counted;
  const result: FanoutResult = {
    placements: count,
    runs,
    seconds,
    perSecond: rate(count, seconds),
    floorSeconds,
    floorPerSecond: rate(count, floorSeconds),
    fanoutRatio: round(floorSeconds.median / seconds.median, 2),
    heapAfterGcMiB: round(Math.max(...results.map((r) => r.heap)) / 2 ** 20, 1),
    callsPer10Takedowns: Object.fromEntries(Object.entries(last.commands).map(([k, v]) => [k, round((v * 10) / count, 2)])),
    itemsPerTransaction: last.items,
    ok: results.every((r) => r.ok),
  };
  console.log(
    `revocation of a twin with ${count} placements: ${seconds.median} s (${seconds.min}-${seconds.max}), ${result.perSecond.median} /s; ` +
      `floor ${floorSeconds.median} s, ${result.floorPerSecond.median} /s; fanout_ratio ${result.fanoutRatio}; heap after GC ≤ ${result.heapAfterGcMiB} MiB; ` +
      `calls per 10 takedowns ${JSON.stringify(result.callsPer10Takedowns)}; items per transaction ${JSON.stringify(result.itemsPerTransaction)}` +
      (result.ok ? '' : '; FAILED: not every placement sent exactly once'),
  );
  console.log(`RESULT ${JSON.stringify(result)}`);
  if (!result.ok) process.exitCode = 1;
} finally {
  await dynamo.stop();
}

function spread(values: number[], digits = 1): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(sorted[Math.floor((sorted.length - 1) / 2)]!, digits),
    min: round(sorted[0]!, digits),
    max: round(sorted.at(-1)!, digits),
  };
}

/** The rate of each of `seconds`' figures: the median run is the median rate, the slowest the least. */
function rate(n: number, seconds: Spread): Spread {
  return { median: Math.round(n / seconds.median), min: Math.round(n / seconds.max), max: Math.round(n / seconds.min) };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** Counts the commands both clients send, by name, and the items of each transaction. */
function countCalls(db: { middlewareStack: unknown }, bus: { middlewareStack: unknown }) {
  let commands: Record<string, number> = {};
  let transactions = 0;
  let items = 0;
  let maxItems = 0;
  for (const c of [db, bus]) {
    (c.middlewareStack as { add: (mw: unknown, options: object) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        (args: { input?: { TransactItems?: unknown[] } }) => {
          const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
          commands[name] = (commands[name] ?? 0) + 1;
          const n = args.input?.TransactItems?.length;
          if (n !== undefined) {
            transactions++;
            items += n;
            maxItems = Math.max(maxItems, n);
          }
          return next(args);
        },
      { step: 'initialize', name: 'bench-fanout-count' },
    );
  }
  return {
    reset() {
      commands = {};
      transactions = items = maxItems = 0;
    },
    snapshot() {
      return { commands: { ...commands }, items: { mean: transactions ? round(items / transactions, 1) : 0, max: maxItems } };
    },
  };
}
