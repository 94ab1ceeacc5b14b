import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EMPTY_ROOT, HASH_BYTES } from '../../model/log/merkle.ts';
import type { LoggedRecord, RecordKey } from '../../model/log/records.ts';
import { parseUsageRecordId } from '../../model/log/usage-record-id.ts';
import { type Tile, type TileRef, tileKey } from '../../model/log/tiles.ts';
import { type SignedTreeHead, toBase64 } from '../../model/log/tree-head.ts';
import { StaleReadError } from '../../ports/errors.ts';
import type { Leaf, LogState, LogStore, PendingBatch, PendingRecord } from '../../ports/log-store.ts';
import { BATCH_GET_LIMIT, batchGetAll, queryAll } from './batch-reads.ts';
import { auditKeys, keys } from './keys.ts';
import { LOG_SHARDS, logKeys, RECORD_ID_INDEX } from './log-keys.ts';
import type { TableNames } from './table-names.ts';

type Item = Record<string, unknown>;

/** Record → leaf entries per index item: small enough for DynamoDB's 400 KB even with the longest ids. */
const ENTRIES_PER_PARTITION_ITEM = 200;
/** Requests in flight at once for the reads and writes of one seal. */
const CONCURRENCY = 16;

const INITIAL: LogState = { size: 0, rootHash: toBase64(EMPTY_ROOT), cursor: '', closedThrough: '', indexedThrough: 0 };

/**
 * The transparency log over DynamoDB: all of it in the audit table under `LOG#` keys, beside
 * the records, which it only reads. Tiles and heads are written once at their size and never
 * changed, except the scratch a sealer that died before its commit left at sizes no head
 * names, which its successor (holding the lease) overwrites. Markers are never deleted: a
 * head names the range of markers it sealed, so they say which record each leaf is.
 */
