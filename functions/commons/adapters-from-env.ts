import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { wireAdapters, type Adapters } from '../../shared/adapters/wire.ts';
import { requiredEnv, settingsFromEnv } from './config.ts';
import { credentialSignerFromEnv } from './log-from-env.ts';

/** The functions' side of the composition root: reads the environment, once per cold start, and wires with `wireAdapters`. */
export function adaptersFromEnv(env: NodeJS.ProcessEnv = process.env): Adapters {
  return wireAdapters({
    db: documentClient(),
    tables: { consent: requiredEnv(ENV.consentTable, env), audit: requiredEnv(ENV.auditTable, env) },
    publisher: { eventBridge: new EventBridgeClient({}), busName: requiredEnv(ENV.eventBus, env) },
    settings: settingsFromEnv(env),
    credentials: credentialSignerFromEnv(env),
    // Only the local runtime sets it; deployed, removal checks are https to public addresses only.
    removalCheck: { allowLocal: env[ENV.removalCheckAllowLocal] === '1' },
  });
}
