import { HANDLER_METADATA_KEY } from '../../infra/handler-function.ts';
import type { Template } from '../app/synthesize.ts';
import { busNameOf, LOCAL_ACCOUNT } from '../bus/put-events.ts';
import { LOCAL_REGION } from '../dynamodb/dynamodb-local.ts';
import { TemplateError } from './errors.ts';
import { IntrinsicResolver, localFunctionArn } from './intrinsics.ts';

/** A Lambda function of the template, as the local runtime runs it: from source, in-process. */
export interface FunctionSpec {
  logicalId: string;
  /** The function's name locally: its FunctionName, else its logical id. */
  name: string;
  /** Source file relative to the repository root (the `TwinGuard:Handler` metadata). */
  source: string;
  /** The export the Lambda `Handler` property names (`index.handler` → `handler`). */
  exportName: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** `Environment.Variables` with every intrinsic resolved to its local value. */
  environment: Record<string, string>;
}

export interface RuleTargetSpec {
  id: string;
  functionId: string;
  /** The target's constant `Input`, sent instead of the event when present. */
  input?: unknown;
}

export interface RuleSpec {
  /** The rule's Name, else its logical id. */
  name: string;
  eventBusName: string;
  pattern: object;
  targets: RuleTargetSpec[];
}

export interface ScheduleSpec {
  name: string;
  arn: string;
  expression: string;
  functionId: string;
  /** Target.Input as in the template: JSON text, possibly with `<aws.scheduler.*>` placeholders. */
  input?: string;
}

export interface TemplateRoutes {
  /** Every bus a rule listens on or the template creates. */
  eventBuses: string[];
  /** The functions some rule or schedule invokes, by logical id. */
  functions: Map<string, FunctionSpec>;
  rules: RuleSpec[];
  schedules: ScheduleSpec[];
}

/**
 * Reads the routing of the synthesized app: enabled `AWS::Events::Rule`s with their
 * patterns and Lambda targets, enabled `AWS::Scheduler::Schedule`s, and the functions they
 * invoke. Anything the local runtime could not run as deployed throws a TemplateError.
 */
export function routesFromTemplate(template: Template, tableNames: ReadonlyMap<string, string> = new Map()): TemplateRoutes {
  const resolver = new IntrinsicResolver(template, tableNames);
  const eventBuses = new Set<string>();
  const used = new Set<string>();
  const rules: RuleSpec[] = [];
  const schedules: ScheduleSpec[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::Events::EventBus') eventBuses.add(resolver.busName(id));
    if (resource.Type === 'AWS::Events::Rule' && isEnabled(p['State'])) {
      const rule = ruleSpec(id, p, template, resolver);
      eventBuses.add(rule.eventBusName);
      for (const target of rule.targets) used.add(target.functionId);
      rules.push(rule);
    }
    if (resource.Type === 'AWS::Scheduler::Schedule' && isEnabled(p['State'])) {
      const schedule = scheduleSpec(id, p, template, resolver);
      used.add(schedule.functionId);
      schedules.push(schedule);
    }
  }
  const functions = new Map([...used].map((id) => [id, functionSpec(id, template, resolver)]));
  return { eventBuses: [...eventBuses], functions, rules, schedules };
}

