#!/usr/bin/env node
// The `twinguard` command: runs the TypeScript entry with tsx, in this process (so that
// signals reach the runtime directly).
import { register } from 'tsx/esm/api';

register();
await import('../local/cli/twinguard.ts');
