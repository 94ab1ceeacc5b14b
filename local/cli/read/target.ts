import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import { wireLogReader, wireQueries } from '../../../shared/adapters/wire.ts';
import { systemClock } from '../../../shared/adapters/system.ts';
import type { LogStore } from '../../../shared/ports/log-store.ts';
import type { QueryDeps } from '../../../shared/use-cases/queries/query-deps.ts';
import { LOCAL_CREDENTIALS } from '../../dynamodb/dynamodb-local.ts';
import { readDiscovery } from '../../runtime/discovery.ts';
import { StackUnavailableError, TableUnavailableError } from '../errors.ts';

/** Where the reads go: the local runtime's DynamoDB Local, or a deployed stack's tables. */
export interface Target {
  /** Said on stderr and in the console's header: which TwinGuard this is. */
  label: string;
  region: string;
  /** Another DynamoDB endpoint than AWS's: DynamoDB Local, or one given by hand. */
  dynamoDbEndpoint?: string;
  /** DynamoDB Local takes any key; anything else gets the user's own credentials (the SDK's usual chain). */
  localCredentials: boolean;
  tables: { consent: string; audit: string };
}

export interface TargetOptions {
  /** The state folder of the local runtime (runtime.json). */
  stateDir: string;
  stack?: string;
  region?: string;
  /** Another CloudFormation endpoint (LocalStack, the tests' stand-in); default AWS's. */
  cloudFormationEndpoint?: string;
  /** The DynamoDB endpoint and tables given by hand (scripts, tests). */
  dynamoDbEndpoint?: string;
  consentTable?: string;
  auditTable?: string;
}

/** The stack outputs the infra (infra/twinguard-stack.ts) declares; a brand's own stack may prefix them. */
export const STACK_OUTPUTS = { consent: 'ConsentTableName', audit: 'AuditTableName', bus: 'EventBusName' } as const;

/** What CloudFormation accepts as a stack name, or a stack ARN. */
export const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$|^arn:aws[\w-]*:cloudformation:[\w-]+:\d{12}:stack\/[\w/-]{1,256}$/;

/** Finds what to read: tables given by hand, else `--stack`, else the local runtime through runtime.json. */
export async function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv): Promise<Target> {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (options.consentTable !== undefined && options.auditTable !== undefined) {
    return {
      label: options.dynamoDbEndpoint ?? `tables in ${region}`,
      region,
      ...(options.dynamoDbEndpoint === undefined ? {} : { dynamoDbEndpoint: options.dynamoDbEndpoint }),
      localCredentials: options.dynamoDbEndpoint !== undefined,
      tables: { consent: options.consentTable, audit: options.auditTable },
    };
  }
  if (options.stack !== undefined) {
    const target = await stackTarget(options.stack, region, options.cloudFormationEndpoint);
    return options.dynamoDbEndpoint === undefined ? target : { ...target, dynamoDbEndpoint: options.dynamoDbEndpoint };
  }
  const runtime = readDiscovery(options.stateDir);
  if (runtime === undefined) {
    throw new TableUnavailableError(
      `no local runtime is running with the state folder ${options.stateDir}: start it with "npx twinguard start", ` +
        'give its folder with --data DIR, or read a deployed stack with --stack NAME [--region REGION]',
    );
  }
  const consent = tableOf(runtime.tables, 'ConsentTable');
  const audit = tableOf(runtime.tables, 'AuditTable');
  if (consent === undefined || audit === undefined) {
    throw new TableUnavailableError(`the local runtime's runtime.json names no consent or audit table: restart it ("npx twinguard start")`);
  }
  return {
    label: `local runtime ${runtime.url}`,
    region: runtime.region,
    dynamoDbEndpoint: runtime.dynamoDbEndpoint,
    localCredentials: true,
    tables: { consent, audit },
  };
}

function tableOf(tables: Record<string, string>, logicalPrefix: string): string | undefined {
  const names = Object.entries(tables).filter(([id]) => id.startsWith(logicalPrefix) || id.includes(`TwinGuard${logicalPrefix}`));
  return names.length === 1 ? names[0]![1] : undefined;
}

async function stackTarget(stack: string, region: string, endpoint: string | undefined): Promise<Target> {
  const client = new CloudFormationClient({ region, ...(endpoint === undefined ? {} : { endpoint }) });
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    const find = (key: string) => {
      const found = outputs.filter((o) => o.OutputKey === key || o.OutputKey?.includes(key));
      return found.length === 1 ? found[0]!.OutputValue : undefined;
    };
    const consent = find(STACK_OUTPUTS.consent);
    const audit = find(STACK_OUTPUTS.audit);
    if (consent === undefined || audit === undefined) {
      throw new StackUnavailableError(
        `stack ${stack} in ${region} has no single ${STACK_OUTPUTS.consent} and ${STACK_OUTPUTS.audit} output: deploy this version of ` +
          'TwinGuard (npx cdk deploy), or give --consent-table and --audit-table',
      );
    }
    return { label: `stack ${stack} (${region})`, region, localCredentials: false, tables: { consent, audit } };
  } catch (error) {
    if (error instanceof StackUnavailableError) throw error;
    throw new StackUnavailableError(stackProblem(stack, region, error), { cause: error });
  } finally {
    client.destroy();
  }
}

function stackProblem(stack: string, region: string, error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError') {
    return `no AWS credentials to read stack ${stack}: configure them (aws configure, AWS_PROFILE, aws sso login) and try again`;
  }
  if (/does not exist/.test(message)) return `stack ${stack} does not exist in ${region}: check --stack and --region`;
  return `cannot read stack ${stack} in ${region} (${name}: ${message.slice(0, 300)}): check your network, credentials and --region`;
}

/** The query layer over the target's tables; `close` frees the connections. */
export function queryDepsOf(target: Target): { deps: QueryDeps & { log: LogStore }; close(): void } {
  const client = new DynamoDBClient({
    region: target.region,
    ...(target.dynamoDbEndpoint === undefined ? {} : { endpoint: target.dynamoDbEndpoint }),
    ...(target.localCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
  });
  const db = documentClient(client);
  const queries = wireQueries({ db, tables: target.tables });
  // The log's store reads the audit table only (statements with proofs).
  const { log } = wireLogReader({ db, tables: target.tables });
  return { deps: { queries, clock: systemClock, log }, close: () => client.destroy() };
}
