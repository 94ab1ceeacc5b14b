import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const READY_LINE = /^twinguard ready on (http:\/\/127\.0\.0\.1:(\d+))$/m;
const START_TIMEOUT_MS = 60_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningTwinGuard {
  child: ChildProcess;
  pid: number;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
}

/** `node --import tsx <script> ...args` from the repository root, as `npm start` runs it. */
export function spawnNode(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Starts the runtime as a child process and resolves at its ready line. */
export async function startTwinGuard(args: readonly string[], script = 'local/main.ts'): Promise<RunningTwinGuard> {
  const child = spawnNode(script, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ready = READY_LINE.exec(stdout);
    if (ready) {
      return { child, pid: child.pid!, url: ready[1]!, stdout: () => stdout, stderr: () => stderr, exited };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`twinguard exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${stderr}`);
    }
    if (Date.now() > deadline) {
      killHard(child);
      throw new Error(`twinguard was not ready within ${START_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await sleep(50);
  }
}

/** Runs the runtime to its end (for the cases where it must refuse to start). */
export async function runTwinGuard(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawnNode('local/main.ts', args, env);
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = await new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { ...exit, stdout, stderr };
}

/** Sends SIGTERM and waits for the exit, killing the process if it takes longer than 10 s. */
export async function terminate(running: RunningTwinGuard, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit | 'timeout'> {
  running.child.kill(signal);
  const timer = sleep(10_000, 'timeout' as const);
  const outcome = await Promise.race([running.exited, timer]);
  if (outcome === 'timeout') killHard(running.child);
  return outcome;
}

/**
 * SIGKILL for a runtime that would not stop: its DynamoDB Local first, which a killed
 * runtime can no longer stop and which would otherwise outlive the test run.
 */
export function killHard(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of childPids(child.pid)) {
    if (!commandOf(pid).startsWith('java ')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  child.kill('SIGKILL');
}

/** The pids of a process's direct children (DynamoDB Local's java, tsx's esbuild). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}

export function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Running or sleeping; a zombie that nobody reaped yet counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return state !== '' && !state.startsWith('Z');
  } catch {
    return false;
  }
}

/** Waits up to 3 s for processes that lose their parent to go (esbuild notices its closed stdin). */
export async function stillAlive(pids: readonly number[]): Promise<number[]> {
  let alive = pids.filter(isAlive);
  for (let i = 0; i < 30 && alive.length > 0; i++) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  return alive;
}

export function eventBridge(url: string): EventBridgeClient {
  return new EventBridgeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Puts one event on the `twinguard` bus and returns its EventId. */
export async function put(client: EventBridgeClient, source: string, detailType: string, detail: unknown): Promise<string> {
  const out = await client.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'twinguard', Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }],
    }),
  );
  const eventId = out.Entries?.[0]?.EventId;
  if (out.FailedEntryCount !== 0 || eventId === undefined) throw new Error(`PutEvents failed: ${JSON.stringify(out.Entries)}`);
  return eventId;
}

export function readTap(file: string): EventEnvelope<Record<string, any>>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as EventEnvelope<Record<string, any>>);
}

/** Polls the tap until an event matches; fails with what the tap holds after `timeoutMs`. */
export async function waitForTap(
  file: string,
  match: (e: EventEnvelope<Record<string, any>>) => boolean,
  timeoutMs = 15_000,
): Promise<EventEnvelope<Record<string, any>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readTap(file).find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = readTap(file).map((e) => `${e['detail-type']} ${JSON.stringify(e.detail).slice(0, 120)}`);
      throw new Error(`no matching event on the tap within ${timeoutMs} ms; it holds:\n${seen.join('\n')}`);
    }
    await sleep(100);
  }
}

/**
 * Puts a render or publication request until it is approved: events are routed concurrently,
 * so a request sent right after its grant may be decided before the grant is stored.
 * `detail(n)` makes the n-th attempt's request (fresh ids each time).
 */
export async function approvedOnTheBus(
  client: EventBridgeClient,
  tap: string,
  detailType: 'Render Requested' | 'Publication Requested',
  detail: (n: number) => Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const key = detailType === 'Render Requested' ? 'requestId' : 'publicationId';
  for (let n = 0; n < 50; n++) {
    const d = detail(n);
    await put(client, detailType === 'Render Requested' ? 'twinguard.studio' : 'twinguard.publisher', detailType, d);
    const decision = await waitForTap(tap, (e) => e.detail[key] === d[key] && /(Approved|Denied)$/.test(e['detail-type']));
    if (decision['detail-type'].endsWith('Approved')) return d;
    await sleep(200);
  }
  throw new Error(`${detailType} never approved`);
}

export function isRenderDecision(e: EventEnvelope): boolean {
  return e['detail-type'] === 'Render Approved' || e['detail-type'] === 'Render Denied';
}

export function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

export function grant(id: string, overrides: Record<string, unknown> = {}) {
  return {
    grantId: `grant-${id}`,
    version: 1,
    twinId: `twin-${id}`,
    talentId: `talent-${id}`,
    licensee: 'brand-hm',
    validFrom: '2026-01-01T00:00:00Z',
    scope: {
      media: ['image', 'video'],
      channels: ['instagram', 'web'],
      territories: ['SE', 'DE', 'US'],
      modifications: ['garment', 'pose', 'background'],
    },
    aiDisclosureRequired: true,
    compensation: { currency: 'EUR', perRender: 50, perPlacement: 200 },
    evidence: { documentId: `contract-${id}`, signedAt: '2025-12-01T10:00:00Z' },
    ...overrides,
  };
}

export function renderRequest(id: string, twinId: string, overrides: Record<string, unknown> = {}) {
  return { requestId: `render-${id}`, twinIds: [twinId], licensee: 'brand-hm', medium: 'image', modifications: ['garment'], ...overrides };
}
