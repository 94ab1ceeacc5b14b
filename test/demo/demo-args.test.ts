import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/support.ts';

/** The demo's arguments are checked before anything starts: a wrong one costs no runtime and says what is right. */
function demo(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'local/demo/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run demo: arguments', () => {
  it('--help prints the usage and exits 0 without starting anything', () => {
    const run = demo('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: npm run demo -- [--size small|full]');
    expect(run.stderr).not.toContain('DynamoDB Local');
  });

  it('an unknown size exits 2 and names the sizes there are', () => {
    const run = demo('--size', 'huge');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--size must be small or full, got "huge"');
    expect(run.stdout).toBe('');
  });

  it('an unknown flag exits 2 with the usage', () => {
    const run = demo('--colour', 'red');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--colour'/);
    expect(run.stderr).toContain('Usage: npm run demo');
  });

  it('a 100 KB size (Linux refuses one argument over 128 KiB) is refused with a short echo, not the whole input', () => {
    const run = demo('--size', 'x'.repeat(100 * 1024));
    expect(run.code).toBe(2);
    expect(run.stderr.length).toBeLessThan(500);
  });
});
