import { describe, expect, it } from 'vitest';
import { DynamoConsentStore } from '../../shared/adapters/dynamodb/dynamo-consent-store.ts';
import { PendingLogWriter } from '../../shared/adapters/dynamodb/pending-log.ts';
import { StaleReadError } from '../../shared/ports/errors.ts';
import { auditLog } from '../../shared/use-cases/audit-log.ts';
import { proveConsistency, proveRecord } from '../../shared/use-cases/log-proofs.ts';
import { sealLog } from '../../shared/use-cases/seal-log.ts';
import { verifyConsistencyProof, verifyInclusionProof } from '../../verifier/index.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { auditOf, db, FixedClock, usageOf, world } from '../support/harness.ts';
import { later, logOf } from '../support/log.ts';
import { LIMITS } from '../../shared/model/events/limits.ts';

describe('the sealer', () => {
  it('appends every record the decisions wrote, audit and usage lines, under one signed head whose proofs verify offline', async () => {
    const w = world();
    const id = ids();
    const { deps, jwks } = await logOf(w);
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    const render = renderDetail({ twinIds: [id.twin] });
    await w.send('Render Requested', render);
    const pub = publicationDetail({ twinIds: [id.twin] });
    await w.send('Publication Requested', pub);
    await w.send('Asset Published', publishedDetail({ assetId: pub.assetId, twinIds: [id.twin], publicationId: pub.publicationId }));
    const written = [...(await auditOf(id.twin)), ...(await usageOf(id.talent))];
    expect(written).toHaveLength(6); // grant, render, usage, publication, placement, usage

    // Nothing is sealed before the grace has passed: writes stamped then may still be in flight.
    expect((await sealLog(deps)).sealed).toBe(0);
    later(w, 60);
    const sealed = await sealLog(deps);
    expect(sealed).toMatchObject({ sealed: 6, heads: 1, treeSize: 6, busy: false });
    expect((await sealLog(deps)).sealed).toBe(0);

    const decisionId = w.publisher.ofType('Render Approved')[0]!.decisionId as string;
    const { proofs, unsealed } = await proveRecord(deps, { recordId: `render-decision:${decisionId}` });
    expect(unsealed).toEqual([]);
    expect(proofs).toHaveLength(1);
    const verified = await verifyInclusionProof(JSON.parse(JSON.stringify(proofs[0])), jwks);
    expect(verified).toMatchObject({ ok: true, value: { leafIndex: proofs[0]!.leafIndex, treeHead: { treeSize: 6 } } });
    expect(verified.ok && verified.value.record['outcome']).toBe('approved');
    expect((await auditLog(deps)).intact).toBe(true);
  });

  it('seals a record stamped after a seal even when the time it states is earlier; refuses a write stamped before the closed time', async () => {
    const w = world('2026-03-01T12:00:00Z');
    const id = ids();
    const { deps } = await logOf(w);
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    later(w, 60);
    await sealLog(deps); // closes 12:00:55
    const closed = (await deps.log.state()).closedThrough;
    expect(closed).toBe('2026-03-01T12:00:55.000Z');

    // A decision made at 12:00:10 whose commit is sent at 12:01:00: stamped after the close, so it is taken.
    const lateWriter = new DynamoConsentStore(
      db,
      w.tables,
      new PendingLogWriter(w.tables, new FixedClock(new Date('2026-03-01T12:01:00Z'))),
    );
    const record = {
      twinId: id.twin,
      at: '2026-03-01T12:00:10.000Z',
      recordId: `render-decision:late-${id.u}`,
      kind: 'render-decision' as const,
      outcome: 'denied',
      request: {},
      eventId: `e-${id.u}`,
    };
    await lateWriter.commitDecision({ receipt: receipt(`late-${id.u}`), audit: [record], usage: [] });
    // One stamped at 12:00:50, before the close, is refused: its transaction is cancelled and decided again.
    const stuckWriter = new DynamoConsentStore(
      db,
      w.tables,
      new PendingLogWriter(w.tables, new FixedClock(new Date('2026-03-01T12:00:50Z'))),
    );
    await expect(
      stuckWriter.commitDecision({
        receipt: receipt(`stuck-${id.u}`),
        audit: [{ ...record, recordId: `render-decision:stuck-${id.u}` }],
        usage: [],
      }),
    ).rejects.toThrow(StaleReadError);
    expect((await auditOf(id.twin)).map((r) => r.recordId)).not.toContain(`render-decision:stuck-${id.u}`);

    later(w, 60);
    expect((await sealLog(deps)).sealed).toBe(1);
    const { proofs } = await proveRecord(deps, { recordId: `render-decision:late-${id.u}` });
    expect(proofs.map((p) => p.leafIndex)).toEqual([1]);
  });

  it('seals once each record of a placement too large for one transaction, whose audit and usage lines are written in chunks', async () => {
    const w = world();
    const { deps } = await logOf(w);
    const cast = Array.from({ length: LIMITS.twins }, (_, i) => ({ ...ids(), i }));
    for (const t of cast) await w.send('Consent Granted', grantDetail({ grantId: t.grant, twinId: t.twin, talentId: t.talent }));
    const twinIds = cast.map((t) => t.twin);
    const pub = publicationDetail({ twinIds });
    await w.send('Publication Requested', pub);
    const placement = publishedDetail({ assetId: pub.assetId, channel: pub.channel, publicationId: pub.publicationId, twinIds });
    expect(await w.send('Asset Published', placement)).toBe('processed');
    // Per twin: its grant, the publication, the placement and its usage.
    const written = (await Promise.all(cast.map(async (t) => [...(await auditOf(t.twin)), ...(await usageOf(t.talent))]))).flat();
    expect(written).toHaveLength(4 * LIMITS.twins);

    later(w, 60);
    const sealed = await sealLog(deps);
    expect(sealed).toMatchObject({ sealed: 4 * LIMITS.twins, treeSize: 4 * LIMITS.twins });
    const placementRecord = `placement:${placement.channel}#${placement.placementId}`;
    const { proofs } = await proveRecord(deps, { recordId: placementRecord });
    expect(proofs.map((p) => p.record['twinId']).sort()).toEqual([...twinIds].sort());
    expect((await auditLog(deps)).intact).toBe(true);
  });

  it('loses nothing and takes nothing twice while writers and small seals interleave, and every head extends the one before', async () => {
    const w = world('2026-03-01T12:00:00Z');
    const id = ids();
    const { deps, jwks } = await logOf(w, { maxRecordsPerSeal: 7 });
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, aiDisclosureRequired: false }));
    const heads: number[] = [];
    for (let round = 0; round < 6; round++) {
      later(w, 10);
      // Writers of this round stamp at the round's time, after anything this seal may close.
      const writes = Array.from({ length: 5 }, () => w.send('Render Requested', renderDetail({ twinIds: [id.twin] })));
      const [sealed] = await Promise.all([sealLog(deps), ...writes]);
      if (sealed.heads > 0) heads.push(sealed.treeSize);
    }
    later(w, 3600);
    await sealLog(deps);
    const written = [...(await auditOf(id.twin)), ...(await usageOf(id.talent))];
    expect(written).toHaveLength(1 + 6 * 5 * 2);
    const state = await deps.log.state();
    expect(state.size).toBe(written.length);
    const leaves = await deps.log.leaves(0, state.size);
    expect(new Set(leaves.map((l) => `${l.key.pk} ${l.key.sk}`))).toEqual(new Set(written.map((r) => `${r.pk} ${r.sk}`)));
    expect((await auditLog(deps)).intact).toBe(true);
    // Small seals: a head every 7 records or so, each provably extending the previous one.
    heads.push(state.size);
    expect(heads.length).toBeGreaterThan(3);
    for (let i = 1; i < heads.length; i++) {
      if (heads[i - 1] === heads[i]) continue;
      const proof = await proveConsistency(deps, heads[i - 1]!, heads[i]!);
      expect(await verifyConsistencyProof(JSON.parse(JSON.stringify(proof)), jwks), `${heads[i - 1]} -> ${heads[i]}`).toMatchObject({
        ok: true,
      });
    }
  });

  it('seals in one run what was closable when it began, not what its moving clock reaches meanwhile', async () => {
    const w = world('2026-03-01T12:00:00Z');
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    for (let i = 0; i < 3; i++) {
      later(w, 10);
      await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    }
    // The sealer's clock starts 6 s after the first render (grace 5 s) and moves on 20 s after every head,
    // as a busy log's would while decisions keep coming: the later renders become closable during the run.
    const sealer = { tables: w.tables, clock: new FixedClock(new Date('2026-03-01T12:00:16Z')) };
    const { deps } = await logOf(sealer, { maxRecordsPerSeal: 1 });
    const keepGoing = () => {
      later(sealer, 20);
      return true;
    };
    // The grant and the first render (its audit and usage lines), in as many heads as the small heads need.
    expect(await sealLog(deps, { keepGoing })).toMatchObject({ sealed: 3, heads: 2 });
    // The next run: the two renders written before it began.
    expect(await sealLog(deps)).toMatchObject({ sealed: 4, heads: 2, treeSize: 7 });
  });

  it('lets one sealer at a time hold the log, and a sealer that died before indexing is completed by the next', async () => {
    const w = world('2026-03-01T12:00:00Z');
    const id = ids();
    const { deps } = await logOf(w);
    // Idle, it writes nothing, not even its lease.
    expect(await sealLog(deps)).toMatchObject({ busy: false, sealed: 0, heads: 0 });
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    later(w, 60);
    expect(await deps.log.acquireLease('other', w.clock.now(), new Date(w.clock.now().getTime() + 60_000))).toBe(true);
    expect(await sealLog(deps)).toMatchObject({ busy: true, sealed: 0 });
    await deps.log.releaseLease('other');

    const dying = { ...deps, log: Object.create(deps.log, { indexLeaves: { value: () => Promise.reject(new Error('killed')) } }) };
    await expect(sealLog(dying)).rejects.toThrow('killed');
    expect(await deps.log.state()).toMatchObject({ size: 1, indexedThrough: 0 });
    expect((await proveRecord(deps, { recordId: `grant:${id.grant}#1` })).unsealed).toHaveLength(1);
    await sealLog(deps);
    expect(await deps.log.state()).toMatchObject({ size: 1, indexedThrough: 1 });
    expect((await proveRecord(deps, { recordId: `grant:${id.grant}#1` })).proofs).toHaveLength(1);
  });
});

function receipt(businessId: string) {
  return { kind: 'test', businessId, eventId: businessId, outbox: [], published: false, createdAt: '2026-03-01T12:00:00Z' };
}
