/**
 * Cold start, per function: the bundle as CDK builds it (the esbuild options of
 * `NodejsFunction` in infra/handler-function.ts: CJS, minified, external source map, node24,
 * `@aws-sdk/*` left to the Lambda runtime) and the time to `require` it in a fresh Node
 * process, with and without `--enable-source-maps` (the functions set it), median of several.
 * Merges `coldStart` into bench/results.json and prints a table.
 *
 *   node --import tsx bench/cold-start.ts [--runs 5] [--src <dir with functions/ and shared/>]
 *
 * `--src` measures another tree, e.g. an older commit: `git archive <ref> functions shared | tar -x -C /tmp/old`.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FUNCTION_ACCESS, type FunctionAccess, type FunctionName } from '../infra/function-access.ts';
import { ENV } from '../shared/adapters/env-names.ts';
import { LAMBDA_BUNDLING } from '../infra/handler-function.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const nodeModules = join(root, 'node_modules');

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface ColdStartFigure {
  function: string;
  /** index.js as deployed, bytes. */
  bundleBytes: number;
  sourceMapBytes: number;
  /** The largest packages in the bundle, KiB of output. */
  largest: Record<string, number>;
  /** The AWS SDK packages it loads from the runtime (they are not in the bundle). */
  sdk: string[];
  requireMs: Spread;
  requireMsWithSourceMaps: Spread;
  /** With its SDK packages already loaded: the cost of the bundle's own code. */
  requireMsOwn: Spread;
}

export interface ColdStartOptions {
  runs?: number;
  src?: string;
  onProgress?: (line: string) => void;
}

