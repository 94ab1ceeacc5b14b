import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DYNAMO_LIMITS, itemSize } from '../../shared/adapters/dynamodb/item-size.ts';
import { transact, type TransactItem } from '../../shared/adapters/dynamodb/transactions.ts';
import type { AuditRecord, Receipt } from '../../shared/model/records.ts';
import { AuditKeyConflictError, StaleReadError, TransactionTooLargeError } from '../../shared/ports/errors.ts';
import { once } from '../../shared/use-cases/once.ts';
import { ids } from '../support/fixtures.ts';
import { auditOf, db, tables, uid, world } from '../support/harness.ts';

const put = (pk: string, sk: string, more: Record<string, unknown> = {}): TransactItem => ({
  Put: { TableName: tables.consent, Item: { pk, sk, ...more } },
});

async function exists(pk: string, sk: string): Promise<boolean> {
  const out = await db.send(new GetCommand({ TableName: tables.consent, Key: { pk, sk }, ConsistentRead: true }));
  return out.Item !== undefined;
}

describe('transactions are checked against DynamoDB limits before they are sent', () => {
  it('101 items: TransactionTooLargeError, and nothing is written', async () => {
    const pk = `T#${uid()}`;
    const items = Array.from({ length: 101 }, (_, i) => put(pk, `S#${i}`));
    await expect(transact(db, items)).rejects.toThrow(TransactionTooLargeError);
    await expect(transact(db, items)).rejects.toThrow(/transaction of 101 items is over DynamoDB's limit of 100/);
    expect(await exists(pk, 'S#0')).toBe(false);
    await transact(db, items.slice(0, 100));
    expect(await exists(pk, 'S#99')).toBe(true);
  });

  it('an item over 400 KB, or items over 4 MB together: TransactionTooLargeError naming what is over', async () => {
    const pk = `T#${uid()}`;
    const big = (sk: string, kb: number) => put(pk, sk, { blob: 'b'.repeat(kb * 1024) });
    await expect(transact(db, [big('one', 401)])).rejects.toThrow(
      /item 0 of a transaction \(.*\/one\) is about \d+ bytes, over DynamoDB's item limit of 409600/,
    );
    const eleven = Array.from({ length: 11 }, (_, i) => big(`S#${i}`, 390));
    await expect(transact(db, eleven)).rejects.toThrow(/over DynamoDB's limit of 4194304/);
    expect(await exists(pk, 'S#0')).toBe(false);
  });

  it('sizes items as DynamoDB Local does: just under the limit is stored, just over is refused by both', async () => {
    const pk = `T#${uid()}`;
    const shaped = (sk: string, pad: number) => ({
      pk,
      sk,
      type: 'audit',
      count: 12345,
      flags: [true, null, 'é'],
      nested: { a: 'x', b: [1, 2, 3] },
      blob: 'ü'.repeat(pad),
    });
    const base = itemSize(shaped('under', 0));
    const under = shaped('under', Math.floor((DYNAMO_LIMITS.itemBytes - base) / 2) - 8);
    const over = shaped('over', Math.floor((DYNAMO_LIMITS.itemBytes - base) / 2) + 8);
    expect(itemSize(under)).toBeLessThanOrEqual(DYNAMO_LIMITS.itemBytes);
    expect(itemSize(over)).toBeGreaterThan(DYNAMO_LIMITS.itemBytes);
    await db.send(new PutCommand({ TableName: tables.consent, Item: under }));
    expect(await exists(pk, 'under')).toBe(true);
    await expect(db.send(new PutCommand({ TableName: tables.consent, Item: over }))).rejects.toThrow(/size/i);
    await expect(transact(db, [{ Put: { TableName: tables.consent, Item: over } }])).rejects.toThrow(TransactionTooLargeError);
  });
});

describe('an audit line colliding with another is named as such, not retried as a stale read', () => {
  const line = (twinId: string, recordId: string): AuditRecord => ({
    twinId,
    at: '2026-03-01T12:00:00.000Z',
    recordId,
    kind: 'render-decision',
    outcome: 'approved',
    request: {},
    eventId: 'evt-1',
  });
  const receipt = (businessId: string): Receipt => ({
    kind: 'render',
    businessId,
    eventId: `evt-${businessId}`,
    outbox: [],
    published: false,
    createdAt: '2026-03-01T12:00:00.000Z',
  });

  it('the store throws AuditKeyConflictError with the key; once gives up at once with it', async () => {
    const { deps } = world();
    const id = ids();
    await deps.store.commitDecision({ receipt: receipt(`a-${id.u}`), audit: [line(id.twin, 'render-decision:dec-1')], usage: [] });
    const again = deps.store.commitDecision({ receipt: receipt(`b-${id.u}`), audit: [line(id.twin, 'render-decision:dec-1')], usage: [] });
    await expect(again).rejects.toThrow(AuditKeyConflictError);
    await expect(again).rejects.toThrow(/already exist.*AUDIT#2026-03-01T12:00:00.000Z#render-decision%3Adec-1/);

    let decisions = 0;
    const run = once(deps, { kind: 'render', businessId: `c-${id.u}`, eventId: 'evt-c' }, async () => {
      decisions++;
      return {
        outbox: [],
        result: undefined,
        write: (r: Receipt) => deps.store.commitDecision({ receipt: r, audit: [line(id.twin, 'render-decision:dec-1')], usage: [] }),
      };
    });
    await expect(run).rejects.toThrow(AuditKeyConflictError);
    expect(decisions).toBe(1);
    expect(await auditOf(id.twin)).toHaveLength(1);
  });

  it('a changed grant is still a stale read', async () => {
    const { deps } = world();
    const id = ids();
    const commit = (version: number) =>
      deps.store.commitRevocation({
        grantId: id.grant,
        twinId: id.twin,
        revokedAt: '2026-03-01T12:00:00Z',
        previous: { grantId: id.grant, twinId: id.twin, version },
        receipt: receipt(`r-${id.u}-${version}`),
        audit: [],
      });
    await expect(commit(3)).rejects.toThrow(StaleReadError);
  });
});
