import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main as certificateCli } from '../../local/cli/certificate.ts';
import { HttpRemovalChecker } from '../../shared/adapters/http/http-removal-checker.ts';
import { jwksOf } from '../../shared/adapters/signing/jwk.ts';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import { TREE_HEAD_TYP } from '../../shared/model/log/tree-head.ts';
import {
  type CertificateEntry,
  MAX_PAGE_BYTES,
  MAX_PAGE_ENTRIES,
  paginate,
  REMOVAL_CERTIFICATE_FORMAT,
} from '../../shared/model/removal-certificate.ts';
import { parseBatchTakedownId, requestedRecordId } from '../../shared/model/takedown-batch.ts';
import type { Deps } from '../../shared/ports/deps.ts';
import type { Signer } from '../../shared/ports/signer.ts';
import { certificateProofs, certificateRecordIds } from '../../shared/use-cases/certificate-proofs.ts';
import { proveRecord } from '../../shared/use-cases/log-proofs.ts';
import { certificateCheck, issueRemovalCertificate } from '../../shared/use-cases/removal-certificate.ts';
import { sealLog } from '../../shared/use-cases/seal-log.ts';
import { certificateDocument } from '../../shared/use-cases/queries/removal-certificates.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { verifyDocument, verifyExport, verifyRemovalCertificate } from '../../verifier/index.ts';
import { grantDetail, ids } from '../support/fixtures.ts';
import { auditOf, db, tables, world } from '../support/harness.ts';
import { later, logOf } from '../support/log.ts';
import { runReevaluations } from '../support/reevaluations.ts';
import { approvedPublication, seedPlacements, seedPublication } from '../support/seed.ts';
import { startSite, type SiteServer } from './site-server.ts';

let site: SiteServer;
beforeAll(async () => {
  site = await startSite();
});
afterAll(() => site.close());

/** Two looks a minute apart: a URL still served is unverified at the second. */
const SCHEDULE = { checks: 2, intervalSeconds: 60 };

/** A signer that fails its next `failNext` signatures: a crash before the certificate is committed. */
class FlakySigner implements Signer {
  failNext = 0;
  constructor(private readonly inner: Signer) {}
  publicJwk() {
    return this.inner.publicJwk();
  }
  async sign(payload: Uint8Array, typ: string): Promise<string> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the process died while signing');
    }
    return this.inner.sign(payload, typ);
  }
}

/**
 * A twin with one grant and live placements seeded into DynamoDB Local, in groups: each
 * group's placements have the same URL of the local site (or none). The sweeper is wired
 * as the local runtime wires it (loopback allowed) with a fresh log key.
 */
async function twinWithPlacements(groups: { name: string; count: number; path?: string }[]) {
  const w = world('2036-04-01T12:00:00Z', 600, { removalSchedule: SCHEDULE });
  const id = ids();
  await w.send(
    'Consent Granted',
    grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2040-01-01T00:00:00Z' }),
  );
  const publication = approvedPublication(id.u, id.twin, id.grant, { channel: 'web', decidedAt: '2036-03-01T08:00:00Z' });
  await seedPublication(db, tables.consent, publication);
  const group = new Map<string, string>();
  for (const g of groups) {
    const placements = await seedPlacements(db, tables.consent, {
      count: g.count,
      prefix: `${g.name}-${id.u}`,
      publication,
      reliesOn: publication.grants,
      channels: ['web', 'instagram'],
      ...(g.path === undefined ? {} : { url: site.url(g.path) }),
    });
    for (const p of placements) group.set(p.placementId, g.name);
  }
  const signer = new FlakySigner(await LocalKeySigner.fromJwk(await newPrivateJwk()));
  const jwks = jwksOf(await signer.publicJwk());
  const deps: Deps = { ...w.deps, credentials: signer, removal: new HttpRemovalChecker({ allowLocal: true, timeoutMs: 1_000 }) };
  const revoke = async () => {
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2036-04-01T12:00:00Z' });
    await runReevaluations(deps, w.publisher);
  };
  /** The channels report each takedown: completed, except the groups named in `failing` (a final failure). */
  const report = async (failing: string[] = []) => {
    for (const t of w.publisher.ofType('Takedown Requested')) {
      const facts = { takedownId: t.takedownId, assetId: t.assetId, channel: t.channel, placementId: t.placementId };
      if (failing.includes(group.get(t.placementId)!))
        expect(await w.send('Takedown Failed', { ...facts, error: 'HTTP 403: not your content', final: true, attempts: 5 })).toBe(
          'processed',
        );
      else expect(await w.send('Takedown Completed', { ...facts, completedAt: '2036-04-01T12:00:30Z' })).toBe('processed');
    }
  };
  /** Sweeps a minute apart until nothing is due in the next hour, as the deployed schedule would. */
  const sweepUntilSettled = async () => {
    for (let i = 0; i < 30; i++) {
      await sweepDue(deps);
      const left = (await deps.due.due(new Date(w.clock.now().getTime() + 3_600_000), 500)).filter((d) => d.kind !== 'takedown-deadline');
      if (left.length === 0) return;
      w.clock.set(new Date(w.clock.now().getTime() + 60_000).toISOString());
    }
    throw new Error('still due after 30 sweeps');
  };
  const jobId = `revoked#${id.grant}`;
  return { ...w, id, deps, signer, jwks, group, revoke, report, sweepUntilSettled, jobId };
}

