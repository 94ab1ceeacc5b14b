/**
 * `npm run bench [-- --quick]`: every benchmark in one run, written to bench/results.json (merged
 * with what is there) and printed as a table. Progress goes to stderr.
 *
 * - cold start (bench/cold-start.ts): bundle size as CDK builds it, require time in a fresh process;
 * - decision (bench/decision.ts `measureDecision`): the handler path against its floor, 1 and 16 in flight;
 * - fan-out (bench/run.ts, as a child process with its own DynamoDB Local): takedowns dispatched per second.
 *
 * `--quick` runs fewer rounds and only the 10,000-placement fan-out.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { documentClient } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { synthesizeTemplate } from '../local/app/synthesize.ts';
import { startPutEventsServer } from '../local/bus/put-events-server.ts';
import { createTablesFromTemplate } from '../local/dynamodb/create-tables.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { coldStartTable, measureColdStart, mergeResults } from './cold-start.ts';
import { type DecisionFigures, measureDecision } from './decision.ts';
import type { FanoutResult } from './run.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

// 1. Cold start.
progress('cold start: bundling each function as CDK does');
const coldStart = await measureColdStart({ runs: quick ? 3 : 7, onProgress: progress });

// 2. Decision, against its floor.
const decisions: Record<string, DecisionFigures> = {};
{
  const dynamo = await startDynamoDbLocal();
  const server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: () => {} });
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
    for (const concurrency of [1, 16]) {
      progress(`decision: ${concurrency} in flight`);
      decisions[`c${concurrency}`] = await measureDecision(clients, {
        rounds: quick ? 3 : 5,
        perRound: quick ? 40 : 100,
        warmup: quick ? 20 : 50,
        concurrency,
      });
      progress(
        `decision: ${concurrency} in flight: p50 ${decisions[`c${concurrency}`]!.handler.p50} ms, ratio ${decisions[`c${concurrency}`]!.ratio}`,
      );
    }
    client.destroy();
    eventBridge.destroy();
  } finally {
    await server.close();
    await dynamo.stop();
  }
}

// 3. Fan-out: bench/run.ts in its own process (it needs --expose-gc and its own DynamoDB Local),
// TwinGuard and the floor over the same placements, median of the runs after a warm-up.
const fanout: FanoutResult[] = [];
for (const placements of quick ? [10_000] : [10_000, 100_000]) {
  const runs = placements >= 100_000 ? 1 : 3;
  progress(`fan-out: ${placements} placements, ${runs} run(s) after a warm-up (seeding, revoking, then the floor)`);
  const run = fileURLToPath(new URL('./run.ts', import.meta.url));
  const stdout = await new Promise<string>((done) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', run, '--placements', String(placements), '--runs', String(runs)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', () => done(out));
  });
  const line = /^RESULT (.*)$/m.exec(stdout);
  if (line === null) {
    progress(`fan-out: ${placements}: no result line; output was:\n${stdout}`);
    continue;
  }
  const result = JSON.parse(line[1]!) as FanoutResult;
  fanout.push(result);
  progress(
    `fan-out: ${placements}: ${result.perSecond.median} /s, floor ${result.floorPerSecond.median} /s, fanout_ratio ${result.fanoutRatio}`,
  );
}

mergeResults({
  measuredAt: new Date().toISOString(),
  machine: { node: process.version, platform: process.platform, arch: process.arch, cpus: (await import('node:os')).cpus().length },
  quick,
  coldStart: { runs: quick ? 3 : 7, functions: coldStart },
  decision: decisions,
  fanout,
});

console.log('\nCold start (bundle as CDK builds it; require in a fresh Node process)');
console.log(coldStartTable(coldStart));
console.log('\nDecision (in process, DynamoDB Local), ms: handler p50 (round p50 min-max) vs floor p50; ratio = floor / handler');
for (const [key, d] of Object.entries(decisions)) {
  console.log(
    `  ${key.slice(1).padStart(2)} in flight: handler ${d.handler.p50} (${d.handler.minP50}-${d.handler.maxP50}), ${d.handler.roundTrips} round trips; ` +
      `floor ${d.floor.p50} (${d.floor.minP50}-${d.floor.maxP50}), ${d.floor.roundTrips} round trips; decision_ratio ${d.ratio}`,
  );
}
console.log('\nFan-out (revocation of one twin, DynamoDB Local): median (min-max) of the runs; ratio = floor / TwinGuard');
for (const f of fanout) {
  console.log(
    `  ${f.placements} placements: ${f.seconds.median} s (${f.seconds.min}-${f.seconds.max}), ${f.perSecond.median} takedowns/s; ` +
      `floor ${f.floorSeconds.median} s (${f.floorSeconds.min}-${f.floorSeconds.max}), ${f.floorPerSecond.median} /s; fanout_ratio ${f.fanoutRatio}; ` +
      `heap after GC ≤ ${f.heapAfterGcMiB} MiB${f.ok ? '' : ' (FAILED check)'}`,
  );
  console.log(
    `    calls per 10 takedowns ${JSON.stringify(f.callsPer10Takedowns)}, items per transaction ${JSON.stringify(f.itemsPerTransaction)}`,
  );
}
console.log('\nWritten to bench/results.json');
