/**
 * One decision, in process, against its floor (issue 12).
 *
 * - handler: an approved `Render Requested` through `handleInbound` (validation, domain,
 *   storage, emission), wired by `wireAdapters` as the Lambdas are, with the real DynamoDB
 *   client and the real EventBridge client;
 * - floor: the raw SDK calls any decision needs, writing what the handler writes: one
 *   consistent Query of the twin's grants, one TransactWrite of the same three items (the
 *   receipt, conditional; one audit line; one usage line), one PutEvents of the same two entries.
 *
 * Beside the handler's duration, `toBus`: how long until its PutEvents was answered, which is
 * when consumers can see the decision (what the handler does after that only lengthens the
 * invocation). The two alternate in rounds, so drift of the machine hits both alike. Each figure is the
 * median of the rounds' p50, with the min and max of those p50 beside it. Round trips are
 * counted per decision (commands sent, by a middleware on both clients).
 *
 * Reusable: `measureDecision(clients, options)`. Alone, with its own DynamoDB Local and
 * PutEvents endpoint:  node --import tsx bench/decision.ts [--rounds 5] [--per-round 100] [--concurrency 1]
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { documentClient } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { auditKeys, keys } from '../shared/adapters/dynamodb/keys.ts';
import type { TableNames } from '../shared/adapters/dynamodb/table-names.ts';
import { EventBridgePublisher } from '../shared/adapters/eventbridge/eventbridge-publisher.ts';
import { ensureKeyFiles, LocalKeySigner } from '../shared/adapters/signing/local-key-signer.ts';
import { wireAdapters } from '../shared/adapters/wire.ts';
import type { EventEnvelope } from '../shared/model/events/envelope.ts';
import { DEFAULT_SOURCES } from '../shared/model/events/roles.ts';
import type { EventPublisher } from '../shared/ports/ports.ts';
import type { Signer } from '../shared/ports/signer.ts';
import { handleInbound } from '../shared/use-cases/handle-inbound.ts';
import { synthesizeTemplate } from '../local/app/synthesize.ts';
import { startPutEventsServer } from '../local/bus/put-events-server.ts';
import { createTablesFromTemplate } from '../local/dynamodb/create-tables.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { benchGrant } from './bench-grant.ts';

export interface DecisionClients {
  db: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'consent' | 'audit'>;
  eventBridge: EventBridgeClient;
  busName: string;
}

export interface DecisionOptions {
  /** @default 5 */
  rounds?: number;
  /** Decisions measured per round, for the handler and for the floor each. @default 100 */
  perRound?: number;
  /** Decisions run before the first round, unmeasured. @default 50 */
  warmup?: number;
  /** Decisions in flight at once. @default 1 */
  concurrency?: number;
}

/** Milliseconds: the median of the rounds' p50 (and p90), and the smallest and largest round p50. */
export interface Figure {
  p50: number;
  p90: number;
  minP50: number;
  maxP50: number;
  /** Commands sent per decision (DynamoDB and EventBridge together). */
  roundTrips: number;
}

export interface DecisionFigures {
  handler: Figure;
  /** From the start of a handler decision until its PutEvents was answered: when consumers can see it. */
  toBus: Omit<Figure, 'roundTrips'>;
  floor: Figure;
  /** floor p50 / handler p50: 1 means the handler costs no more than its storage and bus calls. */
  ratio: number;
  /**
   * floor p50 / toBus p50: the same, up to the moment consumers see the decision. The handler's
   * one call after that (marking the receipt published) lengthens the invocation, not the wait.
   */
  toBusRatio: number;
  concurrency: number;
  decisions: number;
}

// The bench's events all come from the local account, as in the local runtime.
const LOCAL = ['000000000000'];
export const SETTINGS = {
  sources: DEFAULT_SOURCES,
  takedownSlaSeconds: 3600,
  reevaluationBudget: 2000,
  accounts: { consent: LOCAL, studio: LOCAL, publisher: LOCAL, channel: LOCAL },
  channelSenders: {},
};

