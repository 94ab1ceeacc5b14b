import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLING } from '../../infra/handler-function.ts';
import { ENV } from '../../shared/adapters/env-names.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEY = { [ENV.log.signingKeyArn]: 'arn:aws:kms:eu-west-1:111122223333:key/test' };

/**
 * Bundles a function as CDK does (the SDK left to the Lambda runtime) and lists the `@aws-sdk`
 * clients a fresh Node process has loaded once the bundle's init is done (its pending
 * promises included): what a cold start pays for.
 */
async function clientsLoadedAtInit(dir: string, name: string) {
  const outfile = join(dir, name, 'index.js');
  await build({
    entryPoints: [join(root, 'functions', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    external: ['@aws-sdk/*'],
    outfile,
    logLevel: 'silent',
  });
  return (env: Record<string, string>) => {
    const script = `require(${JSON.stringify(outfile)});setImmediate(()=>process.stdout.write(JSON.stringify(Object.keys(require.cache))))`;
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, ...env, NODE_PATH: join(root, 'node_modules'), NODE_OPTIONS: '' },
      encoding: 'utf8',
    });
    const paths = JSON.parse(out) as string[];
    return [...new Set(paths.map((p) => /node_modules\/(@aws-sdk\/(?:client|lib)-[^/]+)\//.exec(p)?.[1]).filter(Boolean))].sort();
  };
}

describe('what a function loads as it initialises', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'twinguard-init-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a function without the log key never loads the KMS client; one with the key loads it during its init', async () => {
    const granted = await clientsLoadedAtInit(dir, 'consent-granted');
    expect(granted({})).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge', '@aws-sdk/lib-dynamodb']);

    const approver = await clientsLoadedAtInit(dir, 'render-requested');
    expect(approver({})).not.toContain('@aws-sdk/client-kms');
    // Deployed, an approver has the key: its client is ready before the first approval needs it.
    expect(approver(KEY)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-eventbridge',
      '@aws-sdk/client-kms',
      '@aws-sdk/lib-dynamodb',
    ]);
  }, 60_000);
});
