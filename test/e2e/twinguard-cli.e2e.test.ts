import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { eventBridge, type Exit, READY_LINE, ROOT, spawnNode, terminate, uid, type RunningTwinGuard, killHard } from './support.ts';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/twinguard.mjs ...args`, as `npx twinguard` runs it. */
function twinguard(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/twinguard.mjs', ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `twinguard start ...`, resolved at the ready line; a loaded machine may take more than a minute. */
async function start(args: readonly string[]): Promise<RunningTwinGuard> {
  const child = spawnNode('bin/twinguard.mjs', ['start', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 150_000;
  for (;;) {
    const ready = READY_LINE.exec(stdout);
    if (ready) return { child, pid: child.pid!, url: ready[1]!, stdout: () => stdout, stderr: () => stderr, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      killHard(child);
      throw new Error(`twinguard start was not ready:\n${stderr}`);
    }
    await sleep(100);
  }
}

describe('twinguard command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on --help of every command, 2 on a bad argument with what to do, 1 when no runtime runs', async () => {
    const helps = await Promise.all(
      [
        ['--help'],
        ['send', '--help'],
        ['twins', '--help'],
        ['status', '--help'],
        ['check', '--help'],
        ['history', '--help'],
        ['statement', '--help'],
        ['console', '--help'],
        ['dead-letters', '--help'],
        ['certificate', '--help'],
        ['takedowns', '--help'],
        ['log', '--help'],
        ['start', '--help'],
      ].map(twinguard),
    );
    for (const help of helps) {
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Usage/);
    }
    const unknownEvent = await twinguard(['send', 'Render Wished']);
    expect(unknownEvent.code).toBe(2);
    expect(unknownEvent.stderr).toContain('the events are: "Consent Granted"');
    const unknownField = await twinguard(['send', 'Render Requested', '--set', 'colour=red']);
    expect(unknownField.code).toBe(2);
    expect(unknownField.stderr).toContain('its fields are: requestId, twinIds');
    const unknownCommand = await twinguard(['deploy']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('the commands are start, send, twins, status, dead-letters');
    expect(unknownCommand.stderr).toContain('takedowns, certificate');
    const noRuntime = await twinguard(['send', 'Consent Granted', '--data', join(dir, 'nothing-runs-here')]);
    expect(noRuntime.code).toBe(1);
    expect(noRuntime.stderr).toContain('twinguard start');
  }, 120_000);

  it('finds the runtime through runtime.json, sends samples and prints the decision; the file goes on stop', async () => {
    const data = join(dir, 'state');
    const discovery = join(data, 'runtime.json');
    let running: RunningTwinGuard | undefined;
    try {
      running = await start(['--port', '0', '--data', data, '--fresh']);
      const written = JSON.parse(readFileSync(discovery, 'utf8')) as { pid: number; url: string; tapFile: string };
      expect(written).toMatchObject({ pid: running.pid, url: running.url, tapFile: join(data, 'tap.jsonl') });

      const twin = `twin-${uid()}`;
      const granted = await twinguard(['send', 'Consent Granted', '--data', data, '--set', `twinId=${twin}`]);
      expect(granted.code).toBe(0);
      expect(granted.stdout).toContain(`→ Consent Granted`);
      const approved = await twinguard(['send', 'Render Requested', '--data', data, '--set', `twinIds=${twin}`]);
      expect(approved.stdout).toMatch(new RegExp(`← Render Approved render-\\w+ ${twin}`));
      expect(approved.code).toBe(0);
      const denied = await twinguard(['send', 'Render Requested', '--data', data, '--set', `twinIds=["${twin}-other"]`]);
      expect(denied.stdout).toMatch(new RegExp(`← Render Denied render-\\w+ ${twin}-other: NO_CONSENT`));

      // The reads find the same runtime through runtime.json.
      const status = await twinguard(['status', '--twin', twin, '--data', data, '--json']);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ twinId: twin, grants: [{ standing: 'active' }] });
      const check = await twinguard(['check', '--twin', `${twin}-other`, '--licensee', 'brand-hm', '--medium', 'image', '--data', data]);
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(/^DENIED at .*\n[\s\S]*NO_CONSENT/);

      // An entry on the default bus goes nowhere: the runtime says so on stderr.
      const client = eventBridge(running.url);
      await client.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: 'default', Source: 'twinguard.studio', DetailType: 'Render Requested', Detail: '{}' }],
        }),
      );
      client.destroy();
      for (let i = 0; i < 100 && !running.stderr().includes('sent to the "default" bus'); i++) await sleep(100);
      expect(running.stderr()).toContain('no rule matches: sent to the "default" bus');
      expect(running.stderr()).toMatch(new RegExp(`← Render Denied render-\\w+ ${twin}-other: NO_CONSENT`));
    } finally {
      if (running !== undefined) expect(await terminate(running)).toEqual({ code: 0, signal: null });
    }
    expect(existsSync(discovery)).toBe(false);
  }, 300_000);
});
