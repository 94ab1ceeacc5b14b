/**
 * Local end to end (issue 12): `npm start`'s runtime as a child process (local/main.ts,
 * in-memory DynamoDB Local, a tap file), a `Render Requested` put with the real EventBridge
 * client, timed until its decision is on the tap. The tap is read as it grows (every
 * millisecond, only the new bytes), so the figure is what a consumer of the bus would see.
 * p50/p95/p99 per round; each figure is the median of the rounds, with min and max.
 *
 *   node --import tsx bench/end-to-end.ts [--rounds 3] [--per-round 100]
 */
import { mkdtempSync, openSync, readSync, fstatSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eventBridge, grant, put, renderRequest, startTwinGuard, terminate, uid } from '../test/e2e/support.ts';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}
export interface EndToEndFigure {
  concurrency: number;
  decisions: number;
  /** Medians over the rounds of each round's percentile, ms. */
  median: Percentiles;
  min: Percentiles;
  max: Percentiles;
}

export async function measureEndToEnd(options: {
  rounds: number;
  perRound: number;
  warmup: number;
  concurrencies: readonly number[];
  onProgress?: (line: string) => void;
}): Promise<EndToEndFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-e2e-bench-'));
  const tapFile = join(dir, 'tap.jsonl');
  const running = await startTwinGuard(['--port', '0', '--in-memory', '--tap', tapFile]);
  const tail = tapTail(tapFile);
  try {
    const client = eventBridge(running.url);
    const id = uid();
    const g = grant(id);
    await put(client, 'twinguard.consent', 'Consent Granted', g);
    // Until the grant is stored, a request is denied: wait for an approval.
    for (let i = 0; ; i++) {
      const probe = renderRequest(`${id}-probe-${i}`, g.twinId);
      const decision = tail.waitFor(probe.requestId);
      await put(client, 'twinguard.studio', 'Render Requested', probe);
      if ((await decision) === 'Render Approved') break;
      if (i > 100) throw new Error('the grant never took effect');
    }
    let n = 0;
    const one = async (): Promise<number> => {
      const request = renderRequest(`${id}-${n++}`, g.twinId);
      const t = performance.now();
      const decision = tail.waitFor(request.requestId);
      await put(client, 'twinguard.studio', 'Render Requested', request);
      if ((await decision) !== 'Render Approved') throw new Error(`request ${request.requestId}: ${await decision}`);
      return performance.now() - t;
    };
    const figures: EndToEndFigure[] = [];
    for (const concurrency of options.concurrencies) {
      await inFlight(options.warmup, concurrency, one);
      const rounds: Percentiles[] = [];
      for (let r = 0; r < options.rounds; r++) {
        const ms = await inFlight(options.perRound, concurrency, one);
        rounds.push({ p50: pct(ms, 0.5), p95: pct(ms, 0.95), p99: pct(ms, 0.99) });
        options.onProgress?.(
          `end to end, ${concurrency} in flight, round ${r + 1}: p50 ${rounds.at(-1)!.p50} ms, p99 ${rounds.at(-1)!.p99} ms`,
        );
      }
      const pick = (f: (v: number[]) => number) => ({
        p50: f(rounds.map((x) => x.p50)),
        p95: f(rounds.map((x) => x.p95)),
        p99: f(rounds.map((x) => x.p99)),
      });
      figures.push({
        concurrency,
        decisions: options.rounds * options.perRound,
        median: pick((v) => pct(v, 0.5)),
        min: pick((v) => Math.min(...v)),
        max: pick((v) => Math.max(...v)),
      });
    }
    client.destroy();
    return figures;
  } finally {
    tail.stop();
    await terminate(running);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Follows the tap file: resolves each waiter with the detail-type of its request's decision. */
function tapTail(file: string) {
  const waiting = new Map<string, (detailType: string) => void>();
  let fd: number | undefined;
  let offset = 0;
  let rest = '';
  const buffer = Buffer.alloc(1 << 20);
  const timer = setInterval(() => {
    try {
      fd ??= openSync(file, 'r');
    } catch {
      return; // not written yet
    }
    if (fstatSync(fd).size <= offset) return;
    for (let read = readSync(fd, buffer, 0, buffer.length, offset); read > 0; read = readSync(fd, buffer, 0, buffer.length, offset)) {
      offset += read;
      const lines = (rest + buffer.toString('utf8', 0, read)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const e = JSON.parse(line) as { 'detail-type': string; detail: { requestId?: string } };
        const requestId = e.detail.requestId;
        if (requestId === undefined || !/^Render (Approved|Denied)$/.test(e['detail-type'])) continue;
        waiting.get(requestId)?.(e['detail-type']);
        waiting.delete(requestId);
      }
    }
  }, 1);
  return {
    waitFor: (requestId: string) => new Promise<string>((resolve) => waiting.set(requestId, resolve)),
    stop: () => {
      clearInterval(timer);
      if (fd !== undefined) closeSync(fd);
    },
  };
}

async function inFlight(count: number, concurrency: number, one: () => Promise<number>): Promise<number[]> {
  const ms: number[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (started++ < count) ms.push(await one());
    }),
  );
  return ms;
}

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'per-round': { type: 'string', default: '100' } } });
  const figures = await measureEndToEnd({
    rounds: Number(values.rounds),
    perRound: Number(values['per-round']),
    warmup: 20,
    concurrencies: [1, 32],
    onProgress: (line) => console.error(line),
  });
  console.log(JSON.stringify(figures, null, 2));
}
