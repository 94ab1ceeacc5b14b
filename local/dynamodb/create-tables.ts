import { CreateTableCommand, ResourceInUseException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Template } from '../app/synthesize.ts';

export interface LocalTable {
  logicalId: string;
  tableName: string;
}

/**
 * Creates, in DynamoDB Local, every table of the synthesized template, with its key schema
 * and indexes; the logical id serves as the table name. Existing tables are kept (state
 * persisted with --data survives a restart).
 */
export async function createTablesFromTemplate(client: DynamoDBClient, template: Template): Promise<LocalTable[]> {
  const tables: LocalTable[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::GlobalTable' && resource.Type !== 'AWS::DynamoDB::Table') continue;
    const p = resource.Properties ?? {};
    const input: CreateTableCommandInput = {
      TableName: logicalId,
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      BillingMode: 'PAY_PER_REQUEST',
      ...(Array.isArray(p.GlobalSecondaryIndexes) && p.GlobalSecondaryIndexes.length > 0
        ? {
            GlobalSecondaryIndexes: (p.GlobalSecondaryIndexes as Record<string, unknown>[]).map((g) => ({
              IndexName: g.IndexName as string,
              KeySchema: g.KeySchema as never,
              Projection: g.Projection as never,
            })),
          }
        : {}),
    };
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    tables.push({ logicalId, tableName: logicalId });
  }
  return tables;
}
