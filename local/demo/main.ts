/**
 * `npm run demo [-- --size small|full] [--json] [--data DIR]`: starts the local runtime and
 * the console, plays a season (season.ts) through the real EventBridge SDK, prints a summary,
 * and stops everything it started.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { queryDepsOf, resolveTarget } from '../cli/read/target.ts';
import { startConsole } from '../console/server.ts';
import { readDiscovery } from '../runtime/discovery.ts';
import { Observer } from './observer.ts';
import { startPartner } from './partner.ts';
import { confirmOnTheBus, play, send } from './play.ts';
import { CHANNELS, season as seasonOf, type Size } from './season.ts';
import { renderSummary, summarize } from './summary.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE = `Usage: npm run demo -- [--size small|full] [--json] [--data DIR]

  Plays a season of a brand with 30 twins against a fresh local runtime and prints a summary.
  --size   small (default): the revoked twin has ~50 placements (about a minute); full: 3,000 (many minutes)
  --json   the summary as JSON on stdout (progress stays on stderr)
  --data   the runtime's state folder, emptied first (default .twinguard-demo/); kept afterwards,
           so "npx twinguard start --data DIR" and "npx twinguard console --data DIR" reopen the season`;

function fail(message: string, code: number): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: {
      size: { type: 'string', default: 'small' },
      json: { type: 'boolean', default: false },
      data: { type: 'string' },
      help: { type: 'boolean' },
    },
  }).values;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.size !== 'small' && args.size !== 'full') fail(`--size must be small or full, got "${String(args.size).slice(0, 40)}"`, 2);
const season = seasonOf(args.size as Size);
const dataDir = resolve(args.data ?? '.twinguard-demo');
const say = (line: string) => process.stderr.write(`${line}\n`);

const stops: (() => Promise<void>)[] = [];
async function stopAll(): Promise<void> {
  // Last started, first stopped; each once, even when a signal comes during the final stop.
  for (const stop of stops.splice(0).reverse()) await stop().catch((e: unknown) => say(`demo: while stopping: ${String(e)}`));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`demo: ${signal}, stopping`);
    void stopAll().then(() => process.exit(130));
  });
}

try {
  const webhookChannels = Object.keys(CHANNELS).filter((c) => CHANNELS[c as keyof typeof CHANNELS] === 'webhook');
  const partner = await startPartner(webhookChannels);
  stops.push(() => partner.close());
  mkdirSync(dataDir, { recursive: true });
  const channelsFile = resolve(dataDir, '..', `${dataDir.split('/').pop()}-channels.json`);
  writeFileSync(channelsFile, JSON.stringify(partner.channels, null, 2));

  say(`demo: starting the local runtime (state in ${dataDir}, ${Math.round(process.uptime())} s)`);
  const runtime = await startRuntime(['--port', '0', '--data', dataDir, '--fresh', '--quiet', '--channels', channelsFile]);
  stops.push(runtime.stop);
  const discovery = readDiscovery(dataDir);
  if (discovery === undefined) throw new Error(`the runtime is ready but wrote no runtime.json in ${dataDir}`);

  const target = await resolveTarget({ stateDir: dataDir }, process.env);
  const queries = queryDepsOf(target);
  stops.push(async () => queries.close());
  const console_ = await startConsole({ stateDir: dataDir, port: 0 }, process.env, () => {});
  stops.push(() => console_.close());
  say(`demo: runtime ${runtime.url}; console ${console_.url} (open it to watch the season)`);

  const client = new EventBridgeClient({
    endpoint: runtime.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  stops.push(async () => client.destroy());
  const confirmations: ReturnType<typeof confirmOnTheBus>[] = [];
  const observer = new Observer(discovery.tapFile, (t) => confirmations.push(confirmOnTheBus(t)));
  // The demo's connector for the event channels, answering the takedowns the tap shows.
  let connecting = true;
  const connector = (async () => {
    while (connecting) {
      observer.poll();
      const batch = confirmations.splice(0).filter((c) => c !== undefined);
      if (batch.length > 0) await send({ client }, batch);
      else await new Promise((r) => setTimeout(r, 100));
    }
  })();
  stops.push(async () => {
    connecting = false;
    await connector;
  });

  const month = new Date().toISOString().slice(0, 7);
  const progress = progressLine();
  await play(season, { client, observer, deps: queries.deps, progress });
  const summary = await summarize(season, observer, queries.deps, partner, month);
  const consoleUrl = console_.url;
  await stopAll();
  if (args.json)
    process.stdout.write(`${JSON.stringify({ ...summary, consoleUrl, runtimePid: runtime.pid, partnerUrl: partner.url }, null, 2)}\n`);
  else {
    process.stdout.write(renderSummary(summary));
    process.stdout.write(
      `\nThe season is kept in ${dataDir}. To look around:\n  npx twinguard start --data ${dataDir}\n  npx twinguard console --data ${dataDir}\n`,
    );
  }
} catch (error) {
  say(`demo: failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}

/** Shows each step's count as it moves: rewritten in place on a terminal, one line per step otherwise. */
function progressLine(): (step: string, done: number, total: number) => void {
  let last = '';
  return (step, done, total) => {
    const line = `demo: ${step} ${done}/${total} (${Math.round(process.uptime())} s)`;
    if (line === last) return;
    const finished = done >= total;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${finished ? '\n' : ''}`);
    else if (finished) say(line);
    last = line;
  };
}

/** Starts `npm start`'s entry point as a child and resolves at its ready line. */
async function startRuntime(flags: string[]): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((done, failed) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = /twinguard ready on (\S+)/.exec(out);
      if (ready) done(ready[1]!);
    });
    child.once('exit', (code) => failed(new Error(`the runtime exited (${code}) before it was ready:\n${stderr}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
