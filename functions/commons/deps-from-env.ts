import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/eventbridge-publisher.ts';
import type { Deps } from '../../shared/ports/deps.ts';
import { randomIds, systemClock } from '../../shared/adapters/system.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoConsentStore } from '../../shared/adapters/dynamodb/dynamo-consent-store.ts';
import { DynamoFanoutStore } from '../../shared/adapters/dynamodb/dynamo-fanout-store.ts';
import { DynamoDueQueue } from '../../shared/adapters/dynamodb/due-queue.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { requiredEnv, settingsFromEnv } from './config.ts';

/** Wires the real adapters from the environment, once per cold start. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env, db = documentClient()): Deps {
  const consentTable = requiredEnv(ENV.consentTable, env);
  const tables = { consent: consentTable, audit: requiredEnv(ENV.auditTable, env) };
  const store = new DynamoConsentStore(db, tables);
  const publisher = new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(ENV.eventBus, env));
  return { store, fanout: new DynamoFanoutStore(db, tables), due: new DynamoDueQueue(db, consentTable), publisher, clock: systemClock, ids: randomIds, settings: settingsFromEnv(env) };
}
