import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { wireQueries } from '../../shared/adapters/wire.ts';
import { usageRecordId } from '../../shared/model/log/usage-record-id.ts';
import { proveRecord } from '../../shared/use-cases/log-proofs.ts';
import { sealLog } from '../../shared/use-cases/seal-log.ts';
import { provenStatement } from '../../shared/use-cases/statement-proofs.ts';
import { MAX_STATEMENT_FILE_LINES, verifyInclusionProof, verifyStatement } from '../../verifier/index.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { db, tables, usageOf, world } from '../support/harness.ts';
import { later, logOf } from '../support/log.ts';

const NOW = '2035-06-10T12:00:00Z';
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/**
 * The hand-computed case. Twin 1 (grant 1: EUR 50 a render, 200 a placement): 2 renders and
 * 1 placement, each delivered twice with the same event id, sealed, then 1 render after the seal. Twin 2 (grant 2 of brand-zara: USD 12.5
 * a render, 0.1 a placement): 1 render and 3 placements, sealed.
 * EUR: 3 renders x 50 + 1 placement x 200 = 350. USD: 12.5 + 3 x 0.1 = 12.8.
 */
async function month() {
  const w = world(NOW, 3600);
  const id = ids();
  const log = await logOf(w);
  const base = { talentId: id.talent, validFrom: '2035-01-01T00:00:00Z', validUntil: '2036-01-01T00:00:00Z' };
  await w.send('Consent Granted', grantDetail({ ...base, grantId: id.grant, twinId: id.twin }));
  await w.send(
    'Consent Granted',
    grantDetail({
      ...base,
      grantId: id.grant2,
      twinId: id.twin2,
      licensee: 'brand-zara',
      compensation: { currency: 'USD', perRender: 12.5, perPlacement: 0.1 },
    }),
  );
  for (let i = 0; i < 2; i++) {
    later(w, 1);
    // Each render delivered twice with the same event id (EventBridge's at-least-once): paid once.
    const render = renderDetail({ twinIds: [id.twin] });
    expect(await w.send('Render Requested', render, { id: `evt-render-${id.u}-${i}` })).toBe('processed');
    expect(await w.send('Render Requested', render, { id: `evt-render-${id.u}-${i}` })).toBe('duplicate');
  }
  await w.send('Render Requested', renderDetail({ twinIds: [id.twin2], licensee: 'brand-zara' }));
  const pubs = [
    publicationDetail({ twinIds: [id.twin], assetId: `a1-${id.u}` }),
    publicationDetail({ twinIds: [id.twin2], licensee: 'brand-zara', assetId: `a2-${id.u}` }),
  ];
  for (const pub of pubs) await w.send('Publication Requested', pub);
  const place = (pub: (typeof pubs)[number], placementId: string, eventId = `evt-${placementId}`) =>
    w.send(
      'Asset Published',
      publishedDetail({
        assetId: pub.assetId,
        channel: pub.channel,
        twinIds: pub.twinIds,
        licensee: pub.licensee,
        publicationId: pub.publicationId,
        placementId,
      }),
      { id: eventId },
    );
  expect(await place(pubs[0]!, `p-${id.u}`)).toBe('processed');
  expect(await place(pubs[0]!, `p-${id.u}`)).toBe('duplicate');
  for (let i = 0; i < 3; i++) await place(pubs[1]!, `z-${id.u}-${i}`);
  later(w, 60);
  await sealLog(log.deps);
  later(w, 1);
  const late = renderDetail({ twinIds: [id.twin] });
  await w.send('Render Requested', late);
  const deps = { queries: wireQueries({ db, tables }), clock: w.clock, log: log.deps.log };
  return { w, id, ...log, deps, late };
}

