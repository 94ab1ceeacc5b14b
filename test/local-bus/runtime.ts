import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LocalEventBus, type LocalEventBusOptions } from '../../local/bus/event-router.ts';
import { startPutEventsServer, type PutEventsServer } from '../../local/bus/put-events-server.ts';
import { BUS, REGION, sdkClient } from './helpers.ts';

export interface Runtime {
  bus: LocalEventBus;
  server: PutEventsServer;
  client: EventBridgeClient;
  close(): Promise<void>;
}

/** The server wired to a LocalEventBus, as `npm start` will wire them. */
export async function busRuntime(options: LocalEventBusOptions = {}): Promise<Runtime> {
  const bus = new LocalEventBus({ retry: { firstDelayMs: 1 }, ...options });
  const server = await startPutEventsServer({
    region: REGION,
    eventBuses: [BUS],
    onEvent: (busName, envelope) => bus.publish(busName, envelope),
  });
  const client = sdkClient(server.url);
  return {
    bus,
    server,
    client,
    close: async () => {
      client.destroy();
      await server.close();
      await bus.close();
    },
  };
}
