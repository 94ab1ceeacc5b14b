import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTwinGuard } from './support.ts';

/** What `npm start` does when it cannot or must not start: one clear line and a non-zero exit. */
describe.concurrent('npm start refuses to start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-refusals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The one line a user reads, whatever else (nothing, normally) was printed. */
  const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('twinguard: ')) ?? stderr;

  it('exits 2 on an unknown flag, naming it and where to find the flags', async () => {
    const run = await runTwinGuard(['--prot', '4010']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(errorLine(run.stderr)).toBe('twinguard: unknown flag --prot; run "npm start -- --help" to see the flags');
  });

  it.each([
    [['--port', 'http'], '--port must be a port number'],
    [['--port', '70000'], '--port must be a port number'],
    [['--takedown-sla', '-5'], '--takedown-sla'],
    [['--takedown-sla', 'soon'], '--takedown-sla must be a positive number of seconds, got "soon"'],
    [['--tap'], '--tap needs a value'],
    [['--accounts', ''], '--accounts needs a path'],
    [['--in-memory', '--data', 'x'], '--data and --in-memory exclude each other'],
    [['extra'], 'unexpected argument "extra"'],
  ])('exits 2 on %j', async (args, message) => {
    const run = await runTwinGuard(args);
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toContain(message);
  });

  it('prints the flags on --help, on stdout, and exits 0', async () => {
    const run = await runTwinGuard(['--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--port', '--channels', '--tap', '--accounts', '--takedown-sla', '--data', '--in-memory']) {
      expect(run.stdout).toContain(flag);
    }
  });

  it('exits 1 when the port is taken, saying what to do', async () => {
    const server = await listening();
    try {
      const port = (server.address() as { port: number }).port;
      const run = await runTwinGuard(['--port', String(port), '--in-memory']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(errorLine(run.stderr)).toBe(
        `twinguard: port ${port} is already in use: stop what listens on it, or choose another port with --port`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exits 1 when Java is missing, saying how to install it', async () => {
    const run = await runTwinGuard(['--port', '0', '--in-memory'], { ...process.env, PATH: join(dir, 'no-java-here') });
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toMatch(/^twinguard: Java was not found: .*Install one/);
  });

  it('exits 1 when the channels file cannot be read', async () => {
    const missing = join(dir, 'missing-channels.json');
    const run = await runTwinGuard(['--port', '0', '--in-memory', '--channels', missing]);
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toBe(
      `twinguard: cannot read the channels file ${missing} (ENOENT): give --channels the path of a readable JSON file`,
    );
  });

  it('exits 1 when the channels file is invalid, naming the channel and field', async () => {
    const file = join(dir, 'bad-channels.json');
    writeFileSync(file, JSON.stringify({ instagram: { url: 'ftp://partner.example/hook', secret: 'a-long-enough-secret' } }));
    const run = await runTwinGuard(['--port', '0', '--in-memory', '--channels', file]);
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toBe(`twinguard: ${file}: invalid channels file: - channel "instagram": url must use https`);
  });

  it('exits 1 when the accounts file is invalid, naming the bad entry', async () => {
    const file = join(dir, 'bad-accounts.json');
    writeFileSync(file, JSON.stringify({ BRANDKEY: '000000000000', AGENCYKEY: '1111' }));
    const run = await runTwinGuard(['--port', '0', '--in-memory', '--accounts', file]);
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toBe(
      `twinguard: ${file}: invalid accounts file: access key "AGENCYKEY": "1111" is not a 12-digit AWS account id`,
    );
  });
});

function listening(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
