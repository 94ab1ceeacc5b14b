import { Token } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { CONTRACT_EVENTS, type ContractEvent } from '../shared/model/events/contract.ts';
import { TWINGUARD_SOURCE } from '../shared/model/events/envelope.ts';
import { envelopeJsonSchema } from '../shared/model/events/json-schema.ts';
import type { RoleSources } from '../shared/model/events/roles.ts';
import { TwinGuardPropsError } from './errors.ts';

export interface SchemaRegistryOptions {
  /**
   * Name of the registry to create (letters, digits, `.`, `-`, `_`; at most 64).
   * @default the name of the bus TwinGuard creates; a name CloudFormation generates when TwinGuard attaches to an existing bus
   */
  readonly registryName?: string;
}

export interface TwinGuardSchemaRegistryProps extends SchemaRegistryOptions {
  /** The sources the inbound events come from: each schema is named and constrained by its source. */
  readonly sources: RoleSources;
}

/**
 * The contract's events in an EventBridge schema registry, one schema per source and
 * detail-type (`twinguard.studio@RenderRequested`, `twinguard@RenderApproved`), as
 * EventBridge names discovered schemas. Each is the JSON Schema (draft 4, the registry's
 * JSON type) of the whole event a rule's target receives, made from the same zod schemas
 * the handlers validate with; the console and code bindings of the registry then describe
 * TwinGuard's events exactly.
 */
export class TwinGuardSchemaRegistry extends Construct {
  readonly registry: CfnRegistry;
  /** By schema name. */
  readonly schemas: Record<string, CfnSchema> = {};

  constructor(scope: Construct, id: string, props: TwinGuardSchemaRegistryProps) {
    super(scope, id);
    checkRegistryName(this, props.registryName);
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: props.registryName,
      description: 'TwinGuard event contract: every event integrators send to TwinGuard or receive from it',
    });
    for (const event of CONTRACT_EVENTS) {
      const source = sourceOf(event, props.sources);
      const name = schemaName(source, event.detailType);
      const schema = new CfnSchema(this, name.replace(/[^A-Za-z0-9]/g, ''), {
        registryName: this.registry.attrRegistryName,
        schemaName: name,
        type: 'JSONSchemaDraft4',
        description: event.summary,
        content: JSON.stringify(envelopeJsonSchema(event, source, 'draft-4')),
      });
      this.schemas[name] = schema;
    }
  }
}

function sourceOf(event: ContractEvent, sources: RoleSources): string {
  return event.direction === 'outbound' ? TWINGUARD_SOURCE : sources[event.roles[0]!];
}

/**
 * `<source>@<DetailTypeInPascalCase>`, as EventBridge names discovered schemas. Characters a
 * schema name cannot hold (any but letters, digits, `-`, `_`, `.`) become `-`.
 */
export function schemaName(source: string, detailType: string): string {
  const pascal = detailType
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `${source.replace(/[^A-Za-z0-9._-]/g, '-')}@${pascal}`;
}

const REGISTRY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

function checkRegistryName(scope: Construct, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name) || REGISTRY_NAME.test(name)) return;
  throw new TwinGuardPropsError(
    `TwinGuard ${scope.node.path}: schemaRegistry.registryName "${name}" is not a registry name: use 1 to 64 letters, digits, ".", "-" or "_".`,
  );
}
