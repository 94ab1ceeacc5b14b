import { describe, expect, it } from 'vitest';
import { grantDetail, ids, publicationDetail, renderDetail } from '../support/fixtures.ts';
import { auditOf, usageOf, world } from '../support/harness.ts';

async function granted(over: Record<string, unknown> = {}) {
  const w = world();
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, ...over }));
  return { ...w, id };
}

describe('Render Requested', () => {
  it('approves a covered render, meters it for the talent and audits it', async () => {
    const { send, publisher, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    await send('Render Requested', render);
    const approved = publisher.ofType('Render Approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({
      requestId: render.requestId,
      twinIds: [id.twin],
      grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
    });
    expect(approved[0]!.decisionId).toMatch(/^dec-/);
    expect(publisher.ofType('Usage Recorded')).toEqual([
      { talentId: id.talent, twinId: id.twin, grantId: id.grant, kind: 'render', amount: 50, currency: 'EUR', refId: render.requestId },
    ]);
    expect(await usageOf(id.talent)).toMatchObject([{ kind: 'render', amount: 50, refId: render.requestId }]);
    expect(await auditOf(id.twin)).toContainEqual(
      expect.objectContaining({
        kind: 'render-decision',
        outcome: 'approved',
        recordId: `render-decision:${approved[0]!.decisionId}`,
        grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
      }),
    );
  });

  it.each([
    ['MEDIUM_NOT_ALLOWED', { medium: 'audio' }],
    ['MODIFICATION_NOT_ALLOWED', { modifications: ['age'] }],
  ])('denies with %s', async (code, over) => {
    const { send, publisher, id } = await granted();
    await send('Render Requested', renderDetail({ twinIds: [id.twin], ...over }));
    expect(publisher.ofType('Render Denied')[0]!.reasons).toMatchObject([
      { twinId: id.twin, code, grantId: id.grant, message: expect.any(String) },
    ]);
    expect(publisher.ofType('Usage Recorded')).toEqual([]);
  });

  it.each([
    ['CONSENT_NOT_YET_VALID', { validFrom: '2026-06-01T00:00:00Z' }],
    ['CONSENT_EXPIRED', { validUntil: '2026-02-01T00:00:00Z' }],
  ])('denies with %s outside the validity window', async (code, over) => {
    const { send, publisher, id } = await granted(over);
    await send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(publisher.ofType('Render Denied')[0]!.reasons.map((r: any) => r.code)).toEqual([code]);
  });

  it('denies with NO_CONSENT for a twin nobody granted', async () => {
    const { send, publisher } = world();
    await send('Render Requested', renderDetail({ twinIds: [`twin-nobody-${ids().u}`] }));
    expect(publisher.ofType('Render Denied')[0]!.reasons.map((r: any) => r.code)).toEqual(['NO_CONSENT']);
  });

  it('a render without modifications asks for none', async () => {
    const { send, publisher, id } = await granted({ scope: { media: ['image'], channels: ['*'], territories: ['*'], modifications: [] } });
    const { modifications: _none, ...render } = renderDetail({ twinIds: [id.twin] });
    await send('Render Requested', render);
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
  });

  it('checks every twin of a multi-twin render and pays each talent for their own twin', async () => {
    const { send, publisher, id } = await granted();
    await send(
      'Consent Granted',
      grantDetail({
        grantId: id.grant2,
        twinId: id.twin2,
        talentId: id.talent2,
        compensation: { currency: 'USD', perRender: 70, perPlacement: 1 },
      }),
    );
    await send('Render Requested', renderDetail({ twinIds: [id.twin, id.twin2] }));
    expect(publisher.ofType('Usage Recorded').map((u) => [u.talentId, u.amount, u.currency])).toEqual([
      [id.talent, 50, 'EUR'],
      [id.talent2, 70, 'USD'],
    ]);
    await send('Render Requested', renderDetail({ twinIds: [id.twin, id.twin2, 'twin-unknown'], medium: 'audio' }));
    expect(publisher.ofType('Render Denied')[0]!.reasons.map((r: any) => [r.twinId, r.code])).toEqual([
      [id.twin, 'MEDIUM_NOT_ALLOWED'],
      [id.twin2, 'MEDIUM_NOT_ALLOWED'],
      ['twin-unknown', 'NO_CONSENT'],
    ]);
  });

  it('a duplicate, by event id or by request id, changes nothing and emits nothing', async () => {
    const { send, publisher, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    await send('Render Requested', render, { id: `same-event-${id.u}` });
    expect(await send('Render Requested', render, { id: `same-event-${id.u}` })).toBe('duplicate');
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);
    expect(await usageOf(id.talent)).toHaveLength(1);
  });

  it('a duplicate a day later, after the grant was revoked, still emits nothing new', async () => {
    const { send, publisher, clock, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    await send('Render Requested', render);
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T13:00:00Z' });
    clock.set('2026-03-02T13:00:00Z');
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.ofType('Render Denied')).toEqual([]);
  });

  it('when the bus fails after the decision was stored, the redelivery emits the same decision', async () => {
    const { send, publisher, id } = await granted();
    const render = renderDetail({ twinIds: [id.twin] });
    publisher.failNext = 1;
    await expect(send('Render Requested', render)).rejects.toThrow('bus unavailable');
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
    expect(await send('Render Requested', render)).toBe('duplicate');
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
    expect(await usageOf(id.talent)).toHaveLength(1);
  });
});

