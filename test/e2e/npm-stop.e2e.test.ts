import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { childPids, commandOf, isAlive, READY_LINE, ROOT } from './support.ts';

/** Whether something still accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The pids below `root`, depth first. */
function descendants(root: number): number[] {
  return childPids(root).flatMap((pid) => [pid, ...descendants(pid)]);
}

async function startThroughNpm(): Promise<{ npm: number; out: () => string; err: () => string }> {
  const child = spawn('npm', ['start', '--', '--in-memory', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  for (let i = 0; i < 1200 && !READY_LINE.test(out); i++) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${err}`);
    await sleep(50);
  }
  if (!READY_LINE.test(out)) throw new Error(`npm start was not ready in 60 s:\n${err}`);
  return { npm: child.pid!, out: () => out, err: () => err };
}

describe('npm start stops with its launcher', () => {
  it('a SIGTERM to the npm process stops the runtime and its DynamoDB Local within 10 s', async () => {
    const started = await startThroughNpm();
    const below = descendants(started.npm);
    const runtime = below.find(
      (pid) => commandOf(pid).includes('local/main.ts') && commandOf(pid).startsWith(process.execPath.split('/').pop()!),
    );
    const java = below.find((pid) => commandOf(pid).includes('DynamoDBLocal'));
    const dynamoPort = Number(/DynamoDB Local on http:\/\/127\.0\.0\.1:(\d+)/.exec(started.err())?.[1]);
    expect(runtime).toBeDefined();
    expect(java).toBeDefined();
    expect(await listening(dynamoPort)).toBe(true);

    process.kill(started.npm, 'SIGTERM');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await sleep(100);
      gone = !isAlive(runtime!) && !isAlive(java!);
    }
    expect({ runtime: isAlive(runtime!), java: isAlive(java!) }).toEqual({ runtime: false, java: false });
    expect(await listening(dynamoPort)).toBe(false);
  });
});
