/**
 * "The log must not slow decisions" (issue 10): decision latency with the sealer running
 * beside it, as in the local runtime (sealLog every second, 2 s grace, on the same DynamoDB
 * Local), against the same decisions with no sealer, side by side in one run.
 *
 * Rounds alternate, the order flipping every round (without, with; with, without; ...), so
 * drift of a shared machine hits both alike. A "with" round starts the sealer before its
 * first decision and stops it after its last; the backlog of the "without" rounds before it
 * is sealed by its first seal, as a sealer catching up would. Each side's figure is the median
 * of its rounds' p50 (min and max of those beside it); `sealer_overhead` = with p50 / without
 * p50 (1.0 = no cost; the target is at most 1.1).
 *
 * Decisions write their pending markers and check the fence whether the sealer runs or not:
 * what is measured is what the sealer adds (its reads and writes on the same DynamoDB Local,
 * its closing of the queue, the writes it refuses and that are decided again).
 *
 * Alone, with its own DynamoDB Local and PutEvents endpoint:
 *   node --import tsx bench/sealer-overhead.ts [--rounds 6] [--per-round 60] [--concurrency 1] [--write]
 * (`--write` merges the figures into bench/results.json; `npm run bench` always does).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { documentClient } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { EventBridgePublisher } from '../shared/adapters/eventbridge/eventbridge-publisher.ts';
import { LocalKeySigner, newPrivateJwk } from '../shared/adapters/signing/local-key-signer.ts';
import { wireAdapters, wireLog } from '../shared/adapters/wire.ts';
import { DEFAULT_SOURCES } from '../shared/model/events/roles.ts';
import { handleInbound } from '../shared/use-cases/handle-inbound.ts';
import { sealLog } from '../shared/use-cases/seal-log.ts';
import { synthesizeTemplate } from '../local/app/synthesize.ts';
import { startPutEventsServer } from '../local/bus/put-events-server.ts';
import { createTablesFromTemplate } from '../local/dynamodb/create-tables.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { LOCAL_LOG_GRACE_SECONDS } from '../local/runtime/handler-env.ts';
import { mergeResults } from './cold-start.ts';
import { approveRender, type DecisionClients, envelope, type Figure, figure, round, SETTINGS, times } from './decision.ts';
import { benchGrant } from './bench-grant.ts';

export interface SealerOverheadOptions {
  /** Rounds per side. @default 6 */
  rounds?: number;
  /** Decisions per round. @default 60 */
  perRound?: number;
  /** @default 30 */
  warmup?: number;
  /** Decisions in flight at once. @default 1 */
  concurrency?: number;
  /** Between the starts of two seals, as the local runtime's tick. @default 1000 */
  sealEveryMs?: number;
  /** The sealer's own client (a function of its own deployed); default: the decisions' client. */
  sealerDb?: DynamoDBDocumentClient;
}

export interface SealerOverhead {
  without: Omit<Figure, 'roundTrips'>;
  with: Omit<Figure, 'roundTrips'>;
  /** with p50 / without p50: 1 means the sealer costs decisions nothing; the target is ≤ 1.1. */
  sealer_overhead: number;
  /** Seals run during the "with" rounds, and the records they sealed. */
  seals: number;
  recordsSealed: number;
  /**
   * DynamoDB requests per decision, without and with the sealer: more with it would be writes
   * it refused (a stamp it had closed, a conflict on a fence) and decided again.
   */
  requestsPerDecision: { without: number; with: number };
  /** DynamoDB requests per seal, and the median time a seal took. */
  requestsPerSeal: number;
  sealMs: number;
  concurrency: number;
  /** Decisions measured per side. */
  decisions: number;
}

