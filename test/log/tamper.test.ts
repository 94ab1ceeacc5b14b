import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import { TREE_HEAD_TYP, treeHeadPayload } from '../../shared/model/log/tree-head.ts';
import { auditLog } from '../../shared/use-cases/audit-log.ts';
import { exportTwinLog, proveRecord } from '../../shared/use-cases/log-proofs.ts';
import { sealLog } from '../../shared/use-cases/seal-log.ts';
import { main } from '../../local/cli/log.ts';
import { verifyExport, verifyInclusionProof } from '../../verifier/index.ts';
import { grantDetail, ids, renderDetail } from '../support/fixtures.ts';
import { auditOf, db, tables, world } from '../support/harness.ts';
import { later, logOf } from '../support/log.ts';

/** A twin with a grant and three renders (audit and usage lines), all sealed. */
async function sealedTwin() {
  const w = world('2026-03-01T12:00:00Z');
  const id = ids();
  const log = await logOf(w);
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, aiDisclosureRequired: false }));
  for (let i = 0; i < 3; i++) {
    later(w, 1);
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
  }
  later(w, 60);
  await sealLog(log.deps);
  return { w, id, ...log, decisions: w.publisher.ofType('Render Approved').map((d) => d.decisionId as string) };
}

const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe('tampering with the audit table after sealing', () => {
  it('a per-twin export verifies offline, usage lines included, with only the JWKS', async () => {
    const { w, id, deps, jwks } = await sealedTwin();
    const doc = asJson(await exportTwinLog({ log: deps.log, consent: w.deps.store, clock: w.clock }, id.twin));
    // In log order: the grant, then each render's decision and usage line, as each transaction wrote them.
    expect(doc.records.map((r) => r.record['type'])).toEqual(['audit', 'audit', 'usage', 'audit', 'usage', 'audit', 'usage']);
    expect(doc.unsealed).toEqual([]);
    expect(await verifyExport(doc, jwks)).toMatchObject({ ok: true, verified: 7, failures: [], unsealed: 0, twinId: id.twin });
    // Another log's key does not verify it.
    const other = await logOf(world());
    expect(await verifyExport(doc, other.jwks)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not among the given public keys'),
    });
  });

  it('a record changed in DynamoDB after sealing fails verification, which names its leaf, twin and record', async () => {
    const { w, id, deps, jwks, decisions } = await sealedTwin();
    const [before] = (await proveRecord(deps, { recordId: `render-decision:${decisions[1]}` })).proofs;
    const target = (await auditOf(id.twin)).find((r) => r.recordId === `render-decision:${decisions[1]}`)!;
    // The brand quietly turns an approval into a denial.
    await db.send(
      new UpdateCommand({
        TableName: tables.audit,
        Key: { pk: target.pk, sk: target.sk },
        UpdateExpression: 'SET outcome = :denied',
        ExpressionAttributeValues: { ':denied': 'denied' },
      }),
    );
    const audit = await auditLog(deps);
    expect(audit.intact).toBe(false);
    expect(audit.findings).toEqual([
      {
        leafIndex: before!.leafIndex,
        key: { pk: target.pk, sk: target.sk },
        problem: 'altered',
        detail: expect.stringContaining(target.sk),
      },
    ]);
    // The agency's archived proof still holds the original record: it verifies, and the altered one does not.
    expect((await verifyInclusionProof(asJson(before), jwks)).ok).toBe(true);
    const altered = asJson({ ...before!, record: { ...before!.record, outcome: 'denied' } });
    expect(await verifyInclusionProof(altered, jwks)).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`leaf ${before!.leafIndex}`),
    });
    // A fresh export carries the altered record: it fails, naming it.
    const doc = asJson(await exportTwinLog({ log: deps.log, consent: w.deps.store, clock: w.clock }, id.twin));
    const report = await verifyExport(doc, jwks);
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([
      expect.objectContaining({
        leafIndex: before!.leafIndex,
        record: expect.stringContaining(`render-decision:${decisions[1]}`),
        reason: expect.stringContaining('differs from the one sealed'),
      }),
    ]);
    expect(report.verified).toBe(6);
  });

  it('a record deleted after sealing is reported by the store check; one forged afterwards is never proven', async () => {
    const { w, id, deps, jwks, decisions } = await sealedTwin();
    const target = (await auditOf(id.twin)).find((r) => r.recordId === `render-decision:${decisions[0]}`)!;
    await db.send(new DeleteCommand({ TableName: tables.audit, Key: { pk: target.pk, sk: target.sk } }));
    // A forged line written straight into the table, bypassing the marker: it is in no tree.
    const forged = { ...target, sk: target.sk.replace(decisions[0]!, 'forged'), recordId: 'render-decision:forged' };
    await db.send(new PutCommand({ TableName: tables.audit, Item: forged }));
    const audit = await auditLog(deps);
    expect(audit.findings).toEqual([expect.objectContaining({ problem: 'deleted', key: { pk: target.pk, sk: target.sk } })]);
    const doc = asJson(await exportTwinLog({ log: deps.log, consent: w.deps.store, clock: w.clock }, id.twin));
    expect(doc.unsealed.map((r) => r['recordId'])).toEqual(['render-decision:forged']);
    expect(await verifyExport(doc, jwks)).toMatchObject({ ok: true, verified: 6, unsealed: 1 });
    // Offered as sealed at the deleted record's leaf, it fails.
    const leafIndex = audit.findings[0]!.leafIndex;
    const claimed = { ...doc, records: [...doc.records, { leafIndex, record: forged, proof: doc.records[0]!.proof }] };
    expect(await verifyExport(claimed, jwks)).toMatchObject({ ok: false, failures: [expect.objectContaining({ leafIndex })] });
  });

  it('a head signed by another key, with another typ, or altered, and malformed proofs are refused with the reason', async () => {
    const { deps, jwks, decisions } = await sealedTwin();
    const [proof] = (await proveRecord(deps, { recordId: `render-decision:${decisions[2]}` })).proofs;
    const good = asJson(proof!);
    const stranger = await LocalKeySigner.fromJwk(await newPrivateJwk());
    const forgedHead = await stranger.sign(treeHeadPayload(good.treeHead), TREE_HEAD_TYP);
    const credential = await (await LocalKeySigner.fromJwk(await newPrivateJwk())).sign(treeHeadPayload(good.treeHead), 'other+jwt');
    const [h, , s] = good.treeHead.jws.split('.');
    const bigger = Buffer.from(JSON.stringify({ ...good.treeHead, treeSize: 99, jws: undefined })).toString('base64url');
    const cases: [unknown, RegExp][] = [
      [{ ...good, treeHead: { ...good.treeHead, jws: forgedHead } }, /not among the given public keys/],
      [{ ...good, treeHead: { ...good.treeHead, jws: credential } }, /not a tree head/],
      [{ ...good, treeHead: { ...good.treeHead, jws: `${h}.${bigger}.${s}` } }, /does not verify/],
      [{ ...good, treeHead: { ...good.treeHead, treeSize: 99 } }, /differs from what was signed/],
      [{ ...good, leafIndex: good.leafIndex + 1 }, /leaf/],
      [{ ...good, proof: good.proof.slice(1) }, /shorter|differs/],
      [{ ...good, proof: ['not base64'] }, /not a list of base64/],
      [{ ...good, record: { ...good.record, extra: '\ud800' } }, /cannot be canonicalized/],
      [{ ...good, format: 'something' }, /not an inclusion proof/],
      [null, /not an inclusion proof/],
      [{ ...good, treeHead: { jws: 'a.b' } }, /not a compact JWS/],
    ];
    for (const [doc, reason] of cases)
      expect((await verifyInclusionProof(doc, jwks)) as { reason?: string }).toMatchObject({
        ok: false,
        reason: expect.stringMatching(reason),
      });
    expect(await verifyInclusionProof(good, { keys: 'nope' })).toMatchObject({ ok: false, reason: expect.stringMatching(/not a JWKS/) });
  });

  it('the log CLI verifies an export offline and fails, naming the record, once it is altered', async () => {
    const { w, id, deps, jwks } = await sealedTwin();
    const dir = await mkdtemp(join(tmpdir(), 'log-cli-'));
    const jwksFile = join(dir, 'jwks.json');
    const exportFile = join(dir, 'export.json');
    await writeFile(jwksFile, JSON.stringify(jwks));
    const doc = asJson(await exportTwinLog({ log: deps.log, consent: w.deps.store, clock: w.clock }, id.twin));
    await writeFile(exportFile, JSON.stringify(doc));
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (l: string) => out.push(l) };
    expect(await main(['verify', exportFile, '--jwks', jwksFile], io)).toBe(0);
    expect(out.join('\n')).toContain(`twin ${id.twin}: 7 record(s) proven`);
    doc.records[2]!.record['outcome'] = 'denied';
    await writeFile(exportFile, JSON.stringify(doc));
    out.length = 0;
    expect(await main(['verify', exportFile, '--jwks', jwksFile], io)).toBe(1);
    const { pk, sk } = doc.records[2]!.record;
    expect(out.join('\n')).toContain(`FAILED record 2 (${pk} ${sk}`);
    expect(out.join('\n')).toContain(`: leaf ${doc.records[2]!.leafIndex}: the record differs`);
    expect(await main(['verify'], io)).toBe(2);
  });
});