/** Measures the handler path of one decision and its floor, on the clients given. */
export async function measureDecision(clients: DecisionClients, options: DecisionOptions = {}): Promise<DecisionFigures> {
  const { rounds = 5, perRound = 100, warmup = 50, concurrency = 1 } = options;
  // The real publisher, noting when each decision's PutEvents was answered.
  const bus = new EventBridgePublisher(clients.eventBridge, clients.busName);
  const onBus = new Map<string, number>();
  const publisher: EventPublisher = {
    async publish(events) {
      await bus.publish(events);
      onBus.set(String((events[0]?.detail as { requestId?: string } | undefined)?.requestId), performance.now());
    },
  };
  // Approvals carry a consent credential, signed as the local runtime signs it (a key file, in
  // process); deployed, that is one kms:Sign call more per approval, which no local figure shows.
  const credentials = await benchSigner();
  const { deps } = wireAdapters({ db: clients.db, tables: clients.tables, publisher, settings: SETTINGS, credentials });
  const run = randomUUID().slice(0, 8);
  const grant = benchGrant('bench', run);
  const twinId = grant.twinId;
  await handleInbound(deps, envelope('Consent Granted', DEFAULT_SOURCES.consent, grant));

  let seq = 0;
  let toBus: number[] = [];
  const handler = async () => {
    const start = performance.now();
    const requestId = `render-${run}-${++seq}`;
    await approveRender(deps, requestId, twinId);
    toBus.push(onBus.get(requestId)! - start);
    onBus.delete(requestId);
  };
  const floor = () => floorDecision(clients, twinId, `render-${run}-floor-${++seq}`);

  const counter = countCommands(clients);
  try {
    await times(warmup, concurrency, handler);
    await times(warmup, concurrency, floor);
    const handlerP: number[][] = [];
    const toBusP: number[][] = [];
    const floorP: number[][] = [];
    const trips = { handler: 0, floor: 0 };
    for (let r = 0; r < rounds; r++) {
      let before = counter.count;
      toBus = [];
      handlerP.push(await times(perRound, concurrency, handler));
      toBusP.push(toBus);
      trips.handler += counter.count - before;
      before = counter.count;
      floorP.push(await times(perRound, concurrency, floor));
      trips.floor += counter.count - before;
    }
    const n = rounds * perRound;
    const h = figure(handlerP, trips.handler / n);
    const f = figure(floorP, trips.floor / n);
    const { roundTrips: _, ...b } = figure(toBusP, 0);
    return {
      handler: h,
      toBus: b,
      floor: f,
      ratio: round(f.p50 / h.p50, 2),
      toBusRatio: round(f.p50 / b.p50, 2),
      concurrency,
      decisions: n,
    };
  } finally {
    counter.remove();
  }
}

async function benchSigner(): Promise<Signer> {
  const dir = await mkdtemp(join(tmpdir(), 'twinguard-bench-key-'));
  const key = join(dir, 'log-key.jwk');
  await ensureKeyFiles(key, join(dir, 'log-jwks.json'));
  return LocalKeySigner.fromFile(key);
}

/** The raw calls of a decision: grants Query, TransactWrite of receipt + audit + usage, PutEvents of decision + usage. */
async function floorDecision(clients: DecisionClients, twinId: string, requestId: string): Promise<void> {
  const { db, tables } = clients;
  const out = await db.send(
    new QueryCommand({
      TableName: tables.consent,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :grant)',
      ExpressionAttributeValues: { ':pk': keys.twin(twinId), ':grant': keys.grantPrefix },
      ConsistentRead: true,
    }),
  );
  const grantId = String(out.Items?.[0]?.grantId);
  const at = new Date().toISOString();
  const decision = {
    requestId,
    twinIds: [twinId],
    licensee: 'brand-bench',
    decisionId: `dec-${randomUUID()}`,
    grants: [{ twinId, grantId, version: 1 }],
  };
  const usage = { talentId: `talent-${twinId}`, twinId, grantId, kind: 'render', amount: 50, currency: 'EUR', refId: requestId };
  const entries = [
    { DetailType: 'Render Approved', Detail: JSON.stringify(decision) },
    { DetailType: 'Usage Recorded', Detail: JSON.stringify(usage) },
  ];
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tables.consent,
            Item: { ...keys.receipt('render-floor', requestId), outbox: JSON.stringify(entries), createdAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tables.audit,
            Item: { ...auditKeys.audit(twinId, at, decision.decisionId), type: 'audit', ...decision },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tables.audit,
            Item: { ...auditKeys.usage(usage.talentId, at, 'render', requestId, twinId), type: 'usage', ...usage, at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    }),
  );
  await clients.eventBridge.send(
    new PutEventsCommand({ Entries: entries.map((e) => ({ ...e, Source: 'twinguard', EventBusName: clients.busName })) }),
  );
}

