import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TwinGuardStack } from './twinguard-stack.ts';

/**
 * The CDK app. No account or region is set, so `cdk synth` needs no credentials;
 * `cdk deploy` takes them from the usual AWS profile or environment.
 */
export function buildApp(app = new App()): { app: App; stack: TwinGuardStack } {
  const stack = new TwinGuardStack(app, 'TwinGuard', { description: 'TwinGuard: consent enforcement for digital twins' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  buildApp().app.synth();
}