export class DynamoLogStore implements LogStore {
  private readonly table: string;
  private readonly ns: string | undefined;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    tables: Pick<TableNames, 'audit' | 'logNamespace'>,
  ) {
    this.table = tables.audit;
    this.ns = tables.logNamespace;
  }

  async acquireLease(owner: string, now: Date, until: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...logKeys.lease(this.ns), type: 'log-lease', owner, until: until.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now.toISOString(), ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLease(owner: string): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...logKeys.lease(this.ns), type: 'log-lease', owner: '', until: '' },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      // Expired and taken by another sealer meanwhile: theirs now.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async state(): Promise<LogState> {
    const item = await this.get(logKeys.state(this.ns));
    if (item === undefined) return { ...INITIAL };
    const { size, rootHash, cursor, closedThrough, indexedThrough } = item as unknown as LogState;
    return { size, rootHash, cursor, closedThrough, indexedThrough };
  }

  async closeThrough(through: string): Promise<string> {
    let closed = through;
    for (;;) {
      const refused = await Promise.all(Array.from({ length: LOG_SHARDS }, (_, shard) => this.closeShard(shard, closed)));
      const later = refused
        .filter((t): t is string => t !== undefined)
        .sort()
        .pop();
      // A shard was closed later already (by a sealer that died before its commit): close every shard as far.
      if (later === undefined || later <= closed) return closed;
      closed = later;
    }
  }

  async hasPending(cursor: string, through: string): Promise<boolean> {
    const pages = await Promise.all(Array.from({ length: LOG_SHARDS }, (_, shard) => this.pendingPage(shard, cursor, through, 1)));
    return pages.some((p) => p.items.length > 0);
  }

  async pending(cursor: string, through: string, maxRecords: number): Promise<PendingBatch | undefined> {
    const pages = await Promise.all(
      Array.from({ length: LOG_SHARDS }, (_, shard) => this.pendingPage(shard, cursor, through, Math.max(1, maxRecords))),
    );
    // A shard that returned a full page may hold more below the others' last markers: cut there.
    let cut: string | undefined;
    for (const page of pages) {
      const last = page.items.at(-1)?.['sk'] as string | undefined;
      if (page.truncated && last !== undefined && (cut === undefined || last < cut)) cut = last;
    }
    const markers = pages
      .flatMap((p) => p.items)
      .filter((m) => cut === undefined || (m['sk'] as string) <= cut)
      .sort((a, b) => ((a['sk'] as string) < (b['sk'] as string) ? -1 : 1));
    const taken: PendingRecord[] = [];
    let last: string | undefined;
    for (const marker of markers) {
      if (taken.length >= maxRecords && last !== undefined) break;
      for (const [pk, sk, leafHash] of marker['records'] as [string, string, Uint8Array][]) taken.push({ key: { pk, sk }, leafHash });
      last = marker['sk'] as string;
    }
    return last === undefined ? undefined : { records: taken, cursor: last };
  }

  async records(recordKeys: readonly RecordKey[]): Promise<(LoggedRecord | undefined)[]> {
    const chunks: RecordKey[][] = [];
    for (let i = 0; i < recordKeys.length; i += BATCH_GET_LIMIT) chunks.push(recordKeys.slice(i, i + BATCH_GET_LIMIT));
    const found = new Map<string, LoggedRecord>();
    await pool(chunks, CONCURRENCY, async (chunk) => {
      const items = await batchGetAll(
        this.db,
        this.table,
        chunk.map((k) => ({ pk: k.pk, sk: k.sk })),
      );
      for (const item of items) found.set(keyString(item as unknown as RecordKey), item as LoggedRecord);
    });
    return recordKeys.map((k) => found.get(keyString(k)));
  }

  async tiles(refs: readonly TileRef[]): Promise<Map<string, Tile>> {
    const unique = [...new Map(refs.map((r) => [`${tileKey(r)}/${r.width}`, r])).values()];
    const chunks: TileRef[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) chunks.push(unique.slice(i, i + BATCH_GET_LIMIT));
    const items: Item[] = [];
    await pool(chunks, CONCURRENCY, async (chunk) => {
      items.push(
        ...(await batchGetAll(
          this.db,
          this.table,
          chunk.map((r) => logKeys.tile(r.level, r.index, r.width, this.ns)),
        )),
      );
    });
    const tiles = new Map<string, Tile>();
    for (const item of items) {
      const bytes = item['hashes'] as Uint8Array;
      const tile: Tile = {
        level: item['level'] as number,
        index: item['index'] as number,
        width: item['width'] as number,
        hashes: Array.from({ length: bytes.length / HASH_BYTES }, (_, i) => bytes.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES)),
      };
      const held = tiles.get(tileKey(tile));
      if (held === undefined || held.width < tile.width) tiles.set(tileKey(tile), tile);
    }
    return tiles;
  }

  async writeTiles(tiles: readonly Tile[]): Promise<void> {
    const items: Item[] = tiles.map((t) => ({
      ...logKeys.tile(t.level, t.index, t.width, this.ns),
      type: 'log-tile',
      level: t.level,
      index: t.index,
      width: t.width,
      hashes: concat(t.hashes),
    }));
    await pool(items, CONCURRENCY, (Item) => this.put(Item));
  }

  async commitHead(previous: LogState, next: LogState, head: SignedTreeHead): Promise<void> {
    const unchanged =
      previous.size === 0 && previous.cursor === ''
        ? { ConditionExpression: 'attribute_not_exists(pk) OR (#size = :zero AND #cursor = :empty)' }
        : { ConditionExpression: '#size = :size AND #cursor = :cursor' };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...logKeys.state(this.ns), type: 'log-state', ...next },
                ...unchanged,
                ExpressionAttributeNames: { '#size': 'size', '#cursor': 'cursor' },
                ExpressionAttributeValues:
                  previous.size === 0 && previous.cursor === ''
                    ? { ':zero': 0, ':empty': '' }
                    : { ':size': previous.size, ':cursor': previous.cursor },
              },
            },
            {
              Put: {
                TableName: this.table,
                // Beside the signed head, unsigned: which markers this seal took, in order.
                Item: {
                  ...logKeys.head(head.treeSize, this.ns),
                  type: 'log-head',
                  ...head,
                  firstLeaf: previous.size,
                  fromCursor: previous.cursor,
                  toCursor: next.cursor,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new StaleReadError(`the log moved on from size ${previous.size} while this seal was made`, { cause: error });
      }
      throw error;
    }
  }

  async indexLeaves(state: LogState, firstLeaf: number, leafKeys: readonly RecordKey[]): Promise<void> {
    const byPartition = new Map<string, [string, number][]>();
    leafKeys.forEach((k, i) => {
      const entries = byPartition.get(k.pk) ?? [];
      entries.push([k.sk, firstLeaf + i]);
      byPartition.set(k.pk, entries);
    });
    const items: Item[] = [];
    for (const [recordPk, entries] of byPartition) {
      for (let i = 0; i < entries.length; i += ENTRIES_PER_PARTITION_ITEM) {
        const chunk = entries.slice(i, i + ENTRIES_PER_PARTITION_ITEM);
        items.push({
          pk: logKeys.partition(recordPk, this.ns),
          sk: logKeys.partitionSort(state.closedThrough, chunk[0]![1]),
          type: 'log-index',
          entries: chunk,
        });
      }
    }
    await pool(items, CONCURRENCY, (Item) => this.put(Item));
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...logKeys.state(this.ns), type: 'log-state', ...state, indexedThrough: state.size },
          ConditionExpression: '#size = :size AND #cursor = :cursor',
          ExpressionAttributeNames: { '#size': 'size', '#cursor': 'cursor' },
          ExpressionAttributeValues: { ':size': state.size, ':cursor': state.cursor },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StaleReadError('the log moved on while it was indexed', { cause: error });
      throw error;
    }
  }

  async latestHead(): Promise<SignedTreeHead | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': logKeys.heads(this.ns) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item === undefined ? undefined : headOf(item);
  }

  async head(treeSize: number): Promise<SignedTreeHead | undefined> {
    const item = await this.get(logKeys.head(treeSize, this.ns));
    return item === undefined ? undefined : headOf(item);
  }

  async keysOfRecordId(recordId: string): Promise<RecordKey[]> {
    // A usage record's id spells out its key; usage records are not in the index.
    const usage = parseUsageRecordId(recordId);
    if (usage !== undefined) return [auditKeys.usage(usage.talentId, usage.at, usage.kind, usage.refId, usage.twinId)];
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: RECORD_ID_INDEX,
      KeyConditionExpression: 'recordId = :id',
      ExpressionAttributeValues: { ':id': recordId },
    });
    return items.map((i) => ({ pk: i['pk'] as string, sk: i['sk'] as string }));
  }

  async leafOf(key: RecordKey, at: string | undefined): Promise<number | undefined> {
    // A record is sealed by the first seal whose queue closed after it was written, and it was
    // written after the time it states: start there, and look further back only if need be.
    const find = async (from: string | undefined) => {
      let start: Item | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: from === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :from',
            ExpressionAttributeValues: { ':pk': logKeys.partition(key.pk, this.ns), ...(from === undefined ? {} : { ':from': from }) },
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        );
        for (const item of page.Items ?? []) {
          const hit = (item['entries'] as [string, number][]).find(([sk]) => sk === key.sk);
          if (hit !== undefined) return hit[1];
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return undefined;
    };
    return (at === undefined ? undefined : await find(at)) ?? (await find(undefined));
  }

  async leavesOfPartition(pk: string): Promise<Map<string, number>> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': logKeys.partition(pk, this.ns) },
      ConsistentRead: true,
    });
    return new Map(items.flatMap((i) => i['entries'] as [string, number][]));
  }

  async leaves(from: number, to: number): Promise<Leaf[]> {
    const out: Leaf[] = [];
    let at = from;
    while (at < to) {
      const seal = await this.sealOf(at);
      if (seal === undefined) break;
      for (let i = at - seal.firstLeaf; i < seal.records.length && seal.firstLeaf + i < to; i++) {
        out.push({ index: seal.firstLeaf + i, ...seal.records[i]! });
      }
      at = seal.firstLeaf + seal.records.length;
    }
    return out;
  }

  async twinRecords(twinId: string): Promise<LoggedRecord[]> {
    return (await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.twin(twinId), ':prefix': 'AUDIT#' },
      ConsistentRead: true,
    })) as LoggedRecord[];
  }

  async usageRecords(talentId: string, twinId: string): Promise<LoggedRecord[]> {
    return (await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'twinId = :twin',
      ExpressionAttributeValues: { ':pk': auditKeys.talent(talentId), ':prefix': 'USAGE#', ':twin': twinId },
      ConsistentRead: true,
    })) as LoggedRecord[];
  }

  /**
   * The seal holding `leaf`: its first leaf and its records, replayed from the markers its
   * head names (they never change: nothing can be stamped before a closed time). The last
   * one read is kept, as audits read a seal's leaves chunk by chunk.
   */
  private async sealOf(leaf: number): Promise<{ firstLeaf: number; records: PendingRecord[] } | undefined> {
    if (this.lastSeal !== undefined && leaf >= this.lastSeal.firstLeaf && leaf < this.lastSeal.firstLeaf + this.lastSeal.records.length) {
      return this.lastSeal;
    }
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk >= :after',
        ExpressionAttributeValues: { ':pk': logKeys.heads(this.ns), ':after': logKeys.headAfter(leaf) },
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const head = out.Items?.[0];
    if (head === undefined) return undefined;
    const { firstLeaf, fromCursor, toCursor, treeSize } = head as {
      firstLeaf: number;
      fromCursor: string;
      toCursor: string;
      treeSize: number;
    };
    const markers = (await Promise.all(Array.from({ length: LOG_SHARDS }, (_, shard) => this.markersBetween(shard, fromCursor, toCursor))))
      .flat()
      .sort((a, b) => ((a['sk'] as string) < (b['sk'] as string) ? -1 : 1));
    const records = markers.flatMap((m) =>
      (m['records'] as [string, string, Uint8Array][]).map(([pk, sk, leafHash]) => ({ key: { pk, sk }, leafHash })),
    );
    if (records.length !== treeSize - firstLeaf) {
      throw new Error(`the head of ${treeSize} sealed ${treeSize - firstLeaf} records, and its markers hold ${records.length}`);
    }
    this.lastSeal = { firstLeaf, records };
    return this.lastSeal;
  }

  private lastSeal: { firstLeaf: number; records: PendingRecord[] } | undefined;

  /** Every marker of a shard after `from` (a key, '' for the start) up to and including `to`. */
  private async markersBetween(shard: number, from: string, to: string): Promise<Item[]> {
    const pk = logKeys.pendingShard(shard, this.ns);
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk <= :to',
      ExpressionAttributeValues: { ':pk': pk, ':to': to },
      ...(from === '' ? {} : { ExclusiveStartKey: { pk, sk: from } }),
      ConsistentRead: true,
    });
  }

  /** Closes one shard through `through`; returns the later time it was already closed through, if it was. */
  private async closeShard(shard: number, through: string): Promise<string | undefined> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...logKeys.fence(shard, this.ns), type: 'log-fence', closedThrough: through },
          ConditionExpression: 'attribute_not_exists(closedThrough) OR closedThrough <= :through',
          ExpressionAttributeValues: { ':through': through },
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.get(logKeys.fence(shard, this.ns)))?.['closedThrough'] as string;
    }
  }

  private async pendingPage(shard: number, cursor: string, through: string, limit: number): Promise<{ items: Item[]; truncated: boolean }> {
    const pk = logKeys.pendingShard(shard, this.ns);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk < :end',
        ExpressionAttributeValues: { ':pk': pk, ':end': logKeys.afterStamp(through) },
        // Starts after the cursor, which is a marker's key in this shard or another.
        ...(cursor === '' ? {} : { ExclusiveStartKey: { pk, sk: cursor } }),
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return { items: out.Items ?? [], truncated: out.LastEvaluatedKey !== undefined };
  }

  private async put(Item: Item): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item }));
  }

  private async get(key: RecordKey): Promise<Item | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
  }
}

function headOf(item: Item): SignedTreeHead {
  const { origin, treeSize, rootHash, timestamp, jws } = item as unknown as SignedTreeHead;
  return { origin, treeSize, rootHash, timestamp, jws };
}

function keyString(k: RecordKey): string {
  return `${k.pk}\n${k.sk}`;
}

function concat(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_BYTES);
  for (const [i, h] of hashes.entries()) out.set(h, i * HASH_BYTES);
  return out;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
