/**
 * `npm run bench [-- --quick]`: every benchmark in one run, written to bench/results.json (merged
 * with what is there) and printed as a table. Progress goes to stderr.
 *
 * - cold start (bench/cold-start.ts): bundle size as CDK builds it, require time in a fresh process;
 * - decision (bench/decision.ts `measureDecision`): the handler path against its floor, 1 and 16 in flight;
 * - sealer overhead (bench/sealer-overhead.ts): the same decisions with the log's sealer running every second and
 *   without, rounds alternating, 1 and 16 in flight (`sealer_overhead` = with / without, target ≤ 1.1);
 * - end to end (bench/end-to-end.ts): `npm start`'s runtime as a child process, PutEvents to the decision on the tap;
 * - fan-out (bench/run.ts, as a child process with its own DynamoDB Local): against its floor
 *   (bench/fanout-floor.ts), median of 3 runs at 10,000 (one at 100,000) after a warm-up.
 * The chart (bench/chart.ts) goes to bench/results.svg.
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
import { type ChartRow, chartSvg } from './chart.ts';
import { measureEndToEnd } from './end-to-end.ts';
import { type SealerOverhead, measureSealerOverhead, sealerOverheadLine } from './sealer-overhead.ts';
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
const loadAtStart = Number(loadavg()[0]!.toFixed(1));
const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

// 1. Cold start.
progress('cold start: bundling each function as CDK does');
const coldStart = await measureColdStart({ runs: quick ? 3 : 7, onProgress: progress });

// 2. Decision, against its floor.
const decisions: Record<string, DecisionFigures> = {};
const sealer: Record<string, SealerOverhead> = {};
{
  const dynamo = await startDynamoDbLocal();
  const server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: () => {} });
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const created = await createTablesFromTemplate(client, synthesizeTemplate());
    const named = (part: string) => created.find((t) => t.logicalId.includes(part))!.tableName;
    const eventBridge = new EventBridgeClient({ endpoint: server.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const sealerClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
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
    // The same decisions with the sealer running every second beside them, and without, on this DynamoDB Local.
    for (const concurrency of [1, 16]) {
      progress(`sealer overhead: ${concurrency} in flight, rounds with and without the sealer alternating`);
      const s = await measureSealerOverhead(clients, {
        rounds: quick ? 4 : 6,
        perRound: quick ? 40 : 100,
        warmup: quick ? 20 : 50,
        concurrency,
        // The sealer is a function of its own: its own client, as deployed.
        sealerDb: documentClient(sealerClient),
      });
      sealer[`c${concurrency}`] = s;
      progress(`sealer overhead: ${sealerOverheadLine(s)}`);
    }
    client.destroy();
    sealerClient.destroy();
    eventBridge.destroy();
  } finally {
    await server.close();
    await dynamo.stop();
  }
}

// 3. Local end to end: `npm start`'s runtime as a child process, PutEvents to the decision on the tap.
progress('end to end: starting the local runtime (npm start) with a tap');
const endToEnd = await measureEndToEnd({
  rounds: 3,
  perRound: quick ? 40 : 100,
  warmup: quick ? 10 : 30,
  concurrencies: [1, 32],
  onProgress: progress,
});

// 4. Fan-out: bench/run.ts in its own process (it needs --expose-gc and its own DynamoDB Local),
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

const measuredAt = new Date().toISOString();
const machine = {
  node: process.version,
  platform: process.platform,
  arch: process.arch,
  cpus: (await import('node:os')).cpus().length,
  // The 1-minute load average at the start and the end: the machine is shared, so read the figures with it.
  load: { atStart: loadAtStart, atEnd: Number(loadavg()[0]!.toFixed(1)) },
};
mergeResults({
  measuredAt,
  machine,
  quick,
  coldStart: { runs: quick ? 3 : 7, functions: coldStart },
  decision: Object.fromEntries(
    Object.entries(decisions).map(([k, d]) => [k, { ...d, decision_ratio: d.ratio, decision_ratio_to_bus: d.toBusRatio }]),
  ),
  sealerOverhead: { measuredAt, load: machine.load, ...sealer },
  endToEnd,
  fanout: fanout.map((f) => ({ ...f, fanout_ratio: f.fanoutRatio })),
});

// The chart: each figure against its floor (or its target), next to the JSON.
const rows: ChartRow[] = [
  // Each decision figure twice: the whole handler, and until its PutEvents was answered (what consumers wait for).
  ...Object.values(decisions).flatMap((d) =>
    [
      { what: 'decision p50', ms: d.handler.p50, target: 'target ≥ 0.85' },
      { what: 'decision on the bus p50', ms: d.toBus.p50, target: 'until consumers see it' },
    ].map((x) => ({ label: `${x.what}, ${d.concurrency} in flight`, unit: 'ms', twinguard: x.ms, floor: d.floor.p50, target: x.target })),
  ),
  ...Object.values(sealer).map((x) => ({
    label: `decision p50 with the sealer, ${x.concurrency} in flight`,
    unit: 'ms',
    twinguard: x.with.p50,
    floor: x.without.p50,
    target: 'without / with ≥ 0.91 (within 10%)',
  })),
  ...endToEnd.map((e) => ({
    label: `end to end p99, ${e.concurrency} in flight`,
    unit: 'ms',
    twinguard: e.median.p99,
    ...(e.concurrency === 1 ? { target: 'target < 50 ms' } : {}),
  })),
  ...fanout.map((f) => ({
    label: `fan-out of ${f.placements.toLocaleString('en-US')}`,
    unit: 's',
    twinguard: f.seconds.median,
    floor: f.floorSeconds.median,
    target: f.placements >= 100_000 ? 'target ≥ 0.7, < 60 s' : 'target ≥ 0.7',
  })),
];
const svg = fileURLToPath(new URL('./results.svg', import.meta.url));
writeFileSync(
  svg,
  chartSvg(
    'TwinGuard against its floor (DynamoDB Local)',
    `${measuredAt.slice(0, 16)}Z, ${quick ? '--quick, ' : ''}Node ${process.version}, ${machine.cpus} cores, load ${machine.load.atStart}-${machine.load.atEnd}; bars: medians of runs; ratio = floor / TwinGuard`,
    rows,
  ),
);

console.log('\nCold start (bundle as CDK builds it; require in a fresh Node process)');
console.log(coldStartTable(coldStart));
console.log(
  '\nDecision (in process, DynamoDB Local), ms: handler p50 (round p50 min-max) vs floor p50; ratio = floor / handler; to the bus = floor / (time until its PutEvents was answered)',
);
for (const [key, d] of Object.entries(decisions)) {
  console.log(
    `  ${key.slice(1).padStart(2)} in flight: handler ${d.handler.p50} (${d.handler.minP50}-${d.handler.maxP50}), ${d.handler.roundTrips} round trips; ` +
      `floor ${d.floor.p50} (${d.floor.minP50}-${d.floor.maxP50}), ${d.floor.roundTrips} round trips; decision_ratio ${d.ratio}; ` +
      `on the bus after ${d.toBus.p50} (${d.toBus.minP50}-${d.toBus.maxP50}), ratio ${d.toBusRatio}`,
  );
}
console.log(
  '\nThe log must not slow decisions: decision p50 (round p50 min-max), ms, without and with the sealer every second; sealer_overhead = with / without (target ≤ 1.1)',
);
for (const x of Object.values(sealer)) console.log(`  ${sealerOverheadLine(x)}`);
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
console.log('\nEnd to end (npm start as a child process; PutEvents to the decision on the tap), ms: median of 3 rounds (min-max)');
for (const e of endToEnd) {
  console.log(
    `  ${String(e.concurrency).padStart(2)} in flight: p50 ${e.median.p50} (${e.min.p50}-${e.max.p50}), p95 ${e.median.p95} (${e.min.p95}-${e.max.p95}), p99 ${e.median.p99} (${e.min.p99}-${e.max.p99})`,
  );
}
console.log(
  `\nMachine: ${machine.cpus} cores, Node ${machine.node}, load average ${machine.load.atStart} at the start, ${machine.load.atEnd} at the end`,
);
console.log('\nWritten to bench/results.json and bench/results.svg');
