import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStore } from '../ports/delivery-store.ts';
import type { Deps, Settings } from '../ports/deps.ts';
import type { Clock, EventPublisher, IdGenerator } from '../ports/ports.ts';
import type { QueryStore } from '../ports/query-store.ts';
import { DEFAULT_LOG_SETTINGS, type LogDeps, type LogSettings } from '../ports/log-deps.ts';
import type { Signer } from '../ports/signer.ts';
import type { ConsentStore } from '../ports/consent-store.ts';
import type { LogStore } from '../ports/log-store.ts';
import { DynamoLogStore } from './dynamodb/dynamo-log-store.ts';
import { DynamoDueQueue } from './dynamodb/due-queue.ts';
import { DynamoConsentStore } from './dynamodb/dynamo-consent-store.ts';
import { DynamoDeliveryStore } from './dynamodb/dynamo-delivery-store.ts';
import { DynamoFanoutStore } from './dynamodb/dynamo-fanout-store.ts';
import { DynamoQueryStore } from './dynamodb/dynamo-query-store.ts';
import { realSleep } from './dynamodb/batch-reads.ts';
import { PendingLogWriter } from './dynamodb/pending-log.ts';
import { DynamoCertificateStore } from './dynamodb/dynamo-certificate-store.ts';
import type { TableNames } from './dynamodb/table-names.ts';
import type { CertificateStore } from '../ports/certificate-store.ts';
import { EventBridgePublisher } from './eventbridge/eventbridge-publisher.ts';
import { randomIds, systemClock } from './system.ts';
import { HttpRemovalChecker, type RemovalCheckOptions } from './http/http-removal-checker.ts';

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
  /** Signs the consent credentials of approvals (the log's key); without it approvals carry none. */
  credentials?: Signer;
  /** How removal checks look at URLs; deployed, the strict default (https, public addresses only). */
  removalCheck?: RemovalCheckOptions;
}

/** What the use cases need (`deps`), and the stores that only some callers use. */
export interface Adapters {
  deps: Deps;
  deliveries: DeliveryStore;
}

/**
 * The one composition root: the Lambdas (from their environment), the test harness, the
 * bench and the CLIs all build their adapters here, so they run the same wiring.
 */
export function wireAdapters(options: WireOptions): Adapters {
  const { db, tables } = options;
  const clock = options.clock ?? systemClock;
  // Markers are stamped on the domain's clock, so a test's fixed clock decides what a seal takes.
  const pendingLog = new PendingLogWriter(tables, clock);
  const publisher =
    'publish' in options.publisher ? options.publisher : new EventBridgePublisher(options.publisher.eventBridge, options.publisher.busName);
  return {
    deps: {
      store: new DynamoConsentStore(db, tables, pendingLog),
      fanout: new DynamoFanoutStore(db, tables, realSleep, pendingLog),
      due: new DynamoDueQueue(db, tables),
      publisher,
      clock,
      ids: options.ids ?? randomIds,
      settings: options.settings,
      ...(options.credentials !== undefined && { credentials: options.credentials }),
      removal: new HttpRemovalChecker(options.removalCheck),
      certificates: new DynamoCertificateStore(db, tables, pendingLog),
    },
    deliveries: new DynamoDeliveryStore(db, tables),
  };
}

/** The certificates of removal, to read them (`twinguard certificate`): reads touch the consent table only, and this store writes nothing. */
export function wireCertificateReader({
  db,
  tables,
}: {
  db: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'consent'>;
}): Pick<CertificateStore, 'certificatesOfGrant' | 'certificateOfJob' | 'pages'> {
  return new DynamoCertificateStore(db, { consent: tables.consent, audit: '' });
}

/** The query layer's store (the `twinguard` command and the console): reads both tables, writes nothing. */
export function wireQueries({ db, tables }: { db: DynamoDBDocumentClient; tables: Pick<TableNames, 'consent' | 'audit'> }): QueryStore {
  return new DynamoQueryStore(db, tables);
}

/**
 * The transparency log's side: its store over the audit table and the signer. The sealer
 * function, the log CLI, the bench and the tests build it here.
 */
export function wireLog(options: {
  db: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'audit' | 'logNamespace'>;
  signer: Signer;
  clock?: Clock;
  ids?: IdGenerator;
  settings?: Partial<LogSettings>;
}): LogDeps {
  return {
    log: new DynamoLogStore(options.db, options.tables),
    signer: options.signer,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    settings: { ...DEFAULT_LOG_SETTINGS, ...options.settings },
  };
}

/** The log read-only, for the CLI that proves and exports (no signer: proving signs nothing). */
export function wireLogReader(options: { db: DynamoDBDocumentClient; tables: Pick<TableNames, 'audit' | 'consent' | 'logNamespace'> }): {
  log: LogStore;
  consent: Pick<ConsentStore, 'grantsOfTwins'>;
} {
  return { log: new DynamoLogStore(options.db, options.tables), consent: new DynamoConsentStore(options.db, options.tables) };
}
