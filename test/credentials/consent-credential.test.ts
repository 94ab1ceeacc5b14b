import { CompactSign, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwksOf } from '../../shared/adapters/signing/jwk.ts';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import {
  C2PA_ASSERTION_LABEL,
  CREDENTIAL_TYP,
  MAX_CREDENTIAL_LIFETIME_SECONDS,
} from '../../shared/model/credentials/consent-credential.ts';
import { canonicalJsonBytes } from '../../shared/model/log/canonical-json.ts';
import { OUTBOUND_SCHEMAS } from '../../shared/model/events/outbound-schemas.ts';
import { checkCredentialGrants, verifyCredential, verifyTreeHead } from '../../verifier/index.ts';
import { grantDetail, ids, publicationDetail, renderDetail } from '../support/fixtures.ts';
import { world } from '../support/harness.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

/** A world whose approvals are signed with a fresh key, and that key's private JWK and public JWKS. */
async function signingWorld() {
  const w = world(NOW.toISOString());
  const privateJwk = await newPrivateJwk();
  const signer = await LocalKeySigner.fromJwk(privateJwk);
  w.deps.credentials = signer;
  return { w, privateJwk, jwks: jwksOf(await signer.publicJwk()) };
}

async function approvedRender() {
  const s = await signingWorld();
  const id = ids();
  await s.w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
  const render = renderDetail({ twinIds: [id.twin] });
  await s.w.send('Render Requested', render);
  const approved = s.w.publisher.ofType('Render Approved')[0]!;
  return { ...s, id, render, approved, credential: approved.credential as string };
}

/** Signs `claims` as a credential with `privateJwk`, for the tests of bad claims. */
async function sign(privateJwk: Record<string, unknown>, claims: unknown, typ = CREDENTIAL_TYP): Promise<string> {
  const key = await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256');
  return new CompactSign(canonicalJsonBytes(JSON.parse(JSON.stringify(claims))))
    .setProtectedHeader({ alg: 'ES256', kid: String(privateJwk['kid']), typ })
    .sign(key);
}

