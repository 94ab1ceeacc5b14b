import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { synthesizeTemplate } from '../../local/app/synthesize.ts';
import { createTablesFromTemplate } from '../../local/dynamodb/create-tables.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    consentTable: string;
    auditTable: string;
  }
}

/** One real DynamoDB Local for the whole run, with the tables of the synthesized CDK app. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const tables = await createTablesFromTemplate(client, synthesizeTemplate());
  client.destroy();
  const named = (part: string) => tables.find((t) => t.logicalId.includes(part))!.tableName;
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('consentTable', named('ConsentTable'));
  project.provide('auditTable', named('AuditTable'));
  return () => dynamo.stop();
}