export async function measureSealerOverhead(clients: DecisionClients, options: SealerOverheadOptions = {}): Promise<SealerOverhead> {
  const { rounds = 6, perRound = 60, warmup = 30, concurrency = 1, sealEveryMs = 1000 } = options;
  const publisher = new EventBridgePublisher(clients.eventBridge, clients.busName);
  const { deps } = wireAdapters({ db: clients.db, tables: clients.tables, publisher, settings: SETTINGS });
  const signer = await LocalKeySigner.fromJwk(await newPrivateJwk());
  const sealerDb = options.sealerDb ?? clients.db;
  const log = wireLog({ db: sealerDb, tables: clients.tables, signer, settings: { graceMs: LOCAL_LOG_GRACE_SECONDS * 1000 } });
  const requests = countRequests(sealerDb);
  // Counts only the decisions' requests when the sealer has a client of its own.
  const decisionRequests = sealerDb === clients.db ? undefined : countRequests(clients.db);
  const perSide = { without: 0, with: 0 };

  const run = randomUUID().slice(0, 8);
  const grant = benchGrant('sealer', run);
  const twinId = grant.twinId;
  await handleInbound(deps, envelope('Consent Granted', DEFAULT_SOURCES.consent, grant));
  let seq = 0;
  const decide = async () => {
    await approveRender(deps, `render-${run}-${++seq}`, twinId);
  };

  const sealed = { seals: 0, records: 0, requests: 0, ms: [] as number[] };
  /** The local runtime's tick: a seal, then the next one a second after the last one started. */
  const startSealer = () => {
    let running = true;
    const loop = (async () => {
      while (running) {
        const begun = performance.now();
        const before = requests.count;
        const result = await sealLog(log);
        sealed.seals++;
        sealed.records += result.sealed;
        sealed.requests += requests.count - before;
        sealed.ms.push(performance.now() - begun);
        const wait = sealEveryMs - (performance.now() - begun);
        if (running && wait > 0) await sleep(wait);
      }
    })();
    return async () => {
      running = false;
      await loop;
    };
  };

  await times(warmup, concurrency, decide);
  // The warm-up's records sealed before the first round, and the sealer's own code warm.
  await sleep(LOCAL_LOG_GRACE_SECONDS * 1000);
  await sealLog(log);

  const withP: number[][] = [];
  const withoutP: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
      const before = decisionRequests?.count ?? 0;
      if (side === 'without') {
        withoutP.push(await times(perRound, concurrency, decide));
        perSide.without += (decisionRequests?.count ?? 0) - before;
        continue;
      }
      const seals = sealed.seals;
      const stop = startSealer();
      withP.push(await times(perRound, concurrency, decide));
      perSide.with += (decisionRequests?.count ?? 0) - before;
      await stop();
      if (sealed.seals === seals) throw new Error('no seal ran during a "with" round: make the rounds longer');
    }
  }
  requests.remove();
  decisionRequests?.remove();
  const { roundTrips: _w, ...w } = figure(withP, 0);
  const { roundTrips: _o, ...o } = figure(withoutP, 0);
  return {
    without: o,
    with: w,
    sealer_overhead: round(w.p50 / o.p50, 2),
    seals: sealed.seals,
    recordsSealed: sealed.records,
    requestsPerDecision: { without: round(perSide.without / (rounds * perRound), 2), with: round(perSide.with / (rounds * perRound), 2) },
    requestsPerSeal: round(sealed.requests / sealed.seals, 1),
    sealMs: round(figure([sealed.ms], 0).p50, 1),
    concurrency,
    decisions: rounds * perRound,
  };
}

/** Counts the requests sent through a client, while the decisions' client may be the same one (then it counts theirs too). */
function countRequests(db: DynamoDBDocumentClient) {
  const name = `bench-sealer-count-${randomUUID()}`;
  const counter = { count: 0, remove: () => db.middlewareStack.remove(name) };
  (db.middlewareStack as { add: (mw: unknown, options: object) => void }).add(
    (next: (args: unknown) => Promise<unknown>) => (args: unknown) => {
      counter.count++;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return counter;
}

export function sealerOverheadLine(s: SealerOverhead): string {
  return (
    `${String(s.concurrency).padStart(2)} in flight: without the sealer p50 ${s.without.p50} (${s.without.minP50}-${s.without.maxP50}), ` +
    `with it ${s.with.p50} (${s.with.minP50}-${s.with.maxP50}); sealer_overhead ${s.sealer_overhead} ` +
    `(${s.decisions} decisions each, ${s.requestsPerDecision.without} and ${s.requestsPerDecision.with} DynamoDB requests a decision; ${s.seals} seals of ${s.recordsSealed} records during the "with" rounds, ` +
    `${s.requestsPerSeal} DynamoDB requests and ${s.sealMs} ms a seal)`
  );
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      'per-round': { type: 'string', default: '60' },
      concurrency: { type: 'string', multiple: true, default: ['1', '16'] },
      write: { type: 'boolean', default: false },
    },
  });
  const loadAtStart = Number(loadavg()[0]!.toFixed(1));
  const dynamo = await startDynamoDbLocal();
  const server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: () => {} });
  const figures: Record<string, SealerOverhead> = {};
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const created = await createTablesFromTemplate(client, synthesizeTemplate());
    const named = (part: string) => created.find((t) => t.logicalId.includes(part))!.tableName;
    const eventBridge = new EventBridgeClient({ endpoint: server.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const clients = {
      db: documentClient(client),
      tables: { consent: named('ConsentTable'), audit: named('AuditTable') },
      eventBridge,
      busName: 'twinguard',
    };
    const sealerClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    for (const c of values.concurrency) {
      const s = await measureSealerOverhead(clients, {
        rounds: Number(values.rounds),
        perRound: Number(values['per-round']),
        concurrency: Number(c),
        sealerDb: documentClient(sealerClient),
      });
      figures[`c${c}`] = s;
      console.log(JSON.stringify(s));
      console.log(sealerOverheadLine(s));
    }
    client.destroy();
    sealerClient.destroy();
    eventBridge.destroy();
  } finally {
    await server.close();
    await dynamo.stop();
  }
  const load = { atStart: loadAtStart, atEnd: Number(loadavg()[0]!.toFixed(1)) };
  console.log(`load average ${load.atStart} at the start, ${load.atEnd} at the end`);
  if (values.write) mergeResults({ sealerOverhead: { measuredAt: new Date().toISOString(), load, ...figures } });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