/** Runs `count` calls of `fn`, `concurrency` at a time; returns each call's duration in ms. */
export async function times(count: number, concurrency: number, fn: () => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const t = performance.now();
      await fn();
      durations.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return durations;
}

export function figure(roundsMs: number[][], roundTrips: number): Figure {
  const p50s = roundsMs.map((r) => percentile(r, 0.5));
  const p90s = roundsMs.map((r) => percentile(r, 0.9));
  return {
    p50: round(percentile(p50s, 0.5), 2),
    p90: round(percentile(p90s, 0.5), 2),
    minP50: round(Math.min(...p50s), 2),
    maxP50: round(Math.max(...p50s), 2),
    roundTrips: round(roundTrips, 2),
  };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** Counts the commands sent through both clients (not the SDK's own retries). */
function countCommands(clients: DecisionClients) {
  const name = `bench-decision-count-${randomUUID()}`;
  const counter = { count: 0, remove: () => {} };
  for (const client of [clients.db, clients.eventBridge]) {
    (client.middlewareStack as { add: (mw: unknown, options: object) => void }).add(
      (next: (args: unknown) => Promise<unknown>) => (args: unknown) => {
        counter.count++;
        return next(args);
      },
      { step: 'initialize', name },
    );
  }
  counter.remove = () => {
    clients.db.middlewareStack.remove(name);
    clients.eventBridge.middlewareStack.remove(name);
  };
  return counter;
}

/** One approved render through the whole handler path; anything but a fresh decision is a broken bench. */
export async function approveRender(deps: Parameters<typeof handleInbound>[0], requestId: string, twinId: string): Promise<void> {
  const detail = { requestId, twinIds: [twinId], licensee: 'brand-bench', medium: 'image', modifications: ['garment'] };
  const outcome = await handleInbound(deps, envelope('Render Requested', DEFAULT_SOURCES.studio, detail));
  if (outcome !== 'processed') throw new Error(`bench decision ${requestId} ended ${outcome}`);
}

export function envelope(detailType: string, source: string, detail: unknown): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [],
    detail,
  };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      'per-round': { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '1' },
    },
  });
  const dynamo = await startDynamoDbLocal();
  const server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: () => {} });
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const created = await createTablesFromTemplate(client, synthesizeTemplate());
    const named = (part: string) => created.find((t) => t.logicalId.includes(part))!.tableName;
    const eventBridge = new EventBridgeClient({ endpoint: server.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const figures = await measureDecision(
      {
        db: documentClient(client),
        tables: { consent: named('ConsentTable'), audit: named('AuditTable') },
        eventBridge,
        busName: 'twinguard',
      },
      { rounds: Number(values.rounds), perRound: Number(values['per-round']), concurrency: Number(values.concurrency) },
    );
    const { handler: h, toBus: b, floor: f } = figures;
    console.log(JSON.stringify(figures));
    console.log(
      `decision p50 ${h.p50} ms (rounds ${h.minP50}-${h.maxP50}, p90 ${h.p90}), ${h.roundTrips} round trips, ` +
        `on the bus after ${b.p50} ms (${b.minP50}-${b.maxP50}); ` +
        `floor ${f.p50} ms (${f.minP50}-${f.maxP50}, p90 ${f.p90}), ${f.roundTrips} round trips; ratio ${figures.ratio}, ` +
        `to the bus ${figures.toBusRatio} ` +
        `(${figures.decisions} decisions each, ${figures.concurrency} in flight)`,
    );
    client.destroy();
    eventBridge.destroy();
  } finally {
    await server.close();
    await dynamo.stop();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
