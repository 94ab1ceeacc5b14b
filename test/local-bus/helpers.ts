import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { startPutEventsServer, type PutEventsServerOptions } from '../../local/bus/put-events-server.ts';

export const REGION = 'eu-north-1';
export const BUS = 'twinguard';

export function sdkClient(endpoint: string): EventBridgeClient {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  // Any region works: the endpoint is fixed, and the server does not check signatures.
  return new EventBridgeClient({
    endpoint,
    region: 'ap-southeast-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface Received {
  busName: string;
  envelope: EventEnvelope;
}

/** A server that only records what it accepts, for the protocol tests. */
export async function recordingServer(options: Partial<PutEventsServerOptions> = {}) {
  const received: Received[] = [];
  const server = await startPutEventsServer({
    region: REGION,
    eventBuses: [BUS],
    onEvent: (busName, envelope) => {
      received.push({ busName, envelope });
    },
    ...options,
  });
  return { server, received, client: sdkClient(server.url) };
}

export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'twinguard-bus-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function entry(detail: object, extra: { DetailType?: string; EventBusName?: string; Source?: string } = {}) {
  return {
    Source: 'twinguard.studio',
    DetailType: 'Render Requested',
    Detail: JSON.stringify(detail),
    EventBusName: BUS,
    ...extra,
  };
}
