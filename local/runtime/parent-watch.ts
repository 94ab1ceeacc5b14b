import { readFileSync } from 'node:fs';

/**
 * `npm start` (and `npx`) do not pass a SIGTERM on to the script they run: npm exits, and the
 * runtime, with its DynamoDB Local, would live on as an orphan. So the runtime watches the
 * processes that started it, up to and including npm or npx, and stops when one of them is
 * gone, as if it had been sent SIGTERM itself.
 */
export function watchLaunchers(onGone: () => void, intervalMs = 500): () => void {
  const launchers = launcherPids(process.ppid);
  const firstParent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== firstParent || launchers.some((pid) => !alive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  // Watching must never keep the process alive by itself.
  timer.unref();
  return () => clearInterval(timer);
}

/** The parent, and its ancestors up to the nearest npm/npx (at most four levels); Linux /proc only. */
export function launcherPids(parent: number): number[] {
  const chain: number[] = [];
  let pid = parent;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    chain.push(pid);
    if (isNpm(pid)) return chain;
    const next = parentOf(pid);
    if (next === undefined) break;
    pid = next;
  }
  // No npm above us: only the direct parent counts (a shell, a test, a supervisor).
  return chain.slice(0, 1);
}

function isNpm(pid: number): boolean {
  const argv = readProc(pid, 'cmdline')?.split('\0') ?? [];
  return argv.slice(0, 2).some((arg) => /(^|\/)(npm|npx)(-cli\.js)?$/.test(arg));
}

function parentOf(pid: number): number | undefined {
  // Field 4 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so split after its ')'.
  const stat = readProc(pid, 'stat');
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields?.[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
