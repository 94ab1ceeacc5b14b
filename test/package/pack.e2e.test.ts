import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a CDK user gets it: `npm run build`, `npm pack`, and an install of the
 * tarball, offline, into a fresh app made from the templates of `cdk init app --language
 * typescript` (those of this repo's aws-cdk CLI): no "type" in its package.json, so its .ts
 * files are CommonJS. The app compiles with tsc and synthesizes with plain node, and its
 * functions' code must be the package's prebuilt bundles: the app has no esbuild and no tsx.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPO_MODULES = join(ROOT, 'node_modules');
const TEMPLATE = join(REPO_MODULES, 'aws-cdk/lib/init-templates/app/typescript');
const TSC = join(REPO_MODULES, 'typescript/bin/tsc');

/** Runs a command; on failure the error carries its output, so a failing step says why. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

/** `run`, without blocking: the two synths and the second compile overlap. */
async function runAsync(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return (await promisify(execFile)(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** node_modules/<name> of the app as a link to this repository's copy: what the registry would have given. */
function linkFromRepo(app: string, name: string): void {
  const target = join(app, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(REPO_MODULES, name), target, 'dir');
}

/** A file of the `cdk init` template, with its placeholders filled in as `cdk init` does for a folder named `app`. */
function fromTemplate(file: string): string {
  return readFileSync(join(TEMPLATE, file), 'utf8')
    .replaceAll('%name.PascalCased%', 'App')
    .replaceAll('%stackname%', 'AppStack')
    .replaceAll('%name%', 'app');
}

const STACK_BODY = `    new TwinGuard(this, 'TwinGuard', {
      eventBusName: 'twinguard-app',
      takedownSla: cdk.Duration.minutes(30),
      schemaRegistry: true,
    });`;

/** Uses the client's types: the @ts-expect-error lines fail the compile if the types were lost (any). */
const CLIENT_CONSUMER = (from: string) => `${from}

const event: TwinGuardEvent<'Render Approved'> = parseTwinGuardEvent(
  { version: '0', id: 'e-1', 'detail-type': 'Render Approved', source: 'twinguard', account: '123456789012', time: '2026-01-01T00:00:00Z', region: 'us-east-1', resources: [], detail: OUTBOUND_EXAMPLES['Render Approved'] },
  'Render Approved',
);
const requestId: string = event.detail.requestId;
// @ts-expect-error: a Render Approved has no reasons
event.detail.reasons;
const client = new TwinGuardClient({ eventBusName: 'twinguard-app' });
// @ts-expect-error: not an inbound detail-type
void (() => client.send([{ detailType: 'Render Approved', detail: {} }]));
let refused = '';
try {
  client.entryOf({ detailType: 'Render Requested', detail: { ...INBOUND_EXAMPLES['Render Requested'], twinIds: [] } });
} catch (error) {
  if (error instanceof InvalidEventError) refused = error.message;
}
console.log(JSON.stringify({ requestId, refused, guard: isRenderApproved(event) }));
`;

/**
 * Uses the verifier as an agency would, with nothing of TwinGuard but the package: canonical
 * JSON (RFC 8785), and refusals that come back as reasons, never as exceptions.
 */
const VERIFIER_CONSUMER = (from: string) => `${from}

async function main(): Promise<void> {
  const canonical: string = canonicalJson({ b: 1, a: [true, null, 'é'] });
  const credential: Checked<VerifiedCredential> = await verifyCredential('a.b.c', { keys: [] });
  const head = await verifyTreeHead('not a tree head', { keys: [] });
  // @ts-expect-error: a failed check has no value
  void (credential.ok === false && credential.value);
  console.log(JSON.stringify({ canonical, credential: credential.ok ? 'accepted' : credential.reason, head: head.ok ? 'accepted' : head.reason }));
}
void main();
`;

describe('the packed package in an app made by cdk init', () => {
  const work = mkdtempSync(join(tmpdir(), 'twinguard-pack-'));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'twinguard');
  let tarball: string;
  /** What each slow step gave: the folders of the two cloud assemblies, and the output of the legacy compile. */
  let cjsOut: string;
  let esmOut: string;
  let legacyCompile: string;

  beforeAll(async () => {
    run('npm', ['run', 'build'], ROOT);
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as [{ filename: string }];
    tarball = join(work, packed[0].filename);

    mkdirSync(join(app, 'bin'), { recursive: true });
    mkdirSync(join(app, 'lib'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '0.1.0' }));
    // The package's dependencies and peers, as links: npm keeps an installed package that
    // satisfies a range, so it installs the tarball without asking the registry anything.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    for (const name of [...Object.keys(manifest.dependencies!), ...Object.keys(manifest.peerDependencies!)]) linkFromRepo(app, name);
    run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    // The app's own devDependencies; the template's jest and swc are left out (no tests run here).
    linkFromRepo(app, 'typescript');
    linkFromRepo(app, '@types/node');

    const template = JSON.parse(fromTemplate('package.json')) as Record<string, Record<string, string>>;
    const installedManifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const version = (name: string) =>
      (JSON.parse(readFileSync(join(REPO_MODULES, name, 'package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        {
          ...template,
          dependencies: { 'aws-cdk-lib': version('aws-cdk-lib'), constructs: version('constructs'), ...installedManifest.dependencies },
          devDependencies: { '@types/node': version('@types/node'), typescript: version('typescript') },
        },
        null,
        2,
      ),
    );
    const tsconfig = JSON.parse(fromTemplate('tsconfig.json')) as { compilerOptions: Record<string, unknown> };
    tsconfig.compilerOptions.types = ['node'];
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    writeFileSync(join(app, 'bin', 'app.ts'), fromTemplate('bin/%name%.template.ts'));
    const stack = fromTemplate('lib/%name%-stack.template.ts');
    expect(stack).toContain('// The code that defines your stack goes here');
    writeFileSync(
      join(app, 'lib', 'app-stack.ts'),
      `import { TwinGuard, type TwinGuardProps } from 'twinguard/cdk';\n${stack.replace('    // The code that defines your stack goes here', STACK_BODY)}`,
    );
    writeFileSync(
      join(app, 'esm-app.mts'),
      `import { App, Stack } from 'aws-cdk-lib';\nimport { TwinGuard } from 'twinguard/cdk';\nconst app = new App();\nnew TwinGuard(new Stack(app, 'EsmStack'), 'TwinGuard');\napp.synth();\n`,
    );
    writeFileSync(
      join(app, 'client-cjs.ts'),
      CLIENT_CONSUMER(
        "import { INBOUND_EXAMPLES, InvalidEventError, isRenderApproved, OUTBOUND_EXAMPLES, parseTwinGuardEvent, TwinGuardClient, type TwinGuardEvent } from 'twinguard/client';",
      ),
    );
    cpSync(join(app, 'client-cjs.ts'), join(app, 'client-esm.mts'));
    writeFileSync(
      join(app, 'verifier-cjs.ts'),
      VERIFIER_CONSUMER(
        "import { canonicalJson, type Checked, type VerifiedCredential, verifyCredential, verifyTreeHead } from 'twinguard/verifier';",
      ),
    );
    cpSync(join(app, 'verifier-cjs.ts'), join(app, 'verifier-esm.mts'));
    run(process.execPath, [TSC, '-p', '.', '--noEmit', 'false', '--outDir', 'build'], app);
    const legacy = {
      compilerOptions: {
        target: 'ES2020',
        module: 'commonjs',
        lib: ['es2020'],
        declaration: true,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['bin/app.ts', 'client-cjs.ts', 'verifier-cjs.ts'],
    };
    writeFileSync(join(app, 'tsconfig.legacy.json'), JSON.stringify(legacy));
    [cjsOut, esmOut, legacyCompile] = await Promise.all([
      synth(join(app, 'build', 'bin', 'app.js'), 'cdk.out'),
      synth(join(app, 'build', 'esm-app.mjs'), 'esm.out'),
      runAsync(process.execPath, [TSC, '-p', 'tsconfig.legacy.json'], app),
    ]);
    // A build, a pack, three compiles and two synths: about a minute on an idle machine, more on a busy one.
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs as twinguard with its peers, its JavaScript, declarations and prebuilt functions, and no sources', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.name).toBe('twinguard');
    expect(Object.keys(pkg.exports!)).toEqual(expect.arrayContaining(['./cdk', './client', './verifier']));
    expect(Object.keys(pkg.peerDependencies!).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(Object.keys(pkg.dependencies!)).not.toContain('esbuild');
    expect(Object.keys(pkg.dependencies!)).not.toContain('tsx');
    const files = readdirSync(installed, { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/cdk/index.cjs', 'dist/cdk/index.js', 'dist/types/cdk/index.d.ts']));
    expect(readdirSync(join(installed, 'dist', 'lambda')).sort()).toEqual(
      readdirSync(join(ROOT, 'functions'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.slice(0, -3))
        .sort(),
    );
    // Nothing in the app could bundle from source.
    expect(() => createRequire(join(app, 'package.json')).resolve('esbuild')).toThrow();
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
  });

  /** Synthesizes with plain node into a fresh folder and returns the folder. */
  async function synth(script: string, name: string): Promise<string> {
    const out = join(work, name);
    await runAsync(process.execPath, [script], app, { ...process.env, CDK_OUTDIR: out });
    return out;
  }

  /** Each function's asset in the cloud assembly, by the handler the construct recorded in its metadata. */
  function functionAssets(out: string, stack: string): Map<string, string> {
    const template = JSON.parse(readFileSync(join(out, `${stack}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties: { Code?: { S3Key?: string } } }>;
    };
    const assets = new Map<string, string>();
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const handler = resource.Metadata?.['TwinGuard:Handler'];
      const key = resource.Properties.Code?.S3Key;
      if (handler !== undefined && key !== undefined) assets.set(handler, join(out, `asset.${key.replace(/\.zip$/, '')}`));
    }
    return assets;
  }

  function expectPrebuiltAssets(out: string, stack: string): void {
    const assets = functionAssets(out, stack);
    const handlers = readdirSync(join(installed, 'dist', 'lambda'));
    expect([...assets.keys()].sort()).toEqual(handlers.map((h) => `functions/${h}.ts`).sort());
    for (const handler of handlers) {
      const asset = assets.get(`functions/${handler}.ts`)!;
      expect(sha256(join(asset, 'index.js')), handler).toBe(sha256(join(installed, 'dist', 'lambda', handler, 'index.js')));
    }
  }

  it('compiles as CommonJS with the template tsconfig and synthesizes with plain node, the functions from the prebuilt bundles', () => {
    expect(readFileSync(join(app, 'build', 'lib', 'app-stack.js'), 'utf8')).toContain('require("twinguard/cdk")');
    const template = readFileSync(join(cjsOut, 'AppStack.template.json'), 'utf8');
    expect(template).toContain('"Name": "twinguard-app"');
    expect(template).toContain('AWS::EventSchemas::Registry');
    expectPrebuiltAssets(cjsOut, 'AppStack');
  });

  it('works from an ES module too', () => {
    expectPrebuiltAssets(esmOut, 'EsmStack');
  });

  it('compiles with the tsconfig of older cdk init apps (module commonjs, node10 resolution), which ignores exports', () => {
    expect(legacyCompile).toBe('');
  });

  it.each([
    ['CommonJS', 'client-cjs.js'],
    ['ESM', 'client-esm.mjs'],
  ])('gives a %s consumer of twinguard/client its parsers, guards and validation', (_, file) => {
    const output = JSON.parse(run(process.execPath, [join(app, 'build', file)], app)) as {
      requestId: string;
      refused: string;
      guard: boolean;
    };
    expect(output.requestId).toBe('render-77');
    expect(output.guard).toBe(true);
    expect(output.refused).toMatch(/twinIds/);
  });

  it.each([
    ['CommonJS', 'verifier-cjs.js'],
    ['ESM', 'verifier-esm.mjs'],
  ])('gives a %s consumer of twinguard/verifier canonical JSON and refusals with their reasons', (_, file) => {
    const output = JSON.parse(run(process.execPath, [join(app, 'build', file)], app)) as Record<string, string>;
    expect(output['canonical']).toBe('{"a":[true,null,"é"],"b":1}');
    expect(output['credential']).toMatch(/not|invalid|malformed/i);
    expect(output['credential']).not.toBe('accepted');
    expect(output['head']).not.toBe('accepted');
    expect(output['head']!.length).toBeGreaterThan(0);
  });
});
