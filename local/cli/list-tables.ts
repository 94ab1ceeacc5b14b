import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { TableUnavailableError } from './errors.ts';

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

/**
 * The one table of `names` whose name contains `part` (the logical id CDK put in it, e.g.
 * `ConsentTable`); none or several is a TableUnavailableError that says which flag names it.
 */
export function theTable(names: readonly string[], part: string, flag: string, endpoint?: string): string {
  const matches = names.filter((n) => n.includes(part));
  if (matches.length === 1) return matches[0]!;
  throw new TableUnavailableError(
    `found no single table whose name contains "${part}"${endpoint === undefined ? '' : ` at ${endpoint}`}: give ${flag}`,
  );
}