const spread = (xs: number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round(median), min: round(s[0]!), max: round(s[s.length - 1]!) };
};
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Time of `require(file)` in a fresh Node process, as that process measures it, until the
 * loads the module started meanwhile are done too (a function with a signing key loads the KMS
 * client as it initialises, as Lambda's init would: the timer stops at the next macrotask).
 */
function requireTime(file: string, flags: string[], preload: readonly string[] = [], env: Record<string, string> = {}): number {
  const pre = preload.map((m) => `require(${JSON.stringify(m)});`).join('');
  return Number(
    inFreshNode(
      `${pre}const t=performance.now();require(${JSON.stringify(file)});setImmediate(()=>process.stdout.write(String(performance.now()-t)))`,
      flags,
      env,
    ),
  );
}

/** Runs `script` in a fresh Node process that finds the SDK where the Lambda runtime would; its stdout. */
function inFreshNode(script: string, flags: readonly string[], env: Record<string, string>): string {
  return execFileSync(process.execPath, [...flags, '-e', script], {
    env: { ...process.env, ...env, NODE_PATH: nodeModules, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    encoding: 'utf8',
  });
}

/** The `@aws-sdk/*` clients a fresh process has loaded once `file`'s init is done (its pending promises included). */
export function clientsLoadedAtInit(file: string, env: Record<string, string> = {}): string[] {
  const out = inFreshNode(
    `require(${JSON.stringify(file)});setImmediate(()=>process.stdout.write(JSON.stringify(Object.keys(require.cache))))`,
    [],
    env,
  );
  const packages = (JSON.parse(out) as string[]).map((path) => /node_modules\/(@aws-sdk\/(?:client-[^/]+|lib-[^/]+))\//.exec(path)?.[1]);
  return [...new Set(packages.filter((p): p is string => p !== undefined))].sort();
}

/** Bundles `entry` to `outfile` with the options `NodejsFunction` uses (infra/handler-function.ts), the SDK left to the runtime. */
export function bundleLikeCdk(entry: string, outfile: string) {
  return build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    external: ['@aws-sdk/*'],
    nodePaths: [nodeModules],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
}

/** Deployed, these functions get the log's signing key (and so load the KMS client): the approvers, the sweeper, the sealer. */
function deployedEnv(name: string): Record<string, string> {
  const access = FUNCTION_ACCESS[name as FunctionName] as FunctionAccess | undefined;
  const hasKey = name === 'seal-log' || access?.signsCredentials === true;
  return hasKey ? { [ENV.log.signingKeyArn]: 'arn:aws:kms:eu-west-1:111122223333:key/bench' } : {};
}

export async function measureColdStart(options: ColdStartOptions = {}): Promise<ColdStartFigure[]> {
  const runs = options.runs ?? 5;
  const src = resolve(options.src ?? root);
  const names = readdirSync(join(src, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  const out = mkdtempSync(join(tmpdir(), 'twinguard-cold-start-'));
  const figures: ColdStartFigure[] = [];
  try {
    for (const name of names) {
      const outfile = join(out, name, 'index.js');
      const result = await bundleLikeCdk(join(src, 'functions', `${name}.ts`), outfile);
      const output = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('index.js'))!]!;
      const byPackage: Record<string, number> = {};
      for (const [path, input] of Object.entries(output.inputs)) {
        const key = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.replace(/^.*?\b(shared|functions)\/.*$/, '$1');
        byPackage[key] = (byPackage[key] ?? 0) + input.bytesInOutput;
      }
      const largest = Object.fromEntries(
        Object.entries(byPackage)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([k, v]) => [k, round(v / 1024)]),
      );
      // The SDK packages its init loads: what the bundle requires at once, and the KMS client where a key is set.
      const env = deployedEnv(name);
      const sdk = clientsLoadedAtInit(outfile, env);
      requireTime(outfile, [], [], env); // warm the file cache
      const plain: number[] = [];
      const mapped: number[] = [];
      const own: number[] = [];
      for (let i = 0; i < runs; i++) {
        plain.push(requireTime(outfile, [], [], env));
        mapped.push(requireTime(outfile, ['--enable-source-maps'], [], env));
        own.push(requireTime(outfile, [], sdk, env));
      }
      const figure: ColdStartFigure = {
        function: name,
        bundleBytes: output.bytes,
        sourceMapBytes: readFileSync(`${outfile}.map`).length,
        largest,
        sdk,
        requireMs: spread(plain),
        requireMsWithSourceMaps: spread(mapped),
        requireMsOwn: spread(own),
      };
      figures.push(figure);
      options.onProgress?.(
        `cold start: ${name} ${kib(figure.bundleBytes)} KiB, require ${figure.requireMs.median} ms, own code ${figure.requireMsOwn.median} ms`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return figures;
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

export function coldStartTable(figures: readonly ColdStartFigure[]): string {
  const rows = [
    [
      'function',
      'bundle KiB',
      'map KiB',
      'require ms p50 (min-max)',
      'with source maps',
      'own code (SDK preloaded)',
      'SDK clients',
      'largest parts (KiB)',
    ],
    ...figures.map((f) => [
      f.function,
      kib(f.bundleBytes),
      kib(f.sourceMapBytes),
      `${f.requireMs.median} (${f.requireMs.min}-${f.requireMs.max})`,
      `${f.requireMsWithSourceMaps.median} (${f.requireMsWithSourceMaps.min}-${f.requireMsWithSourceMaps.max})`,
      `${f.requireMsOwn.median} (${f.requireMsOwn.min}-${f.requireMsOwn.max})`,
      f.sdk.map((m) => m.replace('@aws-sdk/', '')).join(' '),
      Object.entries(f.largest)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** Merges `patch` into bench/results.json (top-level keys replaced), keeping what other benchmarks wrote. */
export function mergeResults(patch: Record<string, unknown>, file = join(root, 'bench', 'results.json')): void {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...previous, ...patch }, null, 2)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, src: { type: 'string' } } });
  const figures = await measureColdStart({ runs: Number(values.runs), src: values.src, onProgress: (l) => console.error(l) });
  console.log(coldStartTable(figures));
  if (values.src === undefined) {
    mergeResults({
      coldStart: { measuredAt: new Date().toISOString(), node: process.version, runs: Number(values.runs), functions: figures },
    });
  }
}
