/**
 * `npm run build`: the installable package in dist/ (git-ignored).
 *   dist/lambda/<handler>/index.js  each function, bundled as infra bundles it from source
 *                                   (LAMBDA_BUNDLING), so a consumer needs no esbuild;
 *   dist/{cdk,client,verifier}/index.{js,cjs} the entries, ESM and CommonJS, npm packages left external;
 *   dist/types/, dist/types-cjs/     their declarations, for `import` and for `require`.
 *
 *   node --import tsx scripts/build-package.ts
 */
import { build, type BuildOptions } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAMBDA_BUNDLING } from '../infra/handler-function.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** The functions: every .ts file directly under functions/ is a handler (functions/commons/ is shared code). */
export function handlerNames(): string[] {
  return readdirSync(join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** The esbuild command line NodejsFunction runs for LAMBDA_BUNDLING (aws-lambda-nodejs' bundling.js), as API options. */
function lambdaOptions(handler: string): BuildOptions {
  return {
    entryPoints: [join(root, 'functions', `${handler}.ts`)],
    outfile: join(dist, 'lambda', handler, 'index.js'),
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    // The default of NodejsFunction for Node.js 18 and later: the runtime provides AWS SDK v3.
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  };
}

const ENTRIES = ['cdk', 'client', 'verifier'] as const;

/**
 * An entry as a library: one file per format, every npm package external (dependencies and
 * peers). CommonJS has no import.meta: the construct finds dist/lambda/ from its own file name.
 */
function entryOptions(entry: (typeof ENTRIES)[number], format: 'esm' | 'cjs'): BuildOptions {
  return {
    entryPoints: [join(root, entry, 'index.ts')],
    outfile: join(dist, entry, format === 'esm' ? 'index.js' : 'index.cjs'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format,
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    ...(format === 'cjs' && entry === 'cdk'
      ? {
          define: { 'import.meta.url': '__twinguardModuleUrl' },
          banner: { js: "const __twinguardModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
        }
      : {}),
  };
}

/** tsc keeps the `.ts` of our imports in declarations; consumers resolve `.js` in every module mode. */
function rewriteDeclarationImports(dir: string): void {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) rewriteDeclarationImports(file);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(/(from\s+'\.{1,2}\/[^']*)\.ts'/g, "$1.js'").replace(/(import\('\.{1,2}\/[^']*)\.ts'\)/g, "$1.js')"));
    }
  }
}

export async function buildPackage(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  await Promise.all([
    ...handlerNames().map((h) => build(lambdaOptions(h))),
    ...ENTRIES.flatMap((e) => [build(entryOptions(e, 'esm')), build(entryOptions(e, 'cjs'))]),
  ]);
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  const types = join(dist, 'types');
  rewriteDeclarationImports(types);
  // The same declarations, read as CommonJS (the package is "type": "module"), for `require`.
  cpSync(types, join(dist, 'types-cjs'), { recursive: true });
  writeFileSync(join(dist, 'types-cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildPackage();
}