function ruleSpec(id: string, p: Record<string, unknown>, template: Template, resolver: IntrinsicResolver): RuleSpec {
  const where = `rule ${id}`;
  if (p['EventPattern'] === undefined) {
    throw new TemplateError(`${where} has no EventPattern (scheduled rules are not supported locally; use AWS::Scheduler::Schedule)`);
  }
  const busRef = p['EventBusName'] === undefined ? undefined : resolver.resolveString(p['EventBusName'], `${where} EventBusName`);
  const eventBusName = busNameOf(busRef);
  if (eventBusName === undefined) throw new TemplateError(`${where}: EventBusName ${busRef} is neither a bus name nor a bus ARN`);
  let pattern = resolver.resolve(p['EventPattern'], `${where} EventPattern`);
  if (typeof pattern === 'string') pattern = parseJson(pattern, `${where} EventPattern`);
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
    throw new TemplateError(`${where}: EventPattern must be a JSON object`);
  }
  const targets = (Array.isArray(p['Targets']) ? (p['Targets'] as Record<string, unknown>[]) : []).map((t, i) => {
    const targetWhere = `${where} target ${String(t['Id'] ?? i)}`;
    for (const unsupported of ['InputPath', 'InputTransformer']) {
      if (t[unsupported] !== undefined) throw new TemplateError(`${targetWhere}: ${unsupported} is not supported locally`);
    }
    const input = t['Input'] === undefined ? undefined : parseJson(resolver.resolveString(t['Input'], targetWhere), `${targetWhere} Input`);
    return {
      id: String(t['Id'] ?? i),
      functionId: targetFunction(t['Arn'], targetWhere, template, resolver),
      ...(input !== undefined && { input }),
    };
  });
  const name = typeof p['Name'] === 'string' ? p['Name'] : id;
  return { name, eventBusName, pattern, targets };
}

function scheduleSpec(id: string, p: Record<string, unknown>, template: Template, resolver: IntrinsicResolver): ScheduleSpec {
  const where = `schedule ${id}`;
  const expression = resolver.resolveString(p['ScheduleExpression'], `${where} ScheduleExpression`);
  if (!/^(rate|cron)\(/.test(expression)) {
    throw new TemplateError(`${where}: only rate() and cron() schedules run locally, found ${expression}`);
  }
  const target = (p['Target'] ?? {}) as Record<string, unknown>;
  const input = target['Input'] === undefined ? undefined : resolver.resolveString(target['Input'], `${where} Target.Input`);
  const name = typeof p['Name'] === 'string' ? p['Name'] : id;
  const group = typeof p['GroupName'] === 'string' ? p['GroupName'] : 'default';
  return {
    name,
    arn: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${group}/${name}`,
    expression,
    functionId: targetFunction(target['Arn'], `${where} Target`, template, resolver),
    ...(input !== undefined && { input }),
  };
}

/** The logical id of the Lambda function a target's Arn points to. */
function targetFunction(arn: unknown, where: string, template: Template, resolver: IntrinsicResolver): string {
  const getAtt = (arn as Record<string, unknown> | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && template.Resources[String(getAtt[0])]?.Type === 'AWS::Lambda::Function') {
    return String(getAtt[0]);
  }
  const resolved = resolver.resolveString(arn, `${where} Arn`);
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::Lambda::Function' && localFunctionArn(resolver.functionName(id)) === resolved) return id;
  }
  throw new TemplateError(`${where}: only Lambda functions of this template can be targets locally, found ${resolved}`);
}

function functionSpec(id: string, template: Template, resolver: IntrinsicResolver): FunctionSpec {
  const resource = template.Resources[id]!;
  const p = resource.Properties ?? {};
  const source = resource.Metadata?.[HANDLER_METADATA_KEY];
  if (typeof source !== 'string') {
    throw new TemplateError(`function ${id} has no ${HANDLER_METADATA_KEY} metadata, so the local runtime cannot find its source`);
  }
  const handler = typeof p['Handler'] === 'string' ? p['Handler'] : 'index.handler';
  const variables = (p['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    environment[name] = resolver.resolveString(value, `function ${id} environment variable ${name}`);
  }
  return {
    logicalId: id,
    name: resolver.functionName(id),
    source,
    exportName: handler.slice(handler.lastIndexOf('.') + 1),
    // CloudFormation's defaults.
    timeoutSeconds: typeof p['Timeout'] === 'number' ? p['Timeout'] : 3,
    memoryMb: typeof p['MemorySize'] === 'number' ? p['MemorySize'] : 128,
    environment,
  };
}

function isEnabled(state: unknown): boolean {
  return state === undefined || (typeof state === 'string' && state.startsWith('ENABLED'));
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TemplateError(`${where} is not valid JSON: ${text}`);
  }
}
