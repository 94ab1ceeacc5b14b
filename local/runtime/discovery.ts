import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The discovery file: what a running local runtime tells the CLIs about itself, so that no
 * endpoint has to be copied by hand. Written at `<state folder>/runtime.json` once the
 * runtime accepts events, removed when it stops cleanly; a file whose pid is gone is stale
 * and ignored.
 */
export interface Discovery {
  pid: number;
  /** The PutEvents endpoint, e.g. `http://127.0.0.1:4010`. */
  url: string;
  region: string;
  dynamoDbEndpoint: string;
  /** Table names by the logical id of the CDK app (e.g. `ConsentTable...`). */
  tables: Record<string, string>;
  /** Where every event that crosses the bus is appended, one JSON envelope per line. */
  tapFile: string;
  /** The transparency log's public key (JWKS), what `twinguard log` verifies against; absent from runtimes before the log. */
  logJwksFile?: string;
  /** Where the dead letters are kept; absent with --in-memory. */
  deadLetterDir?: string;
  /** The event buses besides "default". */
  eventBuses: string[];
  startedAt: string;
}

export const DISCOVERY_FILE = 'runtime.json';

export function discoveryPath(stateDir: string): string {
  return join(stateDir, DISCOVERY_FILE);
}

export async function writeDiscovery(stateDir: string, discovery: Discovery): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(discoveryPath(stateDir), `${JSON.stringify(discovery, null, 2)}\n`, 'utf8');
}

/** Removes the file if it is still this process's (another runtime may have written it since). */
export async function removeDiscovery(stateDir: string, pid = process.pid): Promise<void> {
  const current = await readFile(discoveryPath(stateDir), 'utf8').then(parse, () => undefined);
  if (current?.pid === pid) await rm(discoveryPath(stateDir), { force: true });
}

/** The running runtime that uses `stateDir`, or undefined when none runs (no file, or a stale one). */
export function readDiscovery(stateDir: string): Discovery | undefined {
  let text: string;
  try {
    text = readFileSync(discoveryPath(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  const discovery = parse(text);
  return discovery !== undefined && isAlive(discovery.pid) ? discovery : undefined;
}

function parse(text: string): Discovery | undefined {
  try {
    const value = JSON.parse(text) as Partial<Discovery>;
    return typeof value.pid === 'number' && typeof value.url === 'string' && typeof value.tapFile === 'string'
      ? (value as Discovery)
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}
