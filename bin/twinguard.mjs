#!/usr/bin/env node
// The `twinguard` command: runs the TypeScript entry with tsx, in this process (so that
// signals reach the runtime directly).
import { existsSync } from 'node:fs';

const entry = new URL('../local/cli/twinguard.ts', import.meta.url);
// The installed package has no local runtime (nor tsx): only a clone of the repository does.
if (!existsSync(entry)) {
  process.stderr.write(
    'twinguard: the local runtime and its CLI run from a clone of the TwinGuard repository (npm start there); this installed package holds twinguard/cdk and twinguard/client\n',
  );
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
await import(entry.href);
