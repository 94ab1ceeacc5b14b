import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../shared/bus/eventbridge-publisher.ts';
import type { Deps } from '../../shared/ports/deps.ts';
import { randomIds, systemClock } from '../../shared/ports/ports.ts';
import { documentClient } from '../../shared/store/dynamo-client.ts';
import { DynamoConsentStore } from '../../shared/store/dynamo-consent-store.ts';
import { ENV, requiredEnv, settingsFromEnv } from './config.ts';

/** Wires the real adapters from the environment, once per cold start. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): Deps {
  const store = new DynamoConsentStore(documentClient(), {
    consent: requiredEnv(ENV.consentTable, env),
    audit: requiredEnv(ENV.auditTable, env),
  });
  const publisher = new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(ENV.eventBus, env));
  return { store, publisher, clock: systemClock, ids: randomIds, settings: settingsFromEnv(env) };
}
