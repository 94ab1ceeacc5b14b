/** Measures one PutEvents round trip (10 entries) from the real SDK to the local endpoint. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startPutEventsServer } from '../local/bus/put-events-server.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
let received = 0;
const server = await startPutEventsServer({ eventBuses: ['twinguard'], onEvent: () => void received++ });
const client = new EventBridgeClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const entries = Array.from({ length: 10 }, (_, i) => ({
  EventBusName: 'twinguard',
  Source: 'twinguard',
  DetailType: 'Takedown Requested',
  Detail: JSON.stringify({ takedownId: `td-${i}`, placementId: `p-${i}` }),
}));
for (const parallel of [1, 10]) {
  const calls = 500;
  const t = performance.now();
  for (let i = 0; i < calls; i += parallel) {
    await Promise.all(Array.from({ length: parallel }, () => client.send(new PutEventsCommand({ Entries: entries }))));
  }
  const ms = performance.now() - t;
  console.log(
    `${calls} PutEvents of 10 entries, ${parallel} at a time: ${(ms / calls).toFixed(2)} ms per call, ${Math.round((calls * 10 * 1000) / ms)} events/s`,
  );
}
client.destroy();
await server.close();
console.log(`received ${received}`);