describe('statements backed by the log', () => {
  it('add up to the hand-computed case; every sealed line is proven offline, the unsealed one listed as such', async () => {
    const { id, deps, jwks, late } = await month();
    const doc = asJson(await provenStatement(deps, id.talent, '2035-06'));
    expect(doc.totals).toEqual([
      { currency: 'EUR', renders: 3, placements: 1, amount: 350 },
      { currency: 'USD', renders: 1, placements: 3, amount: 12.8 },
    ]);
    expect(doc.lines).toHaveLength(8);
    // Not sealed yet: listed, counted, marked, with no proof.
    expect(doc.lines.filter((l) => !l.sealed)).toEqual([
      expect.objectContaining({ refId: late.requestId, sealed: false, amount: 50, recordId: expect.stringMatching(/^usage:/) }),
    ]);
    for (const line of doc.lines) {
      expect(line.recordId).toBe(usageRecordId(line));
      expect(line.record).toMatchObject({ type: 'usage', amount: line.amount, currency: line.currency, refId: line.refId });
    }
    expect(new Set(doc.lines.map((l) => l.recordId)).size).toBe(8);
    expect(await verifyStatement(doc, jwks)).toEqual({
      ok: true,
      talentId: id.talent,
      month: '2035-06',
      treeHead: expect.objectContaining({ treeSize: doc.treeHead!.treeSize }),
      lines: 8,
      verified: 7,
      unsealed: 1,
      failures: [],
      totals: doc.totals,
    });
    // Each line's record id is what `npm run log -- prove --record` takes: the same record, proven alone.
    const sealed = doc.lines.find((l) => l.sealed && l.kind === 'placement')!;
    const { proofs } = await proveRecord(deps, { recordId: sealed.recordId });
    expect(proofs).toHaveLength(1);
    expect(proofs[0]).toMatchObject({ leafIndex: sealed.sealed ? sealed.leafIndex : -1, record: sealed.record });
    expect((await verifyInclusionProof(asJson(proofs[0]), jwks)).ok).toBe(true);
    expect((await proveRecord(deps, { recordId: doc.lines.find((l) => !l.sealed)!.recordId })).unsealed).toHaveLength(1);
  });

  it('a tampered line, an altered total, a use paid twice, another key or a malformed file are refused with the reason', async () => {
    const { id, deps, jwks } = await month();
    const good = asJson(await provenStatement(deps, id.talent, '2035-06'));
    const at = good.lines.findIndex((l) => l.sealed && l.currency === 'EUR' && l.kind === 'render');
    const line = good.lines[at]!;
    const withLine = (changed: object) => ({ ...good, lines: good.lines.map((l, i) => (i === at ? { ...l, ...changed } : l)) });
    const refused = async (doc: unknown) => {
      const report = await verifyStatement(doc, jwks);
      expect(report.ok).toBe(false);
      return report;
    };

    // The line says 500 where the ledger says 50: the line is named, and the totals no longer add up.
    const inflated = await refused(withLine({ amount: 500 }));
    expect(inflated.failures).toEqual([
      { position: at, recordId: line.recordId, reason: "the line's amount (500) is not the record's (50)" },
    ]);
    expect(inflated.reason).toBe('the EUR total says amount 350, but the lines add up to 800');
    // The record changed with it: the proof no longer leads to the signed root.
    const rewritten = await refused({
      ...withLine({ amount: 500, record: { ...line.record, amount: 500 } }),
      totals: good.totals.map((t) => (t.currency === 'EUR' ? { ...t, amount: 800 } : t)),
    });
    expect(rewritten.failures).toEqual([
      expect.objectContaining({ position: at, reason: expect.stringContaining('differs from the one sealed there') }),
    ]);
    expect(rewritten.reason).toBeUndefined();
    // Another twin's, or another grant's, line.
    expect((await refused(withLine({ grantId: id.grant2 }))).failures[0]!.reason).toMatch(/the line's grantId .* is not the record's/);
    // An altered total, the lines intact.
    const total = await refused({ ...good, totals: good.totals.map((t) => (t.currency === 'USD' ? { ...t, amount: 13.8 } : t)) });
    expect(total).toMatchObject({ failures: [], verified: 7, reason: 'the USD total says amount 13.8, but the lines add up to 12.8' });
    expect((await refused({ ...good, totals: good.totals.slice(1) })).reason).toBe('the totals leave out EUR: its lines add up to 350');
    expect((await refused({ ...good, totals: [...good.totals, { currency: 'GBP', renders: 1, placements: 0, amount: 1 }] })).reason).toBe(
      'the totals list GBP, which no line is paid in',
    );
    // The same use twice, as a duplicate event would have it if it were paid again.
    const twice = await refused({ ...good, lines: [...good.lines, line] });
    expect(twice.failures).toEqual([
      expect.objectContaining({ position: 8, reason: expect.stringMatching(/^the render .* is paid twice \(also line \d\)$/) }),
    ]);
    // A line that names another record, or claims another line's leaf.
    const other = good.lines.find((l, i) => i !== at && l.sealed)!;
    expect((await refused(withLine({ recordId: other.recordId }))).failures[0]!.reason).toMatch(/is not this line's/);
    expect((await refused(withLine({ leafIndex: other.sealed ? other.leafIndex : 0 }))).failures[0]!.reason).toMatch(
      /claimed twice|differs from the one sealed/,
    );
    // A line of another talent or month.
    expect((await refused(withLine({ talentId: 'someone-else' }))).failures[0]!.reason).toMatch(/of talent someone-else/);
    // Signed by another key.
    const stranger = await logOf(world());
    expect((await verifyStatement(good, stranger.jwks)).reason).toMatch(/not among the given public keys/);
    // Malformed: never a throw, always a reason.
    const many = { ...good, lines: Array.from({ length: MAX_STATEMENT_FILE_LINES + 1 }, () => line) };
    const cases: [unknown, RegExp][] = [
      [null, /not a statement/],
      ['statement', /not a statement/],
      [{ ...good, format: 'twinguard.log-export/v1' }, /not a statement/],
      [{ ...good, month: '2035-13' }, /no month/],
      [{ ...good, talentId: 'x'.repeat(300_000) }, /names no talent/],
      [{ ...good, lines: 'all paid' }, /no lines/],
      [many, /more than 20000/],
      [{ ...good, treeHead: null }, /no signed tree head/],
      [withLine({ proof: 'trust me' }), /not a list of base64/],
      [withLine({ record: undefined }), /not a stored record/],
      [withLine({ amount: '50' }), /not a sum of money/],
      [withLine({ sealed: 'yes' }), /neither sealed nor not sealed/],
      [withLine({ refId: 'r'.repeat(300_000) }), /refId is not an id/],
      [{ ...good, lines: [null, 7, []] }, /the line is not an object/],
    ];
    for (const [doc, reason] of cases) {
      const report = await verifyStatement(doc, jwks);
      expect(report.ok).toBe(false);
      expect([report.reason, ...report.failures.map((f) => f.reason)].join('; ')).toMatch(reason);
    }
  });

  it('a usage record changed in DynamoDB after sealing fails the next statement, naming its line', async () => {
    const { id, deps, jwks } = await month();
    const target = (await usageOf(id.talent)).find((u) => u.currency === 'USD' && u.kind === 'render')!;
    // The brand quietly pays 1.25 instead of 12.5 for a render.
    await db.send(
      new UpdateCommand({
        TableName: tables.audit,
        Key: { pk: target.pk, sk: target.sk },
        UpdateExpression: 'SET amount = :less',
        ExpressionAttributeValues: { ':less': 1.25 },
      }),
    );
    const doc = asJson(await provenStatement(deps, id.talent, '2035-06'));
    // The statement adds up (it is built from the table as it now is), but its line is not what was sealed.
    expect(doc.totals.find((t) => t.currency === 'USD')?.amount).toBe(1.55);
    const report = await verifyStatement(doc, jwks);
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([
      {
        position: doc.lines.findIndex((l) => l.refId === target.refId),
        recordId: usageRecordId(target as never),
        reason: expect.stringContaining('differs from the one sealed there'),
      },
    ]);
    expect(report.verified).toBe(6);
  });
});