describe('Confidentiality: a denial says only what the requester may know', () => {
  /** Everything a denial tells its requester, as one string to search. */
  const said = (denied: Record<string, any> | undefined) => JSON.stringify(denied?.reasons);

  it('a licensee without a grant for the twin gets NO_CONSENT, as if the twin had no grant at all', async () => {
    const { send, publisher, id } = await granted(); // brand-hm holds the only grant
    await send('Render Requested', renderDetail({ twinIds: [id.twin], licensee: 'brand-b' }));
    const nobody = `twin-nobody-${ids().u}`;
    await send('Render Requested', renderDetail({ twinIds: [nobody], licensee: 'brand-b' }));
    const [other, none] = publisher.ofType('Render Denied');
    expect(other!.reasons).toEqual([
      { twinId: id.twin, code: 'NO_CONSENT', message: `no consent grant of twin ${id.twin} is licensed to brand-b` },
    ]);
    expect(none!.reasons).toEqual([
      { twinId: nobody, code: 'NO_CONSENT', message: `no consent grant of twin ${nobody} is licensed to brand-b` },
    ]);
    expect(said(other)).not.toContain(id.grant);
    expect(said(other)).not.toContain('brand-hm');
  });

  it("reasons name only the requester's own grants, never another licensee's", async () => {
    const { send, publisher, id } = await granted({ licensee: 'brand-b' });
    const ownGrant = `mine-${id.u}`;
    await send('Consent Granted', grantDetail({ grantId: ownGrant, twinId: id.twin, licensee: 'brand-hm' }));
    await send('Publication Requested', publicationDetail({ twinIds: [id.twin], licensee: 'brand-hm', medium: 'audio' }));
    const [denied] = publisher.ofType('Publication Denied');
    expect(denied!.reasons).toEqual([
      { twinId: id.twin, grantId: ownGrant, code: 'MEDIUM_NOT_ALLOWED', message: `grant ${ownGrant} does not allow medium audio` },
    ]);
    expect(said(denied)).not.toContain(id.grant);
    expect(said(denied)).not.toContain('brand-b');
  });

  it('a revoked grant of another licensee is not mentioned either', async () => {
    const { send, publisher, id } = await granted({ licensee: 'brand-b' });
    await send('Consent Revoked', {
      grantId: id.grant,
      twinId: id.twin,
      revokedAt: '2026-02-01T00:00:00Z',
      reason: 'talent withdrew consent',
    });
    await send('Render Requested', renderDetail({ twinIds: [id.twin], licensee: 'brand-hm' }));
    const [denied] = publisher.ofType('Render Denied');
    expect(denied!.reasons.map((r: any) => r.code)).toEqual(['NO_CONSENT']);
    expect(said(denied)).not.toMatch(/revoked|withdrew|brand-b/);
    expect(said(denied)).not.toContain(id.grant);
  });
});

describe('Publication Requested', () => {
  it('approves a covered publication with the grants it relies on', async () => {
    const { send, publisher, id } = await granted();
    const pub = publicationDetail({ twinIds: [id.twin] });
    await send('Publication Requested', pub);
    expect(publisher.ofType('Publication Approved')[0]).toMatchObject({
      publicationId: pub.publicationId,
      assetId: pub.assetId,
      channel: 'instagram',
      grants: [{ twinId: id.twin, grantId: id.grant, version: 1 }],
      decisionId: expect.stringMatching(/^dec-/),
    });
    // A publication is not a paid use; the placement is.
    expect(publisher.ofType('Usage Recorded')).toEqual([]);
  });

  it.each([
    ['CHANNEL_NOT_ALLOWED', { channel: 'billboard' }],
    ['TERRITORY_NOT_ALLOWED', { territories: ['SE', 'FR'] }],
    ['AI_DISCLOSURE_MISSING', { aiDisclosure: { labelled: false } }],
  ])('denies with %s', async (code, over) => {
    const { send, publisher, id } = await granted();
    const pub = publicationDetail({ twinIds: [id.twin], ...over });
    await send('Publication Requested', pub);
    expect(publisher.ofType('Publication Denied')[0]).toMatchObject({
      publicationId: pub.publicationId,
      assetId: pub.assetId,
      reasons: [{ code, twinId: id.twin }],
    });
  });

  it('lists every reason of a request that is wrong in several ways', async () => {
    const { send, publisher, id } = await granted();
    await send(
      'Publication Requested',
      publicationDetail({ twinIds: [id.twin], channel: 'tv', territories: ['FR'], aiDisclosure: { labelled: false }, medium: 'audio' }),
    );
    expect(publisher.ofType('Publication Denied')[0]!.reasons.map((r: any) => r.code)).toEqual([
      'MEDIUM_NOT_ALLOWED',
      'CHANNEL_NOT_ALLOWED',
      'TERRITORY_NOT_ALLOWED',
      'AI_DISCLOSURE_MISSING',
    ]);
  });

  it('wildcard channels and territories allow any', async () => {
    const { send, publisher, id } = await granted({
      scope: { media: ['image'], channels: ['*'], territories: ['*'], modifications: ['garment'] },
      aiDisclosureRequired: false,
    });
    await send(
      'Publication Requested',
      publicationDetail({ twinIds: [id.twin], channel: 'billboard', territories: ['JP', 'BR'], aiDisclosure: { labelled: false } }),
    );
    expect(publisher.ofType('Publication Approved')).toHaveLength(1);
  });
});
