import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { wireAdapters } from '../../shared/adapters/wire.ts';
import type { OutboundEvent } from '../../shared/model/events/envelope.ts';
import { OUTBOUND_EXAMPLES } from '../../shared/model/events/examples.ts';
import { DEFAULT_SOURCES } from '../../shared/model/events/roles.ts';
import type { ConsentStore } from '../../shared/ports/consent-store.ts';
import { ReceiptLeasedError } from '../../shared/ports/errors.ts';
import type { EventPublisher } from '../../shared/ports/ports.ts';
import { commit, once, RECEIPT_LEASE_MS } from '../../shared/use-cases/once.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';
import { grantDetail, ids, renderDetail } from '../support/fixtures.ts';
import { envelope, FixedClock, RecordingPublisher, tables, uid, world } from '../support/harness.ts';
import { OWN_ACCOUNTS } from '../support/harness.ts';
import { handleInbound } from '../../shared/use-cases/handle-inbound.ts';

/** A door a test opens by hand: `reached` resolves when someone waits at it. */
function door() {
  let arrive!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const opened = new Promise<void>((r) => (open = r));
  return { reached, opened, arrive, open };
}

/** Holds the first publish at a door (the first run, after its commit); the others pass. */
function holdFirstPublish(inner: EventPublisher) {
  const d = door();
  let first = true;
  const publisher: EventPublisher = {
    async publish(events: readonly OutboundEvent[]) {
      if (first) {
        first = false;
        d.arrive();
        await d.opened;
      }
      await inner.publish(events);
    },
  };
  return { publisher, ...d };
}

async function granted() {
  const w = world();
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
  return { ...w, id };
}

class ProcessDied extends Error {}

/**
 * The run dies right after its commit: nothing it would do next happens (no emission, and
 * no lease given back). Returns a function that brings the healthy adapters back.
 */
function dieAfterCommit(deps: { publisher: EventPublisher; store: ConsentStore }) {
  const { publisher, store } = deps;
  deps.publisher = { publish: () => Promise.reject(new ProcessDied('killed')) };
  deps.store = Object.create(store, { releaseLease: { value: () => Promise.reject(new ProcessDied('killed')) } });
  return () => {
    deps.publisher = publisher;
    deps.store = store;
  };
}

/** Moves a fixed clock past the publishing lease of anything committed until now. */
function afterLease(clock: FixedClock) {
  clock.current = new Date(clock.current.getTime() + RECEIPT_LEASE_MS + 1);
}

