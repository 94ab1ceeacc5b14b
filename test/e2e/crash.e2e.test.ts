import { describe, expect, it } from 'vitest';
import { childPids, commandOf, startTwinGuard, stillAlive } from './support.ts';

describe('a runtime that crashes', () => {
  it('takes DynamoDB Local down with it on an uncaught exception', async () => {
    const running = await startTwinGuard([], 'test/e2e/fixtures/crash-after-ready.ts');
    const java = childPids(running.pid).filter((pid) => commandOf(pid).startsWith('java '));
    expect(java).toHaveLength(1);

    running.child.stdin!.write('crash\n');
    const exit = await running.exited;

    expect(exit.code).toBe(1);
    expect(running.stderr()).toContain('crash on purpose');
    expect(await stillAlive(java)).toEqual([]);
  });
});