describe('certificate of removal', () => {
  it('a revocation of a twin with 60 placements ends in one signed certificate listing each with its outcome', async () => {
    const t = await twinWithPlacements([
      { name: 'gone', count: 20, path: '/gone' },
      { name: 'missing', count: 10, path: '/missing' },
      { name: 'live', count: 10, path: '/live' },
      { name: 'nourl', count: 19 },
      { name: 'failing', count: 1, path: '/live' },
    ]);
    await t.revoke();
    expect(t.publisher.ofType('Takedown Requested')).toHaveLength(60);
    await t.report(['failing']);
    await t.sweepUntilSettled();

    const issued = t.publisher.ofType('Removal Certificate Issued');
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      jobId: t.jobId,
      cause: 'CONSENT_REVOKED',
      grantId: t.id.grant,
      version: 1,
      twinIds: [t.id.twin],
      revokedAt: '2036-04-01T12:00:00Z',
      placements: 60,
      outcomes: { verified: 30, unverified: 10, unverifiable: 19, failed: 1, closed: 0 },
      pages: 1,
    });
    expect(t.publisher.ofType('Removal Verified')).toHaveLength(30);
    expect(t.publisher.ofType('Removal Unverified')).toHaveLength(10);

    // Retrievable by grant id, and verifiable offline with the JWKS alone.
    const stored = await t.deps.certificates!.certificatesOfGrant(t.id.grant);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.jws).toBe(issued[0]!.certificate);
    const doc = await certificateDocument(t.deps.certificates!, stored[0]!);
    expect(doc.format).toBe(REMOVAL_CERTIFICATE_FORMAT);
    const verified = await verifyRemovalCertificate(JSON.parse(JSON.stringify(doc)), t.jwks, { expect: { grantId: t.id.grant } });
    if (!verified.ok) throw new Error(verified.reason);
    const entries = verified.value.entries!;
    expect(entries).toHaveLength(60);
    const requested = new Map(t.publisher.ofType('Takedown Requested').map((r) => [r.placementId, r]));
    expect(new Set(entries.map((e) => e.placementId))).toEqual(new Set(requested.keys()));
    const expected = { gone: 'verified', missing: 'verified', live: 'unverified', nourl: 'unverifiable', failing: 'failed' };
    for (const e of entries) {
      const name = t.group.get(e.placementId) as keyof typeof expected;
      expect(e.outcome, e.placementId).toBe(expected[name]);
      expect(e.takedownId).toBe(requested.get(e.placementId)!.takedownId);
      expect(e.channel).toBe(requested.get(e.placementId)!.channel);
      expect(e.requestedAt).toBe('2036-04-01T12:00:00.000Z');
      // Requested in its batch's line, which lists it.
      expect(e.records[0]).toBe(`takedown:${parseBatchTakedownId(e.takedownId)!.batchId}#requested`);
      if (name === 'nourl' || name === 'failing') expect(e.verifiedAt).toBeUndefined();
      if (name === 'nourl') expect(e.url).toBeUndefined();
      if (name === 'failing') expect(e).toMatchObject({ error: 'HTTP 403: not your content', url: site.url('/live') });
      if (name === 'gone')
        expect(e).toMatchObject({ url: site.url('/gone'), completedAt: '2036-04-01T12:00:30Z', checks: 1, finding: 'HTTP 410' });
      if (name === 'missing') expect(e).toMatchObject({ checks: 1, finding: 'HTTP 404' });
      if (name === 'live') expect(e).toMatchObject({ checks: 2, finding: 'HTTP 200' });
      if (e.verifiedAt !== undefined)
        expect(e.records).toEqual([
          requestedRecordId(e.takedownId),
          `takedown:${e.takedownId}#completed`,
          `takedown:${e.takedownId}#removal`,
        ]);
    }
    // 60 takedowns, requested in 6 batches of 10: the certificate's records name each batch's line once.
    const batchLines = new Set(entries.map((e) => e.records[0]));
    expect(batchLines.size).toBe(6);
    const listed = (await auditOf(t.id.twin)).filter((a) => batchLines.has(a.recordId));
    expect(listed.flatMap((l) => l.request.takedowns.map((x: { takedownId: string }) => x.takedownId)).sort()).toEqual(
      entries.map((e) => e.takedownId).sort(),
    );
    // The certificate is itself a record of the twin's audit trail, so the transparency log fixes it.
    const line = (await auditOf(t.id.twin)).filter((a) => a.kind === 'removal-certificate');
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({ recordId: `removal-certificate:${t.jobId}`, outcome: 'issued' });
    expect(line[0]!.request).toMatchObject({ certificateId: stored[0]!.certificateId, placements: 60 });

    // A duplicate trigger (a check scheduled again, the job's watchdog, a direct call) never issues a second.
    await t.deps.due.schedule(certificateCheck(t.jobId, t.clock.now()));
    t.clock.set(new Date(t.clock.now().getTime() + 60_000).toISOString());
    await sweepDue(t.deps);
    expect(await issueRemovalCertificate(t.deps, t.jobId)).toEqual({ kind: 'duplicate' });
    t.clock.set('2036-04-02T12:00:00Z');
    await sweepDue(t.deps);
    expect(t.publisher.ofType('Removal Certificate Issued')).toHaveLength(1);
    expect(await t.deps.certificates!.certificatesOfGrant(t.id.grant)).toHaveLength(1);
  });

  it('is not issued while a takedown is open, and heals a crash between the last closure and the issue', async () => {
    const t = await twinWithPlacements([
      { name: 'nourl', count: 3 },
      { name: 'failing', count: 1 },
    ]);
    await t.revoke();
    // Three completed, one not reported yet: open, so no certificate, whatever is swept.
    const [last, ...rest] = t.publisher.ofType('Takedown Requested');
    for (const r of rest) {
      const facts = { takedownId: r.takedownId, assetId: r.assetId, channel: r.channel, placementId: r.placementId };
      await t.send('Takedown Completed', { ...facts, completedAt: '2036-04-01T12:00:30Z' });
    }
    t.clock.set('2036-04-01T12:01:00Z');
    await sweepDue(t.deps);
    expect(await issueRemovalCertificate(t.deps, t.jobId)).toEqual({ kind: 'open' });
    expect(t.publisher.ofType('Removal Certificate Issued')).toEqual([]);

    // The last closure commits the certificate's check with it: the process may die right after.
    const facts = { takedownId: last!.takedownId, assetId: last!.assetId, channel: last!.channel, placementId: last!.placementId };
    await t.send('Takedown Failed', { ...facts, error: 'gone for good', final: true, attempts: 3 });
    const due = await t.deps.due.due(new Date('2036-04-01T13:00:00Z'), 200);
    expect(due.filter((d) => d.kind === 'removal-certificate').map((d) => d.id)).toEqual([t.jobId]);

    // The sweeper that takes it up dies too (before the commit: signing fails); the item is set aside, not lost.
    t.signer.failNext = 1;
    t.clock.set('2036-04-01T12:02:00Z');
    const crashed = await sweepDue(t.deps);
    expect(crashed.failed.map((f) => f.kind)).toEqual(['removal-certificate']);
    expect(t.publisher.ofType('Removal Certificate Issued')).toEqual([]);

    // Then it commits, but the bus fails before the event is out: the receipt keeps it.
    t.publisher.failNext = 1;
    t.clock.set('2036-04-01T12:03:00Z');
    expect((await sweepDue(t.deps)).failed.map((f) => f.kind)).toEqual(['removal-certificate']);
    expect(t.publisher.ofType('Removal Certificate Issued')).toEqual([]);
    expect(await t.deps.certificates!.certificatesOfGrant(t.id.grant)).toHaveLength(1);

    // A later sweep finds the receipt, and emits what was committed: once.
    t.clock.set('2036-04-01T13:00:00Z');
    await sweepDue(t.deps);
    t.clock.set('2036-04-01T15:00:00Z');
    await sweepDue(t.deps);
    const issued = t.publisher.ofType('Removal Certificate Issued');
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ placements: 4, outcomes: { verified: 0, unverified: 0, unverifiable: 3, failed: 1, closed: 0 } });
    const [stored] = await t.deps.certificates!.certificatesOfGrant(t.id.grant);
    expect(stored!.jws).toBe(issued[0]!.certificate);
  });

  it('the verifier refuses a tampered, foreign-key or garbage certificate with the reason, and never throws', async () => {
    const t = await twinWithPlacements([{ name: 'nourl', count: 5 }]);
    await t.revoke();
    await t.report();
    await t.sweepUntilSettled();
    const [stored] = await t.deps.certificates!.certificatesOfGrant(t.id.grant);
    const doc = JSON.parse(JSON.stringify(await certificateDocument(t.deps.certificates!, stored!)));
    const reasonOf = async (input: unknown, keys: unknown = t.jwks, expect_ = {}) => {
      const r = await verifyRemovalCertificate(input, keys, { expect: expect_ });
      return r.ok ? 'ok' : r.reason;
    };
    expect(await reasonOf(doc)).toBe('ok');
    // The manifest alone (as the event carries it) verifies, without its placements.
    const manifestOnly = await verifyRemovalCertificate(doc.certificate, t.jwks);
    expect(manifestOnly.ok && [manifestOnly.value.placements, manifestOnly.value.entries]).toEqual([5, undefined]);

    const altered = structuredClone(doc);
    altered.pages[0].entries[2].outcome = 'verified';
    expect(await reasonOf(altered)).toMatch(/^the pages differ from the signed ones/);
    const dropped = structuredClone(doc);
    dropped.pages[0].entries.pop();
    expect(await reasonOf(dropped)).toMatch(/^the pages differ from the signed ones/);
    expect(await reasonOf({ ...doc, pages: [] })).toBe('the certificate has 0 page(s), but 1 were signed');
    expect(await reasonOf(doc, t.jwks, { grantId: 'grant-other' })).toBe(`the certificate is for grantId ${t.id.grant}, not grant-other`);

    const stranger = await LocalKeySigner.fromJwk(await newPrivateJwk());
    expect(await reasonOf(doc, jwksOf(await stranger.publicJwk()))).toMatch(
      /^the certificate was signed by key .*, which is not among the given public keys$/,
    );
    const [h, p, s] = (doc.certificate as string).split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, placements: 4 })).toString('base64url');
    expect(await reasonOf({ ...doc, certificate: `${h}.${forgedPayload}.${s}` })).toBe(
      'the certificate signature does not verify: it was altered or signed by another key',
    );
    const treeHead = await t.signer.sign(new TextEncoder().encode('{}'), TREE_HEAD_TYP);
    expect(await reasonOf(treeHead)).toMatch(/^the JWS is a twinguard-tree-head\+jws document, not a certificate of removal/);

    expect(await reasonOf(undefined)).toBe('the certificate is not a string');
    expect(await reasonOf(null)).toBe('the certificate is not a string');
    expect(await reasonOf(42)).toBe('the certificate is not a string');
    expect(await reasonOf({})).toMatch(/^not a certificate of removal/);
    expect(await reasonOf({ ...doc, certificate: 'x'.repeat(300_000) })).toBe('the certificate is longer than 16384 characters');
    expect(await reasonOf({ ...doc, pages: Array(300_000).fill(0) })).toBe('the certificate has more than 10000 pages');
    expect(await reasonOf({ ...doc, pages: [{ index: 0, entries: [{}] }] })).toBe('page 0, placement 0: has no channel');
    expect(await reasonOf({ ...doc, pages: 'pages' })).toBe('the certificate has no list of pages');
    expect(await reasonOf('a.b.c')).toMatch(/^the certificate's header cannot be read/);
    expect(await reasonOf(doc, { keys: 'none' })).toMatch(/^the public keys are not a JWKS document/);
    const signedGarbage = await t.signer.sign(new TextEncoder().encode('[1,2]'), 'twinguard-removal-certificate+jws');
    expect(await reasonOf(signedGarbage)).toBe('the signed certificate is not an object');
  });

  it('twinguard certificate --grant shows, verifies and writes the certificate; a foreign key fails it', async () => {
    const t = await twinWithPlacements([
      { name: 'gone', count: 2, path: '/gone' },
      { name: 'nourl', count: 2 },
    ]);
    await t.revoke();
    await t.report();
    await t.sweepUntilSettled();
    const dir = await mkdtemp(join(tmpdir(), 'certificate-'));
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(t.jwks));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await certificateCli(
        [...args, '--dynamodb-endpoint', inject('dynamoEndpoint'), '--table', tables.consent, '--region', 'us-east-1'],
        { out: (l) => out.push(l), err: (l) => err.push(l) },
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const text = await run('--grant', t.id.grant, '--jwks', jwksFile, '--out', join(dir, 'cert.json'));
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/4 placement\(s\): 2 verified, 0 unverified, 2 unverifiable, 0 failed, 0 closed/);
    expect(text.out).toMatch(/verified: signed by key .*; its 4 placement\(s\) match the signed pages/);
    expect(text.out.split('\n').filter((l) => /^ {2}(verified|unverifiable) /.test(l))).toHaveLength(4);
    const written = JSON.parse(await readFile(join(dir, 'cert.json'), 'utf8'));
    expect((await verifyRemovalCertificate(written, t.jwks)).ok).toBe(true);
    const json = await run('--grant', t.id.grant, '--json');
    expect(JSON.parse(json.out)).toEqual(written);
    // --proofs writes the records' export; this world's log is its own, so here none is sealed in the table's default log.
    const proofsFile = join(dir, 'proofs.json');
    const proven = await run('--grant', t.id.grant, '--proofs', proofsFile, '--audit-table', tables.audit);
    expect(proven.code).toBe(0);
    // 4 takedowns of one batch: 1 requested line, 4 completions, 2 removal outcomes, the certificate's line.
    expect(proven.out).toContain(`proofs of 0 record(s) written to ${proofsFile}; 8 not sealed yet`);
    const exported = JSON.parse(await readFile(proofsFile, 'utf8'));
    expect(exported).toMatchObject({ format: 'twinguard.log-export/v1', twinId: t.id.twin, records: [] });
    expect(exported.unsealed.map((r: { recordId: string }) => r.recordId)).toContain(`removal-certificate:${t.jobId}`);

    const strangerJwks = join(dir, 'stranger.json');
    await writeFile(strangerJwks, JSON.stringify(jwksOf(await (await LocalKeySigner.fromJwk(await newPrivateJwk())).publicJwk())));
    const foreign = await run('--grant', t.id.grant, '--jwks', strangerJwks);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/does NOT verify: the certificate was signed by key .*, which is not among the given public keys/);
    const none = await run('--grant', `grant-none-${t.id.u}`);
    expect([none.code, none.err]).toEqual([1, expect.stringMatching(/^no certificate of removal for grant grant-none-.* yet/)]);
    expect((await run()).code).toBe(2);
  });

  it('the records a certificate lists are proven against the log once sealed: every one, as an export the verifier checks', async () => {
    const t = await twinWithPlacements([
      { name: 'gone', count: 3, path: '/gone' },
      { name: 'nourl', count: 2 },
    ]);
    await t.revoke();
    await t.report();
    await t.sweepUntilSettled();
    const [stored] = await t.deps.certificates!.certificatesOfGrant(t.id.grant);
    const doc = await certificateDocument(t.deps.certificates!, stored!);
    const ids = certificateRecordIds(doc);
    // The batch's requested line, completed for each, a removal outcome for the three with a URL, and the certificate's own line.
    expect(ids).toHaveLength(1 + 5 + 3 + 1);
    const batchLine = requestedRecordId(doc.pages[0]!.entries[0]!.takedownId);
    expect(ids.filter((i) => i.endsWith('#requested'))).toEqual([batchLine]);

    const log = await logOf(t);
    const before = await certificateProofs({ log: log.deps.log, clock: t.clock }, t.id.twin, doc);
    expect([before.records.length, before.unsealed.length, before.treeHead]).toEqual([0, ids.length, null]);
    later(t, 60);
    await sealLog(log.deps);
    const proofs = await certificateProofs({ log: log.deps.log, clock: t.clock }, t.id.twin, doc);
    expect(proofs.unsealed).toEqual([]);
    expect(proofs.records.map((r) => r.record['recordId']).sort()).toEqual([...ids].sort());
    const report = await verifyExport(JSON.parse(JSON.stringify(proofs)), log.jwks);
    expect(report).toMatchObject({ ok: true, verified: ids.length, failures: [] });
    const proven = proofs.records.find((r) => r.record['recordId'] === batchLine)!.record;
    expect((proven['request'] as { takedowns: { takedownId: string }[] }).takedowns.map((x) => x.takedownId).sort()).toEqual(
      doc.pages[0]!.entries.map((e) => e.takedownId).sort(),
    );
    // A reviewer holding one takedown's id proves its request by that id: the batch's line.
    const one = doc.pages[0]!.entries[3]!.takedownId;
    const byTakedown = await proveRecord(log.deps, { recordId: `takedown:${one}#requested` });
    expect(byTakedown.unsealed).toEqual([]);
    expect(byTakedown.proofs.map((p) => p.record['recordId'])).toEqual([batchLine]);
    expect((await verifyDocument(JSON.parse(JSON.stringify(byTakedown.proofs[0])), log.jwks)).ok).toBe(true);
    // A record altered after sealing fails its proof, and the report names it.
    const altered = JSON.parse(JSON.stringify(proofs));
    altered.records[0].record.outcome = 'forged';
    const failed = await verifyExport(altered, log.jwks);
    expect(failed.ok).toBe(false);
    expect(failed.failures[0]!.reason).toMatch(/the record differs from the one sealed there/);
  });

  it('cuts the placements into pages bounded by count and by size, in a fixed order', () => {
    const entry = (i: number, url: string): CertificateEntry => ({
      channel: i % 2 === 0 ? 'web' : 'instagram',
      placementId: `p-${String(i).padStart(5, '0')}`,
      assetId: 'a',
      url,
      takedownId: `td-${i}`,
      requestedAt: '2036-04-01T12:00:00.000Z',
      outcome: 'unverifiable',
      records: [`takedown:td-${i}#requested`],
    });
    const small = paginate(Array.from({ length: 450 }, (_, i) => entry(449 - i, 'https://x.example/p')));
    expect(small.map((p) => [p.index, p.entries.length])).toEqual([
      [0, MAX_PAGE_ENTRIES],
      [1, MAX_PAGE_ENTRIES],
      [2, 50],
    ]);
    expect(small[0]!.entries[0]!.placementId).toBe('p-00001'); // instagram sorts first, then by placement
    const large = paginate(Array.from({ length: 300 }, (_, i) => entry(i, `https://x.example/${'y'.repeat(2_000)}`)));
    expect(large.length).toBeGreaterThan(3);
    for (const page of large) expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(MAX_PAGE_BYTES + 10_000);
    expect(large.reduce((n, p) => n + p.entries.length, 0)).toBe(300);
  });
});
