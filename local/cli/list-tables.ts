import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** Every table name the endpoint has, across ListTables pages (100 a page). */
export async function listTables(client: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start !== undefined);
  return names;
}
