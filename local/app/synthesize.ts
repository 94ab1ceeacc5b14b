import { App } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../infra/app.ts';

/** A CloudFormation template as the runtime reads it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

/**
 * Synthesizes the real CDK app in-process and returns its template, so that local tables,
 * rules and functions come from the same definitions as the deployed ones. Bundling is
 * skipped: locally the handlers run from source.
 */
export function synthesizeTemplate(): Template {
  const outdir = mkdtempSync(join(tmpdir(), 'twinguard-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const { stack } = buildApp(app);
    const assembly = app.synth();
    return assembly.getStackByName(stack.stackName).template as Template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
