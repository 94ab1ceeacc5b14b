import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client that drops `undefined` fields: optional contract fields (`validUntil`,
 * `url`, …) are simply absent from the item. The endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_DYNAMODB`, so the same code runs against DynamoDB Local.
 */
export function documentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
