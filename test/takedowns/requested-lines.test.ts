import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { keys } from '../../shared/adapters/dynamodb/keys.ts';
import type { PlacementRecord } from '../../shared/model/records.ts';
import { parseBatchTakedownId, requestedRecordId } from '../../shared/model/takedown-batch.ts';
import type { FanoutStore } from '../../shared/ports/fanout-store.ts';
import { batchRequestedLines } from '../../shared/use-cases/audit-lines.ts';
import { grantDetail, ids, publicationDetail, publishedDetail } from '../support/fixtures.ts';
import { grantedTwinWithPlacements } from '../support/granted-twin.ts';
import { auditOf, db, tables, world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';

/** A world whose DynamoDB client notes the items of every transaction it sends. */
function countingWorld() {
  const client = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const transactions: number[] = [];
  client.middlewareStack.add(
    (next) => (args) => {
      const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
      if (items !== undefined) transactions.push(items.length);
      return next(args);
    },
    { step: 'initialize', name: 'countTransactionItems' },
  );
  return { ...world('2026-03-01T12:00:00Z', 3600, {}, documentClient(client)), transactions };
}

const requestedLinesOf = async (twinId: string) => (await auditOf(twinId)).filter((a) => /^takedown:.*#requested$/.test(a.recordId));

describe("a fan-out records each batch's request in one line per twin", () => {
  it('25 placements of one twin: 3 requested lines (10, 10, 5), each naming its takedowns; 15 items a transaction', async () => {
    const w = countingWorld();
    const { id, placements } = await grantedTwinWithPlacements(w, { count: 25, channels: ['instagram', 'web'] });
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    w.transactions.length = 0;
    await runReevaluations(w.deps, w.publisher);
    const sent = w.publisher.ofType('Takedown Requested');
    expect(sent).toHaveLength(25);

    const lines = await requestedLinesOf(id.twin);
    expect(lines.map((l) => l.request.takedowns.length).sort((a: number, b: number) => a - b)).toEqual([5, 10, 10]);
    const listed = lines.flatMap((l) => l.request.takedowns);
    expect(listed.map((t: { takedownId: string }) => t.takedownId).sort()).toEqual(sent.map((t) => t.takedownId).sort());
    const byId = new Map(sent.map((t) => [t.takedownId as string, t]));
    for (const line of lines) {
      expect(line).toMatchObject({ kind: 'takedown', outcome: 'requested:CONSENT_REVOKED', eventId: `revoked#${id.grant}` });
      expect(line.grants).toEqual([{ twinId: id.twin, grantId: id.grant, version: 1 }]);
      expect(Object.keys(line.request).sort()).toEqual(['jobId', 'takedowns']);
      expect(line.request.jobId).toBe(`revoked#${id.grant}`);
      for (const t of line.request.takedowns) {
        // The line is the requested fact of each takedown it lists, found from the takedown id alone.
        expect(requestedRecordId(t.takedownId)).toBe(line.recordId);
        const event = byId.get(t.takedownId)!;
        expect(t).toEqual({
          takedownId: t.takedownId,
          channel: event.channel,
          placementId: event.placementId,
          reason: 'CONSENT_REVOKED',
          grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
        });
        expect(line.at).toBe(event.requestedAt);
      }
    }
    expect(new Set(placements.map((p) => `${p.channel}/${p.placementId}`))).toEqual(
      new Set(listed.map((t: { channel: string; placementId: string }) => `${t.channel}/${t.placementId}`)),
    );
    // Per batch: its placements, one takedown record, one deadline item, one line, the log's marker and fence.
    expect(w.transactions.sort((a, b) => a - b)).toEqual([10, 15, 15]);
  });

  it("a batch of a multi-twin asset gives each twin one line, with only that twin's takedowns and grants", async () => {
    const w = world();
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    await w.send('Consent Granted', grantDetail({ grantId: id.grant2, twinId: id.twin2, talentId: id.talent2 }));
    const both = publicationDetail({ twinIds: [id.twin, id.twin2] });
    const alone = publicationDetail({ twinIds: [id.twin], channel: 'web' });
    await w.send('Publication Requested', both);
    await w.send('Publication Requested', alone);
    const placed = (pub: typeof both, n: number) =>
      Array.from({ length: n }, () =>
        publishedDetail({ assetId: pub.assetId, channel: pub.channel, twinIds: pub.twinIds, publicationId: pub.publicationId }),
      );
    const shared = placed(both, 3);
    const own = placed(alone, 2);
    for (const p of [...shared, ...own]) await w.send('Asset Published', p);
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    await runReevaluations(w.deps, w.publisher);
    expect(w.publisher.ofType('Takedown Requested')).toHaveLength(5);

    const [first] = await requestedLinesOf(id.twin);
    const [second] = await requestedLinesOf(id.twin2);
    expect((await requestedLinesOf(id.twin)).length).toBe(1);
    expect((await requestedLinesOf(id.twin2)).length).toBe(1);
    expect(first!.recordId).toBe(second!.recordId);
    const placementsOf = (line: Record<string, any>) => line.request.takedowns.map((t: { placementId: string }) => t.placementId).sort();
    expect(placementsOf(first!)).toEqual([...shared, ...own].map((p) => p.placementId).sort());
    expect(placementsOf(second!)).toEqual(shared.map((p) => p.placementId).sort());
    expect(first!.grants).toEqual([{ twinId: id.twin, grantId: id.grant, version: 1 }]);
    expect(second!.grants).toEqual([{ twinId: id.twin2, grantId: id.grant2, version: 1 }]);
    for (const t of second!.request.takedowns) expect(t.grants).toEqual([{ twinId: id.twin2, grantId: id.grant2, version: 1 }]);
    for (const t of first!.request.takedowns) expect(t.grants).toEqual([{ twinId: id.twin, grantId: id.grant, version: 1 }]);
  });

  it('a takedown split out of its batch by a race keeps a line of its own; the cancelled batch left none', async () => {
    const w = world();
    const { id, placements } = await grantedTwinWithPlacements(w, { count: 4 });
    // A change to one placement of the batch lands between the fan-out's read and its commit.
    const real = w.deps.fanout;
    let raced: PlacementRecord | undefined;
    const racing: FanoutStore = Object.create(real);
    racing.commitTakedowns = async (batch, due, audit) => {
      if (raced === undefined && batch.length > 1) {
        raced = batch[2]!;
        await db.send(
          new UpdateCommand({
            TableName: tables.consent,
            Key: keys.placement(raced.channel, raced.placementId),
            UpdateExpression: 'SET revision = revision + :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
      }
      return real.commitTakedowns(batch, due, audit);
    };
    w.deps.fanout = racing;
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' });
    await runReevaluations(w.deps, w.publisher);
    expect(raced).toBeDefined();

    const sent = w.publisher.ofType('Takedown Requested');
    expect(sent.map((t) => t.placementId).sort()).toEqual(placements.map((p) => p.placementId).sort());
    for (const t of sent) expect(parseBatchTakedownId(t.takedownId as string)).toBeUndefined();
    const lines = await requestedLinesOf(id.twin);
    expect(lines.map((l) => l.recordId).sort()).toEqual(sent.map((t) => `takedown:${t.takedownId}#requested`).sort());
    const mine = lines.find((l) => l.request.placementId === raced!.placementId)!;
    expect(mine).toMatchObject({
      outcome: 'requested:CONSENT_REVOKED',
      grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
      request: { jobId: `revoked#${id.grant}`, channel: raced!.channel, placementId: raced!.placementId },
    });
    expect(mine.request.takedowns).toBeUndefined();
  });

  it('a line is bounded: at most 10 takedowns, all of one batch', () => {
    const t = (takedownId: string) => ({
      takedownId,
      channel: 'web',
      placementId: 'p',
      reason: 'CONSENT_REVOKED' as const,
      twinIds: ['twin-a'],
      grants: [],
    });
    const on = { at: '2026-03-01T12:00:00.000Z', eventId: 'job', request: { jobId: 'job', internalNote: 'x' } };
    expect(() => batchRequestedLines([], on)).toThrow(RangeError);
    expect(() =>
      batchRequestedLines(
        Array.from({ length: 11 }, (_, i) => t(`td-a_${i}`)),
        on,
      ),
    ).toThrow(RangeError);
    expect(() => batchRequestedLines([t('td-a_0'), t('td-b_1')], on)).toThrow(/not of the batch/);
    expect(() => batchRequestedLines([t('td-a')], on)).toThrow(/not of the batch/);
    const [line] = batchRequestedLines([t('td-a_0'), t('td-a_1')], on);
    expect(line!.recordId).toBe('takedown:td-a#requested');
    expect(line!.request).toEqual({
      jobId: 'job',
      takedowns: [
        { takedownId: 'td-a_0', channel: 'web', placementId: 'p', reason: 'CONSENT_REVOKED', grants: [] },
        { takedownId: 'td-a_1', channel: 'web', placementId: 'p', reason: 'CONSENT_REVOKED', grants: [] },
      ],
    });
  });

  it('maps a takedown id to the record id of its requested fact', () => {
    expect(requestedRecordId('td-1f3e_0')).toBe('takedown:td-1f3e#requested');
    expect(requestedRecordId('td-1f3e_9')).toBe('takedown:td-1f3e#requested');
    expect(requestedRecordId('td-1f3e')).toBe('takedown:td-1f3e#requested');
    expect(requestedRecordId('td-1f3e_x')).toBe('takedown:td-1f3e_x#requested');
  });
});
