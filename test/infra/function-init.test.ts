import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLikeCdk, clientsLoadedAtInit } from '../../bench/cold-start.ts';
import { ENV } from '../../shared/adapters/env-names.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEY = { [ENV.log.signingKeyArn]: 'arn:aws:kms:eu-west-1:111122223333:key/test' };

/** Bundles a function as CDK does; what a fresh process holds of the SDK once its init is done: what a cold start pays for. */
async function clientsAtInit(dir: string, name: string) {
  const outfile = join(dir, name, 'index.js');
  await bundleLikeCdk(join(root, 'functions', `${name}.ts`), outfile);
  return (env: Record<string, string>) => clientsLoadedAtInit(outfile, env);
}

describe('what a function loads as it initialises', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'twinguard-init-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a function without the log key never loads the KMS client; one with the key loads it during its init', async () => {
    const granted = await clientsAtInit(dir, 'consent-granted');
    expect(granted({})).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge', '@aws-sdk/lib-dynamodb']);

    const approver = await clientsAtInit(dir, 'render-requested');
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
