import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventBridge, put, ROOT, startTwinGuard, terminate } from './support.ts';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/twinguard.mjs ...args` with the given environment. */
function twinguard(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/twinguard.mjs', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/**
 * No credentials anywhere the AWS SDK looks, and no instance metadata to ask: the SDK fails
 * before any request (nothing reaches AWS) with "Could not load credentials from any providers".
 */
function withoutCredentials(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

describe('the CLIs that can read AWS, with no local runtime and no credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-cli-answers-'));
  const nothingRuns = join(dir, 'nothing-runs-here');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    // status reads a deployed stack only when asked (--stack): it names the stack.
    ['status --stack', ['status', '--twin', 'twin-a', '--stack', 'TwinGuard'], 'no AWS credentials to read stack TwinGuard'],
    // takedowns falls back to the account's tables: it says so first.
    ['takedowns', ['takedowns', 'failed', '--channel', 'web'], 'no local runtime is running with the state folder'],
  ])("%s says there are no AWS credentials and what to do, not the SDK's message", async (_, args, says) => {
    const ran = await twinguard([...args, '--data', nothingRuns], withoutCredentials(dir));
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(says);
    expect(ran.stderr).toContain('no AWS credentials');
    expect(ran.stderr).toMatch(/aws configure/);
    expect(ran.stderr).not.toContain('Could not load credentials');
  });

  it('takedowns prints its help and exits 2 on a bad argument with the usage', async () => {
    const help = await twinguard(['takedowns', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('twinguard takedowns redrive');
    const bad = await twinguard(['takedowns', 'failed', '--colour', 'red']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--colour'");
    expect(bad.stderr).toContain('Usage:');
    const npmScript = await twinguard(['takedowns', 'redrive'], withoutCredentials(dir));
    expect(npmScript.code).toBe(2);
  });
});

describe('an entry no rule matches', () => {
  it("gets its EventId from PutEvents, as from AWS, and a line on the runtime's stderr saying it went nowhere", async () => {
    const running = await startTwinGuard(['--port', '0', '--in-memory']);
    const client = eventBridge(running.url);
    try {
      // A misspelt detail-type: not TwinGuard's, so no rule takes it.
      const eventId = await put(client, 'twinguard.consent', 'Consent granted', { grantId: 'grant-typo' });
      expect(eventId).toMatch(/\S/);
      const said = '(no rule matches: not delivered; source "twinguard.consent" on bus "twinguard")';
      for (let i = 0; i < 100 && !running.stderr().includes(said); i++) await sleep(100);
      expect(running.stderr()).toContain(said);
      expect(running.stderr()).toContain('Consent granted');
    } finally {
      client.destroy();
      expect(await terminate(running)).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});
