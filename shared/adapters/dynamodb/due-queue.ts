import { DeleteCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DueItem } from '../../model/due-item.ts';
import type { DueQueue } from '../../ports/due-queue.ts';
import { DUE_SHARDS, dueKeys } from './keys.ts';
import type { TableNames } from './table-names.ts';

/** The due item as a DynamoDB Put, to go into a transaction with the change that makes it due. */
export function duePut(table: string, item: DueItem, namespace = '') {
  return { Put: { TableName: table, Item: { ...dueKeys.item(item.dueAt, item.kind, item.id, namespace), type: 'due', ...item } } };
}

export class DynamoDueQueue implements DueQueue {
  private readonly table: string;
  private readonly namespace: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    tables: Pick<TableNames, 'consent' | 'dueNamespace'>,
  ) {
    this.table = tables.consent;
    this.namespace = tables.dueNamespace ?? '';
  }

  async due(now: Date, limit: number): Promise<DueItem[]> {
    // `~` sorts after every character of an ISO time, so this takes all of `now`'s millisecond too.
    const until = `${now.toISOString()}~`;
    const perShard = Math.max(1, Math.ceil(limit / DUE_SHARDS));
    const pages = await Promise.all(
      Array.from({ length: DUE_SHARDS }, (_, n) =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk <= :until',
            ExpressionAttributeValues: { ':pk': dueKeys.shard(n, this.namespace), ':until': until },
            Limit: perShard,
            ConsistentRead: true,
          }),
        ),
      ),
    );
    return pages
      .flatMap((p) => p.Items ?? [])
      .map(
        ({ dueAt, kind, id, payload, failures }) =>
          ({ dueAt, kind, id, payload, ...(failures === undefined ? {} : { failures }) }) as DueItem,
      )
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  async schedule(item: DueItem): Promise<void> {
    await this.db.send(new PutCommand(duePut(this.table, item, this.namespace).Put));
  }

  async remove(item: DueItem): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: dueKeys.item(item.dueAt, item.kind, item.id, this.namespace) }));
  }

  async move(item: DueItem, next: DueItem): Promise<void> {
    const from = dueKeys.item(item.dueAt, item.kind, item.id, this.namespace);
    const put = duePut(this.table, next, this.namespace);
    if (from.pk === put.Put.Item.pk && from.sk === put.Put.Item.sk) {
      await this.schedule(next);
      return;
    }
    await this.db.send(new TransactWriteCommand({ TransactItems: [put, { Delete: { TableName: this.table, Key: from } }] }));
  }
}