describe('consent credentials', () => {
  it('Render Approved carries one that verifies offline with the JWKS alone and states the decision', async () => {
    const { credential, jwks, approved, render, id } = await approvedRender();
    expect(OUTBOUND_SCHEMAS['Render Approved'].safeParse(approved).success).toBe(true);
    const verified = await verifyCredential(credential, jwks, { now: NOW, expect: { decisionId: approved.decisionId as string } });
    expect(verified).toEqual({
      ok: true,
      value: {
        kind: 'render',
        decisionId: approved.decisionId,
        requestId: render.requestId,
        twinIds: [id.twin],
        licensee: 'brand-hm',
        medium: 'image',
        modifications: ['garment', 'background'],
        grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
        issuedAt: NOW.toISOString(),
        // The grant ends before the 90-day cap.
        expiresAt: new Date(
          Math.min(NOW.getTime() + MAX_CREDENTIAL_LIFETIME_SECONDS * 1000, Date.parse('2026-12-31T23:59:59Z')),
        ).toISOString(),
        kid: jwks.keys[0]!.kid,
      },
    });
    // Small enough for a C2PA custom assertion.
    expect(credential.length).toBeLessThan(2048);
    expect(C2PA_ASSERTION_LABEL).toBe('com.twinguard.consent-credential');
  });

  it('Publication Approved carries one with channel and territories, expiring with the earliest grant', async () => {
    const { w, jwks } = await signingWorld();
    const [a, b] = [ids(), ids()];
    await w.send(
      'Consent Granted',
      grantDetail({ grantId: a.grant, twinId: a.twin, talentId: a.talent, validUntil: '2026-03-20T00:00:00Z' }),
    );
    await w.send('Consent Granted', grantDetail({ grantId: b.grant, twinId: b.twin, talentId: b.talent }));
    const pub = publicationDetail({ twinIds: [a.twin, b.twin] });
    await w.send('Publication Requested', pub);
    const approved = w.publisher.ofType('Publication Approved')[0]!;
    expect(OUTBOUND_SCHEMAS['Publication Approved'].safeParse(approved).success).toBe(true);
    const verified = await verifyCredential(approved.credential, jwks, {
      now: NOW,
      expect: { publicationId: pub.publicationId, twinId: b.twin },
    });
    expect(verified.ok && verified.value).toMatchObject({
      kind: 'publication',
      publicationId: pub.publicationId,
      assetId: pub.assetId,
      channel: 'instagram',
      territories: ['SE', 'DE'],
      modifications: ['garment'],
      expiresAt: '2026-03-20T00:00:00.000Z',
    });
    expect(verified.ok && verified.value.grants.map((g) => g.grantId).sort()).toEqual([a.grant, b.grant].sort());
    // The day it expires, it no longer verifies.
    expect(await verifyCredential(approved.credential, jwks, { now: new Date('2026-03-20T00:00:00Z') })).toEqual({
      ok: false,
      reason: 'the credential expired at 2026-03-20T00:00:00.000Z',
    });
  });

  it('a denial and an approval without a key carry none', async () => {
    const { w } = await signingWorld();
    const id = ids();
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(w.publisher.ofType('Render Denied')[0]).not.toHaveProperty('credential');
    const unsigned = world(NOW.toISOString());
    await unsigned.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    await unsigned.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(unsigned.publisher.ofType('Render Approved')[0]).not.toHaveProperty('credential');
  });

  it('online, a credential whose grant was since revoked is refused, naming the grant', async () => {
    const { w, credential, jwks, id } = await approvedRender();
    const verified = await verifyCredential(credential, jwks, { now: NOW });
    if (!verified.ok) throw new Error(verified.reason);
    const reader = (grantId: string) => w.deps.store.grantState(grantId);
    expect(await checkCredentialGrants(verified.value, reader)).toEqual({ ok: true, value: true });
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T12:00:30Z' });
    expect(await checkCredentialGrants(verified.value, reader)).toEqual({
      ok: false,
      reason: `grant ${id.grant} (twin ${id.twin}) was revoked at 2026-03-01T12:00:30Z`,
    });
    expect(await checkCredentialGrants(verified.value, async () => undefined)).toEqual({
      ok: false,
      reason: `grant ${id.grant} is unknown`,
    });
    expect(
      await checkCredentialGrants(verified.value, async () => {
        throw new Error('table unreachable');
      }),
    ).toEqual({ ok: false, reason: `the state of grant ${id.grant} cannot be read: table unreachable` });
  });

  it('refuses, with the reason, one for another record, signed by another key, altered, or a tree head', async () => {
    const { credential, jwks, approved, privateJwk } = await approvedRender();
    const reasonOf = async (jws: unknown, keys: unknown = jwks, about = {}) => {
      const r = await verifyCredential(jws, keys, { now: NOW, expect: about });
      return r.ok ? 'ok' : r.reason;
    };
    expect(await reasonOf(credential, jwks, { decisionId: 'dec-other' })).toBe(
      `the credential is for decisionId ${approved.decisionId}, not dec-other`,
    );
    expect(await reasonOf(credential, jwks, { requestId: 'r-other' })).toMatch(/^the credential is for requestId .*, not r-other$/);
    expect(await reasonOf(credential, jwks, { publicationId: 'p-1' })).toBe('the credential is for publicationId (none), not p-1');
    expect(await reasonOf(credential, jwks, { twinId: 'twin-other' })).toMatch(/^the credential does not cover twin twin-other/);

    const other = jwksOf(await (await LocalKeySigner.fromJwk(await newPrivateJwk())).publicJwk());
    expect(await reasonOf(credential, other)).toMatch(/^the credential was signed by key .*, which is not among the given public keys$/);
    const [h, p, s] = credential.split('.');
    const altered = JSON.parse(Buffer.from(p!, 'base64url').toString());
    altered.twinIds = ['twin-someone-else'];
    expect(await reasonOf(`${h}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${s}`)).toBe(
      'the credential signature does not verify: it was altered or signed by another key',
    );
    const head = await sign(privateJwk, { origin: 'twinguard', treeSize: 1 }, 'twinguard-tree-head+jws');
    expect(await reasonOf(head)).toBe(`the JWS is a twinguard-tree-head+jws document, not a consent credential (${CREDENTIAL_TYP})`);
    // And the other way round: a credential is no tree head.
    expect(await verifyTreeHead(credential, jwks)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a tree head/) });
  });

  it('refuses malformed input with the reason and never throws', async () => {
    const { credential, jwks, privateJwk } = await approvedRender();
    const reasonOf = async (jws: unknown, keys: unknown = jwks) => {
      const r = await verifyCredential(jws, keys, { now: NOW });
      return r.ok ? 'ok' : r.reason;
    };
    expect(await reasonOf(undefined)).toBe('the credential is not a string');
    expect(await reasonOf(42)).toBe('the credential is not a string');
    expect(await reasonOf('')).toBe('the credential is not a compact JWS');
    expect(await reasonOf('a.b')).toBe('the credential is not a compact JWS');
    expect(await reasonOf('a.b.c.d')).toBe('the credential is not a compact JWS');
    expect(await reasonOf('é.b.c')).toBe('the credential is not a compact JWS');
    expect(await reasonOf('x'.repeat(300_000))).toBe('the credential is longer than 16384 characters');
    expect(await reasonOf('abc.def.ghi')).toMatch(/^the credential's header cannot be read/);
    expect(await reasonOf(credential, { keys: 'none' })).toMatch(/^the public keys are not a JWKS document/);
    expect(await reasonOf(credential, null)).toMatch(/^the public keys are not a JWKS document/);
    const [h, p] = credential.split('.');
    expect(await reasonOf(`${h}.${p}.AAAA`)).toMatch(/^the credential signature (does not verify|cannot be checked)/);

    // Signed by the right key, but wrong inside.
    const good = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const cases: [unknown, string][] = [
      ['just text', 'the signed credential is not an object'],
      [null, 'the signed credential is not an object'],
      [[1, 2], 'the signed credential is not an object'],
      [{ ...good, iss: 'someone' }, 'the signed credential was not issued by twinguard'],
      [{ ...good, kind: 'placement' }, 'the signed credential names no kind of decision (render or publication)'],
      [{ ...good, decisionId: '' }, 'the signed credential has no decisionId'],
      [{ ...good, requestId: undefined }, 'the signed credential is for a render but names no requestId'],
      [{ ...good, channel: 7 }, 'the signed credential has a channel that is not text'],
      [{ ...good, twinIds: [] }, 'the signed credential names no twins'],
      [{ ...good, modifications: 'all' }, 'the signed credential has no list of modifications'],
      [{ ...good, territories: [1] }, 'the signed credential has territories that are not a list of text'],
      [{ ...good, grants: [] }, 'the signed credential names no grants'],
      [
        { ...good, grants: [{ twinId: 't', grantId: 'g', version: 0 }] },
        'the signed credential has a grant that is not { twinId, grantId, version }',
      ],
      [{ ...good, grants: [null] }, 'the signed credential has a grant that is not { twinId, grantId, version }'],
      [{ ...good, exp: '2027' }, 'the signed credential has no issue or expiry time (iat, exp in seconds)'],
      [{ ...good, iat: 1.5 }, 'the signed credential has no issue or expiry time (iat, exp in seconds)'],
      [{ ...good, iat: good.iat + 3600 }, `the credential is issued in the future (${new Date((good.iat + 3600) * 1000).toISOString()})`],
    ];
    for (const [claims, reason] of cases) expect(await reasonOf(await sign(privateJwk, claims))).toBe(reason);
    const key = await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256');
    const notJson = await new CompactSign(new TextEncoder().encode('{not json'))
      .setProtectedHeader({ alg: 'ES256', kid: String(privateJwk['kid']), typ: CREDENTIAL_TYP })
      .sign(key);
    expect(await reasonOf(notJson)).toBe('the signed credential is not JSON');
  });

  it('the outbound schemas refuse a credential that is not a compact JWS', () => {
    const detail = { requestId: 'r', twinIds: ['t'], licensee: 'l', decisionId: 'd', grants: [] };
    expect(OUTBOUND_SCHEMAS['Render Approved'].safeParse({ ...detail, credential: 'not a jws' }).success).toBe(false);
    expect(OUTBOUND_SCHEMAS['Render Approved'].safeParse({ ...detail, credential: 'a.b.c' }).success).toBe(true);
    expect(OUTBOUND_SCHEMAS['Render Approved'].safeParse(detail).success).toBe(true);
  });
});
