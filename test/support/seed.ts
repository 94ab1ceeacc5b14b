import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GrantRef } from '../../shared/model/consent/grant.ts';
import { placementItems } from '../../shared/adapters/dynamodb/placement-items.ts';
import type { PlacementRecord, PublicationRecord } from '../../shared/model/records.ts';
import { keys } from '../../shared/adapters/dynamodb/keys.ts';

/**
 * Writes many live placements straight into the real table, in the same item layout the
 * store writes, so that large fan-outs can be tested without replaying 20,000 events.
 */
export async function seedPlacements(
  db: DynamoDBDocumentClient,
  table: string,
  spec: {
    count: number;
    prefix: string;
    publication: PublicationRecord;
    reliesOn: GrantRef[];
    channels?: string[];
    concurrency?: number;
    /** Written as is: lets a test seed what the edge would now refuse (placements stored before the bounds). */
    url?: string;
  },
): Promise<PlacementRecord[]> {
  const channels = spec.channels ?? [spec.publication.channel];
  const placements: PlacementRecord[] = Array.from({ length: spec.count }, (_, i) => ({
    channel: channels[i % channels.length]!,
    placementId: `${spec.prefix}-${i}`,
    assetId: spec.publication.assetId,
    publicationId: spec.publication.publicationId,
    ...(spec.url === undefined ? {} : { url: spec.url }),
    twinIds: spec.publication.twinIds,
    licensee: spec.publication.licensee,
    territories: spec.publication.territories,
    publishedAt: '2026-03-01T09:00:00Z',
    recordedAt: '2026-03-01T09:00:00Z',
    status: 'live',
    reliesOn: spec.reliesOn,
    revision: 0,
  }));
  const items = placements.flatMap(placementItems);
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await pool(batches, spec.concurrency ?? 8, (batch) => writeAll(db, table, batch));
  return placements;
}

/** Stores an approved publication as the publication use case would. */
export async function seedPublication(db: DynamoDBDocumentClient, table: string, publication: PublicationRecord): Promise<void> {
  await writeAll(db, table, [{ ...keys.publication(publication.publicationId), ...publication }]);
}

async function writeAll(db: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]): Promise<void> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  while (pending.length > 0) {
    const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (out.UnprocessedItems?.[table] as typeof pending | undefined) ?? [];
  }
}

export async function pool<T>(work: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < work.length) await run(work[next++]!);
    }),
  );
}

/** An approved instagram publication of one twin's image under one grant (version 1): what seeded placements rely on. */
export function approvedPublication(u: string, twinId: string, grantId: string, over: Partial<PublicationRecord> = {}): PublicationRecord {
  return {
    publicationId: `pub-${u}`,
    assetId: `asset-${u}`,
    channel: 'instagram',
    twinIds: [twinId],
    licensee: 'brand-hm',
    medium: 'image',
    modifications: ['garment'],
    territories: ['SE'],
    aiLabelled: true,
    approved: true,
    grants: [{ twinId, grantId, version: 1 }],
    decisionId: `dec-${u}`,
    decidedAt: '2026-03-01T08:00:00Z',
    ...over,
  };
}
