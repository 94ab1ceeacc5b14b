import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStore } from '../ports/delivery-store.ts';
import type { Deps, Settings } from '../ports/deps.ts';
import type { Clock, EventPublisher, IdGenerator } from '../ports/ports.ts';
import type { QueryStore } from '../ports/query-store.ts';
import type { StatusStore } from '../ports/status-store.ts';
import { DynamoDueQueue } from './dynamodb/due-queue.ts';
import { DynamoConsentStore } from './dynamodb/dynamo-consent-store.ts';
import { DynamoDeliveryStore } from './dynamodb/dynamo-delivery-store.ts';
import { DynamoFanoutStore } from './dynamodb/dynamo-fanout-store.ts';
import { DynamoQueryStore } from './dynamodb/dynamo-query-store.ts';
import { DynamoStatusStore } from './dynamodb/dynamo-status-store.ts';
import type { TableNames } from './dynamodb/table-names.ts';
import { EventBridgePublisher } from './eventbridge/eventbridge-publisher.ts';
import { randomIds, systemClock } from './system.ts';

export type { TableNames };

export interface WireOptions {
  /** One client for every store: one connection pool per process. */
  db: DynamoDBDocumentClient;
  tables: TableNames;
  /** The bus to publish to, or a publisher of the caller's own (tests record, the bench may count in process). */
  publisher: { eventBridge: EventBridgeClient; busName: string } | EventPublisher;
  settings: Settings;
  /** @default the wall clock */
  clock?: Clock;
  /** @default random UUIDs */
  ids?: IdGenerator;
}

/** What the use cases need (`deps`), and the stores that only some callers use. */
export interface Adapters {
  deps: Deps;
  deliveries: DeliveryStore;
  status: StatusStore;
}

/**
 * The one composition root: the Lambdas (from their environment), the test harness, the
 * bench and the CLIs all build their adapters here, so they run the same wiring.
 */
export function wireAdapters(options: WireOptions): Adapters {
  const { db, tables } = options;
  const publisher =
    'publish' in options.publisher ? options.publisher : new EventBridgePublisher(options.publisher.eventBridge, options.publisher.busName);
  return {
    deps: {
      store: new DynamoConsentStore(db, tables),
      fanout: new DynamoFanoutStore(db, tables),
      due: new DynamoDueQueue(db, tables),
      publisher,
      clock: options.clock ?? systemClock,
      ids: options.ids ?? randomIds,
      settings: options.settings,
    },
    deliveries: new DynamoDeliveryStore(db, tables),
    ...wireReadOnly({ db, tables }),
  };
}

/**
 * The read-only part, for tools that know the consent table only and publish nothing (the
 * status CLI); `wireAdapters` builds its status store here too.
 */
export function wireReadOnly({
  db,
  tables,
}: {
  db: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'consent'>;
}): Pick<Adapters, 'status'> {
  return { status: new DynamoStatusStore(db, tables) };
}

/** The query layer's store (the `twinguard` command and the console): reads both tables, writes nothing. */
export function wireQueries({ db, tables }: { db: DynamoDBDocumentClient; tables: Pick<TableNames, 'consent' | 'audit'> }): QueryStore {
  return new DynamoQueryStore(db, tables);
}
