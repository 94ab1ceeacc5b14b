import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTwinGuard, terminate, type RunningTwinGuard } from '../e2e/support.ts';

/**
 * docs/integrating.md, run as a reader would: each `sh` or `ts` example against one fresh
 * local runtime, in the order of the page, and each answer the page shows after it (a `text`
 * block) must appear in the output, in order (`…` stands for an id that changes every run).
 */
interface Example {
  lang: 'sh' | 'ts';
  code: string;
  expected: string[];
  /** Where it is in the page, for the failure message. */
  line: number;
}

function examplesOf(markdown: string): Example[] {
  const blocks: { lang: string; code: string; line: number }[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    blocks.push({ lang: m[1]!, code: m[2]!, line: markdown.slice(0, m.index).split('\n').length });
  }
  const examples: Example[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'sh' && block.lang !== 'ts') return;
    const next = blocks[i + 1];
    const expected = next?.lang === 'text' ? next.code.split('\n').filter((l) => l.trim() !== '') : [];
    examples.push({ lang: block.lang, code: block.code, expected, line: block.line });
  });
  return examples;
}

/** A shown line as a pattern: `…` is any id, runs of spaces any run of spaces. */
function linePattern(line: string): RegExp {
  const escaped = line
    .trim()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'))
    .join('\\S+');
  return new RegExp(escaped);
}

/** Each expected line is found in the output, after the one before it. */
function expectInOrder(output: string, expected: readonly string[], where: string): void {
  const lines = output.split('\n');
  let at = 0;
  for (const line of expected) {
    const pattern = linePattern(line);
    const found = lines.findIndex((l, i) => i >= at && pattern.test(l));
    expect({ where, line, found: found >= 0 }, output).toEqual({ where, line, found: true });
    at = found + 1;
  }
}

const exec = promisify(execFile);

describe('docs/integrating.md', () => {
  const page = readFileSync(join(ROOT, 'docs', 'integrating.md'), 'utf8');
  const examples = examplesOf(page);
  const work = mkdtempSync(join(tmpdir(), 'twinguard-integrating-'));
  const data = join(work, 'state');
  let running: RunningTwinGuard;

  beforeAll(async () => {
    running = await startTwinGuard(['--port', '0', '--data', data, '--fresh']);
  });

  afterAll(async () => {
    if (running !== undefined) await terminate(running);
    rmSync(work, { recursive: true, force: true });
  });

  /** A shell line of the page, pointed at this runtime's state folder; `npm start` is this test's own runtime. */
  async function runShell(code: string): Promise<string> {
    let output = '';
    for (const line of code.split('\n')) {
      if (line.trim() === '' || line.startsWith('#') || line.startsWith('npm start')) continue;
      const command = line
        .replace(/^npm run (send|status) -- /, (_, cli: string) => `node bin/twinguard.mjs ${cli} --data '${data}' `)
        .replace(/^npm run (send|status)$/, (_, cli: string) => `node bin/twinguard.mjs ${cli} --data '${data}'`);
      expect(command, `only npm run send/status lines: ${line}`).toMatch(/^node bin\/twinguard\.mjs /);
      // send exits 1 when the answer is Event Rejected: the page shows the answer, which is checked.
      const ran = await exec('bash', ['-c', command], { cwd: ROOT, timeout: 60_000 }).catch(
        (error: { stdout?: string; stderr?: string; code?: number }) => {
          if (error.code !== 1) throw new Error(`${line}: ${error.stderr ?? String(error)}`);
          return { stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
        },
      );
      output += ran.stdout;
    }
    return output;
  }

  /** A TypeScript example, its packages resolved from this repository and pointed at this runtime. */
  async function runTypeScript(code: string, index: number): Promise<string> {
    const resolveHere = (specifier: string) => import.meta.resolve(specifier);
    const source = code
      .replaceAll("'twinguard/client'", `'${pathToFileURL(join(ROOT, 'client', 'index.ts')).href}'`)
      .replaceAll("'@aws-sdk/client-eventbridge'", `'${resolveHere('@aws-sdk/client-eventbridge')}'`)
      .replaceAll('http://127.0.0.1:4010', running.url)
      .replaceAll('.twinguard/tap.jsonl', join(data, 'tap.jsonl'));
    const file = join(work, `example-${index}.mts`);
    writeFileSync(file, source);
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 60_000 });
    return stdout;
  }

  it('has examples for every role, each followed by what it answers', () => {
    for (const role of ['## Consent authority', '## Render studio', '## Publisher', '## Channel', '## Consumers', '## Webhook partners']) {
      expect(page).toContain(role);
    }
    expect(examples.filter((e) => e.expected.length > 0).length).toBeGreaterThanOrEqual(12);
  });

  it('runs every example against the local runtime and gets the answers the page shows', async () => {
    for (const [index, example] of examples.entries()) {
      const output = example.lang === 'sh' ? await runShell(example.code) : await runTypeScript(example.code, index);
      expectInOrder(output, example.expected, `docs/integrating.md:${example.line}`);
    }
  }, 600_000);
});
