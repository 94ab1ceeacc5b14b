import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import Ajv4Module from 'ajv-draft-04';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { TwinGuardPropsError } from '../../infra/errors.ts';
import { schemaName } from '../../infra/schema-registry.ts';
import { TwinGuard, type TwinGuardProps } from '../../infra/twinguard.ts';
import { TwinGuardStack } from '../../infra/twinguard-stack.ts';
import { CONTRACT_EVENTS } from '../../shared/model/events/contract.ts';

// Bundling is skipped: these tests check the template, not the bundles.
const app = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

// CommonJS default export under ESM interop.
const Ajv4 = ((Ajv4Module as unknown as { default?: unknown }).default ?? Ajv4Module) as typeof Ajv4Module;

function template(props: TwinGuardProps): Template {
  const stack = new Stack(app(), 'RegistryStack');
  new TwinGuard(stack, 'TwinGuard', props);
  return Template.fromStack(stack);
}

function schemas(t: Template): { name: string; type: string; content: Record<string, any>; registry: unknown }[] {
  return Object.values(t.findResources('AWS::EventSchemas::Schema')).map((r) => ({
    name: r.Properties.SchemaName,
    type: r.Properties.Type,
    content: JSON.parse(r.Properties.Content),
    registry: r.Properties.RegistryName,
  }));
}

const envelope = (detailType: string, source: string, detail: unknown) => ({
  version: '0',
  id: '6f1c2b7e-3d4a-4e8f-9b0c-1a2d3e4f5a6b',
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: '2026-05-01T12:00:00Z',
  region: 'eu-north-1',
  resources: [],
  detail,
});

describe('the schema registry', () => {
  it('is not created unless asked for', () => {
    const t = template({});
    t.resourceCountIs('AWS::EventSchemas::Registry', 0);
    t.resourceCountIs('AWS::EventSchemas::Schema', 0);
    expect(() => template({ schemaRegistry: false }).resourceCountIs('AWS::EventSchemas::Registry', 0)).not.toThrow();
  });

  it('holds one JSONSchemaDraft4 schema per source and detail-type of the contract, in a registry named after the bus', () => {
    const t = template({ schemaRegistry: true });
    t.resourceCountIs('AWS::EventSchemas::Registry', 1);
    t.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'twinguard' });
    const found = schemas(t);
    expect(found.map((s) => s.name).sort()).toEqual(
      [
        'twinguard.consent@ConsentGranted',
        'twinguard.consent@ConsentRevoked',
        'twinguard.studio@RenderRequested',
        'twinguard.publisher@PublicationRequested',
        'twinguard.channel@AssetPublished',
        'twinguard.channel@TakedownCompleted',
        'twinguard.channel@TakedownFailed',
        'twinguard@RenderApproved',
        'twinguard@RenderDenied',
        'twinguard@PublicationApproved',
        'twinguard@PublicationDenied',
        'twinguard@TakedownRequested',
        'twinguard@TakedownCompleted',
        'twinguard@TakedownFailed',
        'twinguard@TakedownOverdue',
        'twinguard@UsageRecorded',
        'twinguard@EventRejected',
        'twinguard@RemovalVerified',
        'twinguard@RemovalUnverified',
        'twinguard@RemovalCertificateIssued',
      ].sort(),
    );
    for (const s of found) {
      expect(s.type).toBe('JSONSchemaDraft4');
      expect(s.registry).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Registry/), 'RegistryName'] });
    }
  });

  it('holds valid draft-4 schemas of the whole event, which accept every example and refuse another source', () => {
    const ajv = new Ajv4({ strict: false, allErrors: true });
    const found = new Map(schemas(template({ schemaRegistry: true })).map((s) => [s.name, s.content]));
    for (const event of CONTRACT_EVENTS) {
      const source = event.direction === 'outbound' ? 'twinguard' : `twinguard.${event.roles[0]}`;
      const content = found.get(schemaName(source, event.detailType))!;
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(ajv.validateSchema(content), JSON.stringify(ajv.errors)).toBe(true);
      const validate = ajv.compile(content);
      expect(validate(envelope(event.detailType, source, event.example)), JSON.stringify(validate.errors)).toBe(true);
      expect(validate(envelope(event.detailType, 'someone.else', event.example))).toBe(false);
      expect(validate(envelope(event.detailType, source, {}))).toBe(false);
    }
  });

  it('names inbound schemas by the configured sources, and the registry as asked', () => {
    const t = template({ schemaRegistry: { registryName: 'brand-contract' }, sources: { consent: 'com.brand/legal' } });
    t.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'brand-contract' });
    const names = schemas(t).map((s) => s.name);
    expect(names).toContain('com.brand-legal@ConsentGranted');
    const granted = schemas(t).find((s) => s.name === 'com.brand-legal@ConsentGranted')!;
    expect(granted.content.properties.source).toEqual({ type: 'string', enum: ['com.brand/legal'] });
  });

  it('is named after the bus TwinGuard creates, or by CloudFormation for an existing bus', () => {
    template({ schemaRegistry: true, eventBusName: 'brand-bus' }).hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'brand-bus',
    });
    const stack = new Stack(app(), 'ExistingBus');
    new TwinGuard(stack, 'TwinGuard', { eventBus: new EventBus(stack, 'Bus'), schemaRegistry: true });
    const registry = Object.values(Template.fromStack(stack).findResources('AWS::EventSchemas::Registry'))[0]!;
    expect(registry.Properties.RegistryName).toBeUndefined();
  });

  it('refuses a registry name the service would refuse, at synth, naming the prop', () => {
    expect(() => template({ schemaRegistry: { registryName: 'brand contract!' } })).toThrow(TwinGuardPropsError);
    expect(() => template({ schemaRegistry: { registryName: 'x'.repeat(65) } })).toThrow(/schemaRegistry\.registryName/);
  });

  it('keeps the stack clean by cdk-nag AwsSolutions checks', () => {
    const a = app();
    new TwinGuardStack(a, 'TwinGuard', { twinGuard: { schemaRegistry: true } });
    Validations.of(a).addPlugins(new AwsSolutionsChecks(a));
    expect(() => a.synth()).not.toThrow();
  });
});
