/** Helpers for the attack tests that drive `npm start`: its store, its tap, its seeding. */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';
import { put, type RunningTwinGuard, startTwinGuard, uid, waitForTap } from '../e2e/support.ts';

/**
 * `startTwinGuard`, tried again when DynamoDB Local was not ready within the runtime's 30 s:
 * on a machine shared by many test runs, Java can take longer to boot. Any other failure to
 * start is the test's failure.
 */
export async function startRuntime(args: readonly string[], tries = 3): Promise<RunningTwinGuard> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTwinGuard(args);
    } catch (error) {
      if (attempt >= tries || !String((error as Error).message).includes('DynamoDB Local did not start')) throw error;
    }
  }
}

export interface RuntimeStore {
  endpoint: string;
  db: DynamoDBDocumentClient;
  tables: { consent: string; audit: string };
  destroy(): void;
}

/** The runtime's own DynamoDB Local (it prints the endpoint on stderr) and its tables. */
export async function runtimeStore(running: RunningTwinGuard, options: { maxAttempts?: number } = {}): Promise<RuntimeStore> {
  const endpoint = /DynamoDB Local on (http:\/\/127\.0\.0\.1:\d+)/.exec(running.stderr())?.[1];
  if (endpoint === undefined) throw new Error(`the runtime did not print its DynamoDB Local endpoint:\n${running.stderr()}`);
  const raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, ...options });
  const names = (await raw.send(new ListTablesCommand({}))).TableNames ?? [];
  const find = (part: string) => {
    const name = names.find((n) => n.includes(part));
    if (name === undefined) throw new Error(`no ${part} among ${names.join(', ')}`);
    return name;
  };
  const db = documentClient(raw);
  return { endpoint, db, tables: { consent: find('ConsentTable'), audit: find('AuditTable') }, destroy: () => db.destroy() };
}

export interface PublicationDetail {
  publicationId: string;
  assetId: string;
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: string[];
  channel: string;
  territories: string[];
  aiDisclosure: { labelled: boolean };
}

/** Sends publication requests (each its own id) until one is approved: the grant is processed asynchronously. */
export async function approvedPublication(
  client: EventBridgeClient,
  tap: string,
  twinId: string,
  channel: string,
  over: Partial<PublicationDetail> = {},
): Promise<PublicationDetail> {
  for (let i = 0; i < 50; i++) {
    const publication: PublicationDetail = {
      publicationId: `pub-${uid()}`,
      assetId: `asset-${uid()}`,
      twinIds: [twinId],
      licensee: 'brand-hm',
      medium: 'image',
      modifications: ['garment'],
      channel,
      territories: ['SE'],
      aiDisclosure: { labelled: true },
      ...over,
    };
    if (i > 0) publication.publicationId = `${publication.publicationId}-${i}`;
    await put(client, 'twinguard.publisher', 'Publication Requested', publication);
    const decision = await waitForTap(
      tap,
      (e) => /^Publication (Approved|Denied)$/.test(e['detail-type']) && e.detail['publicationId'] === publication.publicationId,
      60_000,
    );
    if (decision['detail-type'] === 'Publication Approved') return publication;
  }
  throw new Error(`no publication of ${twinId} was approved`);
}

/** The `Asset Published` of a placement that follows an approved publication. */
export function placementOf(publication: PublicationDetail, placementId: string, url = `https://example.invalid/${placementId}`) {
  return {
    assetId: publication.assetId,
    channel: publication.channel,
    placementId,
    url,
    publicationId: publication.publicationId,
    twinIds: publication.twinIds,
    licensee: publication.licensee,
    territories: publication.territories,
    publishedAt: new Date().toISOString(),
  };
}

/** Runs `work` with these variables in this process's environment (the runtime inherits it), then restores it. */
export async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