describe('exactly once under concurrency', () => {
  it('a duplicate delivered while the first run is still publishing emits nothing', async () => {
    const { send, deps, publisher, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    const held = holdFirstPublish(publisher);
    deps.publisher = held.publisher;

    const first = send('Render Requested', render, { id: `evt-${id.u}` });
    await held.reached; // committed, about to emit
    // The same event again (EventBridge's at-least-once), and the same request under another id:
    // neither emits; each fails so that the platform delivers it again later.
    await expect(send('Render Requested', render, { id: `evt-${id.u}` })).rejects.toThrow(ReceiptLeasedError);
    await expect(send('Render Requested', render)).rejects.toThrow(ReceiptLeasedError);
    expect(publisher.events).toEqual([]);
    held.open();
    expect(await first).toBe('processed');
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);

    // Delivered again later, as the platform does after the failure: a plain duplicate.
    expect(await send('Render Requested', render, { id: `evt-${id.u}` })).toBe('duplicate');
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.events).toHaveLength(2);
  });

  it('a run that dies between commit and emission: its outbox is emitted once, by a delivery after the lease', async () => {
    const { send, deps, publisher, clock, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    const heal = dieAfterCommit(deps);
    await expect(send('Render Requested', render)).rejects.toThrow(ProcessDied);
    heal();

    // Within the lease the dead run may still be publishing, for all anyone can tell.
    await expect(send('Render Requested', render)).rejects.toThrow(ReceiptLeasedError);
    expect(publisher.events).toEqual([]);

    afterLease(clock);
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.ofType('Render Approved')).toMatchObject([{ requestId: render.requestId }]);
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);
    // A day later, still nothing new.
    clock.set('2026-03-02T12:00:00Z');
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.events).toHaveLength(2);
  });

  it('two late duplicates after a crash: one takes the lease and emits, the other emits nothing', async () => {
    const { send, deps, publisher, clock, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    const heal = dieAfterCommit(deps);
    await expect(send('Render Requested', render)).rejects.toThrow(ProcessDied);
    heal();
    afterLease(clock);

    const held = holdFirstPublish(publisher);
    deps.publisher = held.publisher;
    const late = send('Render Requested', render);
    await held.reached; // the first late duplicate took the lease
    await expect(send('Render Requested', render)).rejects.toThrow(ReceiptLeasedError);
    expect(publisher.events).toEqual([]);
    held.open();
    expect(await late).toBe('duplicate');
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
    expect(publisher.events).toHaveLength(2);
  });

  it('taking over an expired lease is a compare-and-set: of two takers exactly one wins', async () => {
    const { send, deps, clock, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    const heal = dieAfterCommit(deps);
    await expect(send('Render Requested', render)).rejects.toThrow(ProcessDied);
    heal();
    const seen = (await deps.store.getReceipt('render', render.requestId))!;
    expect(seen).toMatchObject({ published: false, leaseUntil: expect.any(String) });

    afterLease(clock);
    const until = new Date(clock.now().getTime() + RECEIPT_LEASE_MS).toISOString();
    const takers = await Promise.allSettled([deps.store.takeLease(seen, until), deps.store.takeLease(seen, until)]);
    expect(takers.map((t) => t.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(takers.find((t) => t.status === 'rejected')!.reason).toBeInstanceOf(ReceiptLeasedError);
    // Once published, no lease is to be had.
    await deps.store.markPublished('render', render.requestId);
    const taken = (await deps.store.getReceipt('render', render.requestId))!;
    expect(taken).toMatchObject({ published: true, leaseUntil: until });
    await expect(deps.store.takeLease(taken, until)).rejects.toThrow(ReceiptLeasedError);
  });

  it('a run whose bus call fails gives its lease back: the redelivery emits at once', async () => {
    const { send, publisher, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    publisher.failNext = 1;
    await expect(send('Render Requested', render)).rejects.toThrow('bus unavailable');
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
  });

  it('a duplicate that finds nothing to write (its own effects are there) still heals a crashed outbox', async () => {
    const { send, deps, publisher, clock, id } = await granted();
    const revoke = { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:00Z' };
    const heal = dieAfterCommit(deps);
    await expect(send('Consent Revoked', revoke)).rejects.toThrow(ProcessDied);
    heal();
    afterLease(clock);
    // The redelivery sees the grant revoked already (nothing to write), then the receipt.
    expect(await send('Consent Revoked', revoke)).toBe('duplicate');
    expect(await send('Consent Revoked', revoke)).toBe('duplicate');
    expect(publisher.ofType('Reevaluation Requested')).toMatchObject([{ grantId: id.grant, cause: 'CONSENT_REVOKED' }]);
  });

  it('a duplicate whose decision fails against its own effects is a duplicate, not an error', async () => {
    const { deps, publisher } = world();
    const key = { kind: 'test', businessId: `once-${uid()}`, eventId: `evt-${uid()}` };
    const event = {
      detailType: 'Render Denied',
      detail: { ...OUTBOUND_EXAMPLES['Render Denied'], requestId: key.businessId },
    } as OutboundEvent;
    const write = (receipt: Parameters<ConsentStore['commitDecision']>[0]['receipt']) =>
      deps.store.commitDecision({ receipt, audit: [], usage: [] });
    expect((await once(deps, key, async () => commit([event], write))).outcome).toBe('processed');
    const again = await once(deps, key, async () => {
      throw new Error('the takedown this reports on is closed (by this very event)');
    });
    expect(again.outcome).toBe('duplicate');
    expect(publisher.events).toEqual([event]);
    await expect(
      once(deps, { ...key, businessId: `other-${uid()}` }, async () => {
        throw new Error('a real failure');
      }),
    ).rejects.toThrow('a real failure');
  });
});

describe('round trips of a decision', () => {
  /** The world's adapters over a client that notes every DynamoDB command sent. */
  function countingWorld() {
    const client = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    const publisher = new RecordingPublisher();
    const { deps } = wireAdapters({
      db: documentClient(client),
      tables: { ...tables, dueNamespace: uid() },
      publisher,
      clock: new FixedClock(new Date('2026-03-01T12:00:00Z')),
      settings: {
        sources: DEFAULT_SOURCES,
        takedownSlaSeconds: 3600,
        reevaluationBudget: 2000,
        accounts: OWN_ACCOUNTS,
        channelSenders: {},
      },
    });
    return { deps, publisher, sent };
  }

  it('a decision reads its grants, commits, emits and marks the receipt: no read of the receipt first', async () => {
    const { deps, publisher, sent } = countingWorld();
    const id = ids();
    await handleInbound(deps, envelope('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin })));
    sent.length = 0;
    const render = envelope('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(await handleInbound(deps, render)).toBe('processed');
    expect(sent).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'PutItemCommand']);
    expect(publisher.events).toHaveLength(2);

    // A duplicate learns it is one from the failed condition, then reads the receipt.
    sent.length = 0;
    expect(await handleInbound(deps, render)).toBe('duplicate');
    expect(sent).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'QueryCommand']);
    expect(publisher.events).toHaveLength(2);
  });
});
