import type { Template } from '../app/synthesize.ts';
import { LOCAL_ACCOUNT } from '../bus/put-events.ts';
import { LOCAL_REGION } from '../dynamodb/dynamodb-local.ts';
import { TemplateError } from './errors.ts';

/** `{ "Ref": "AWS::NoValue" }`: the property is dropped, as CloudFormation does. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TwinGuard',
};

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

/**
 * Resolves CloudFormation intrinsics to the names the local parts use: a table's Ref is its
 * DynamoDB Local name, a bus's Ref its Name, a function's Ref its logical id, and `Arn`
 * attributes are local ARNs. Whatever has no local meaning throws a TemplateError naming
 * where it was found, so that local and deployed wiring cannot drift apart in silence.
 */
export class IntrinsicResolver {
  constructor(
    private readonly template: Template,
    /** Logical id to table name in DynamoDB Local; the logical id when absent. */
    private readonly tableNames: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Resolves every intrinsic inside `value`; `where` names the spot for error messages. */
  resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.resolve(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1], where);
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const resolved = this.resolve(v, `${where}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  /** Like `resolve`, for a value that must end up a string. */
  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new TemplateError(`${where} must be a string, found ${JSON.stringify(value)}`);
  }

  ref(id: string, where: string): string | typeof NO_VALUE {
    if (id === 'AWS::NoValue') return NO_VALUE;
    const pseudo = PSEUDO_PARAMETERS[id];
    if (pseudo !== undefined) return pseudo;
    const resource = this.template.Resources[id];
    if (resource === undefined) return this.parameter(id, where);
    if (TABLE_TYPES.has(resource.Type)) return this.tableNames.get(id) ?? id;
    if (resource.Type === 'AWS::Events::EventBus') return this.busName(id);
    if (resource.Type === 'AWS::Lambda::Function') return this.functionName(id);
    // A secret's Ref is its ARN; the local runtime names it but never reads it.
    if (resource.Type === 'AWS::SecretsManager::Secret') return this.getAtt(id, 'Arn', where);
    // A KMS key's Ref is its id; locally the log signs with a key file instead.
    if (resource.Type === 'AWS::KMS::Key') return id;
    throw new TemplateError(`${where}: {"Ref": "${id}"} (${resource.Type}) has no local equivalent`);
  }

  getAtt(id: string, attribute: string, where: string): string {
    const resource = this.template.Resources[id];
    if (resource === undefined) throw new TemplateError(`${where}: Fn::GetAtt names ${id}, which is not in the template`);
    const arn = (service: string, resourcePart: string) => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resourcePart}`;
    if (attribute === 'Arn') {
      if (TABLE_TYPES.has(resource.Type)) return arn('dynamodb', `table/${this.tableNames.get(id) ?? id}`);
      if (resource.Type === 'AWS::Events::EventBus') return arn('events', `event-bus/${this.busName(id)}`);
      if (resource.Type === 'AWS::Lambda::Function') return localFunctionArn(this.functionName(id));
      if (resource.Type === 'AWS::SQS::Queue') return arn('sqs', id);
      if (resource.Type === 'AWS::SecretsManager::Secret') return arn('secretsmanager', `secret:${id}`);
      if (resource.Type === 'AWS::KMS::Key') return arn('kms', `key/${id}`);
    }
    if (attribute === 'Name' && resource.Type === 'AWS::Events::EventBus') return this.busName(id);
    throw new TemplateError(`${where}: Fn::GetAtt ${id}.${attribute} (${resource.Type}) has no local equivalent`);
  }

  /** A function runs locally under its FunctionName when the template sets one, else its logical id. */
  functionName(id: string): string {
    const name = this.template.Resources[id]?.Properties?.['FunctionName'];
    return typeof name === 'string' ? name : id;
  }

  busName(id: string): string {
    const name = this.template.Resources[id]?.Properties?.['Name'];
    if (typeof name !== 'string') throw new TemplateError(`event bus ${id} has no Name`);
    return name;
  }

  private parameter(id: string, where: string): string {
    const parameters = (this.template as { Parameters?: Record<string, { Default?: unknown }> }).Parameters;
    const fallback = parameters?.[id]?.Default;
    if (fallback === undefined) throw new TemplateError(`${where}: {"Ref": "${id}"} names no resource and no parameter with a default`);
    return String(fallback);
  }

  private intrinsic(name: string, argument: unknown, where: string): unknown {
    switch (name) {
      case 'Ref':
        if (typeof argument !== 'string') break;
        return this.ref(argument, where);
      case 'Fn::GetAtt': {
        const [id, attribute] = typeof argument === 'string' ? argument.split('.') : Array.isArray(argument) ? argument : [];
        if (typeof id !== 'string' || typeof attribute !== 'string') break;
        return this.getAtt(id, attribute, where);
      }
      case 'Fn::Join': {
        if (!Array.isArray(argument) || typeof argument[0] !== 'string') break;
        const parts = this.resolve(argument[1], where);
        if (!Array.isArray(parts)) break;
        return parts.map((p) => this.resolveString(p, where)).join(argument[0]);
      }
      case 'Fn::Sub':
        return this.sub(argument, where);
    }
    throw new TemplateError(`${where}: ${name} ${JSON.stringify(argument)} is not supported by the local runtime`);
  }

  private sub(argument: unknown, where: string): string {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== 'string' || typeof variables !== 'object' || variables === null) {
      throw new TemplateError(`${where}: Fn::Sub ${JSON.stringify(argument)} is malformed`);
    }
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (Object.hasOwn(variables, name)) return this.resolveString((variables as Record<string, unknown>)[name], where);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name.slice(0, dot), name.slice(dot + 1), where);
      const value = this.ref(name, where);
      return value === NO_VALUE ? '' : value;
    });
  }
}

export function localFunctionArn(functionName: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;
}
