import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { auditKeys, dueKeys, keys } from '../../shared/adapters/dynamodb/keys.ts';
import { LIMITS, REJECTION_LIMITS, truncate } from '../../shared/model/events/limits.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { MAX_REASONS_PER_TWIN } from '../../shared/model/consent/decide.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { uid, world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';

const over = (n: number) => 'x'.repeat(n + 1);
const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
const LONE = 'twin-\ud800';
const scope = grantDetail().scope;

/** The attack: a report big enough to grow one placement towards DynamoDB's 400 KB item limit. */
const HUGE = 'e'.repeat(390_000);

describe('every free-text field and list of the contract is bounded (docs/events.md, "Limits")', () => {
  it.each([
    ['Consent Granted', 'detail.grantId', grantDetail({ grantId: over(LIMITS.id) })],
    ['Consent Granted', 'detail.scope.media.0', grantDetail({ scope: { ...scope, media: [over(LIMITS.name)] } })],
    ['Consent Granted', 'detail.scope.channels', grantDetail({ scope: { ...scope, channels: names(LIMITS.names + 1) } })],
    ['Consent Granted', 'detail.scope.territories', grantDetail({ scope: { ...scope, territories: names(LIMITS.names + 1) } })],
    ['Consent Granted', 'detail.scope.modifications', grantDetail({ scope: { ...scope, modifications: names(LIMITS.names + 1) } })],
    [
      'Consent Granted',
      'detail.evidence.documentId',
      grantDetail({ evidence: { documentId: over(LIMITS.id), signedAt: '2025-12-01T10:00:00Z' } }),
    ],
    ['Consent Revoked', 'detail.reason', { grantId: 'g', twinId: 't', revokedAt: '2026-01-01T00:00:00Z', reason: over(LIMITS.reason) }],
    ['Render Requested', 'detail.campaignId', renderDetail({ campaignId: over(LIMITS.reference) })],
    ['Render Requested', 'detail.medium', renderDetail({ medium: over(LIMITS.name) })],
    ['Render Requested', 'detail.modifications', renderDetail({ modifications: names(LIMITS.names + 1) })],
    ['Render Requested', 'detail.twinIds', renderDetail({ twinIds: names(LIMITS.twins + 1) })],
    [
      'Publication Requested',
      'detail.aiDisclosure.c2paManifestId',
      publicationDetail({ aiDisclosure: { labelled: true, c2paManifestId: over(LIMITS.reference) } }),
    ],
    ['Publication Requested', 'detail.territories', publicationDetail({ territories: names(LIMITS.names + 1) })],
    ['Publication Requested', 'detail.channel', publicationDetail({ channel: over(LIMITS.name) })],
    ['Asset Published', 'detail.url', publishedDetail({ url: `https://example.invalid/${over(LIMITS.url)}` })],
    ['Asset Published', 'detail.url', publishedDetail({ url: 'javascript:alert(1)' })],
    ['Asset Published', 'detail.url', publishedDetail({ url: 'example.invalid/p/1' })],
    ['Asset Published', 'detail.territories.0', publishedDetail({ territories: [over(LIMITS.name)] })],
    [
      'Takedown Failed',
      'detail.error',
      { takedownId: 'td-1', assetId: 'a', channel: 'instagram', placementId: 'p', error: over(LIMITS.error), final: false },
    ],
  ])('%s with %s over its bound is rejected', async (detailType, path, detail) => {
    const { send, publisher } = world();
    expect(await send(detailType, detail)).toBe('processed');
    const [rejected, ...more] = publisher.ofType('Event Rejected');
    expect(more).toEqual([]);
    expect(rejected!.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(publisher.events).toHaveLength(1);
  });

  it('a value at its bound is accepted', async () => {
    const { send, publisher } = world();
    const id = ids();
    const wide = { media: ['image'], channels: names(LIMITS.names), territories: ['*'], modifications: names(LIMITS.names) };
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, scope: wide }));
    const pub = publicationDetail({
      twinIds: [id.twin],
      channel: 'n7',
      modifications: names(LIMITS.names),
      territories: ['x'.repeat(LIMITS.name)],
      aiDisclosure: { labelled: true, c2paManifestId: 'c'.repeat(LIMITS.reference) },
    });
    await send('Publication Requested', pub);
    const url = `https://example.invalid/${'u'.repeat(LIMITS.url - 'https://example.invalid/'.length)}`;
    await send(
      'Asset Published',
      publishedDetail({
        assetId: pub.assetId,
        channel: 'n7',
        twinIds: [id.twin],
        publicationId: pub.publicationId,
        url,
        territories: pub.territories,
      }),
    );
    expect(publisher.ofType('Event Rejected')).toEqual([]);
    expect(publisher.ofType('Publication Approved')).toHaveLength(1);
    expect(publisher.ofType('Usage Recorded')).toHaveLength(1);
  });

  it.each([
    ['Consent Granted', () => grantDetail({ twinId: LONE }), 'detail.twinId'],
    ['Consent Revoked', () => ({ grantId: `g-\udc00`, twinId: 't', revokedAt: '2026-01-01T00:00:00Z' }), 'detail.grantId'],
    ['Render Requested', () => renderDetail({ twinIds: [LONE] }), 'detail.twinIds.0'],
    ['Asset Published', () => publishedDetail({ placementId: `ig-\ud83d` }), 'detail.placementId'],
    ['Asset Published', () => publishedDetail({ channel: 'insta\udfff' }), 'detail.channel'],
    ['Consent Revoked', () => ({ grantId: 'g', twinId: 't', revokedAt: '2026-01-01T00:00:00Z', reason: 'bye \ud800' }), 'detail.reason'],
  ])('%s with a lone surrogate is rejected as invalid Unicode, not dead-lettered (%#)', async (detailType, detail, path) => {
    const { send, publisher } = world();
    expect(await send(detailType, detail())).toBe('processed');
    const [rejected] = publisher.ofType('Event Rejected');
    expect(rejected!.errors).toContainEqual({ path, message: 'must be valid Unicode (it holds a lone surrogate)' });
  });

  it('a well-formed id of astral characters is accepted', async () => {
    const { send, publisher, deps } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: `${id.grant}-😀`, twinId: `${id.twin}-😀` }));
    expect(publisher.ofType('Event Rejected')).toEqual([]);
    expect(await deps.store.grantState(`${id.grant}-😀`)).toMatchObject({ version: 1 });
  });
});

describe('Event Rejected is bounded', () => {
  it('cuts echoed strings without splitting a surrogate pair, and never echoes a lone surrogate', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('abc😀', 5)).toBe('abc😀');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('a\ud800b', 10)).toBe('a\ufffdb');
  });

  it('lists at most 20 errors and counts the rest', async () => {
    const { send, publisher } = world();
    await send('Consent Granted', grantDetail({ scope: { ...scope, media: Array.from({ length: 90 }, () => 7) } }));
    const [rejected] = publisher.ofType('Event Rejected');
    expect(rejected!.errors).toHaveLength(REJECTION_LIMITS.errors);
    expect(rejected!.omittedErrors).toBe(90 - REJECTION_LIMITS.errors);
  });

  it.each([
    ['source', { source: 's'.repeat(300_000) }, 'source'],
    ['detail-type', { 'detail-type': 'D'.repeat(300_000) }, 'detail-type'],
  ])('an oversized %s is rejected, echoed cut to size', async (_field, envelope, path) => {
    const { send, publisher } = world();
    await send('Render Requested', renderDetail(), envelope);
    const [rejected] = publisher.ofType('Event Rejected');
    expect(rejected!.errors).toEqual([{ path, message: expect.stringMatching(/^must be at most \d+ characters$/) }]);
    expect(rejected!.source.length).toBeLessThanOrEqual(LIMITS.source);
    expect(rejected!.detailType.length).toBeLessThanOrEqual(LIMITS.detailType);
    expect(Buffer.byteLength(JSON.stringify(rejected))).toBeLessThan(4096);
  });

  it('a source from the wrong role is echoed whole when within its bound', async () => {
    const { send, publisher } = world();
    await send('Consent Revoked', { grantId: 'g', twinId: 't', revokedAt: '2026-01-01T00:00:00Z' }, { source: `x${'\u00e9'.repeat(255)}` });
    const [rejected] = publisher.ofType('Event Rejected');
    expect(rejected!.errors[0]!.path).toBe('source');
    expect(rejected!.source).toBe(`x${'\u00e9'.repeat(255)}`);
    expect(rejected!.errors[0]!.message.length).toBeLessThanOrEqual(REJECTION_LIMITS.message);
  });

  it('whatever the event, the answer fits one EventBridge entry', async () => {
    const { send, publisher } = world();
    const long = Array.from({ length: LIMITS.names }, () => 'é'.repeat(2_000));
    await send('Consent Granted', grantDetail({ scope: { media: long, channels: long, territories: long, modifications: long } }));
    const [rejected] = publisher.ofType('Event Rejected');
    expect(rejected!.errors.length).toBeLessThanOrEqual(REJECTION_LIMITS.errors);
    expect(rejected!.omittedErrors).toBe(4 * LIMITS.names - REJECTION_LIMITS.errors);
    expect(Buffer.byteLength(JSON.stringify(rejected))).toBeLessThan(32 * 1024);
  });
});

describe('one oversized report cannot stop time-based enforcement (issue 8, failure 1)', () => {
  it('a huge takedown error is rejected, and the overdue sweep still fires for the placement', async () => {
    const w = world('2026-03-01T12:00:00Z', 600);
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    const placement = publishedDetail({ twinIds: [id.twin], assetId: `asset-${id.u}` });
    await w.send('Asset Published', placement);
    const [requested] = w.publisher.ofType('Takedown Requested');
    const facts = {
      takedownId: requested!.takedownId,
      assetId: placement.assetId,
      channel: 'instagram',
      placementId: placement.placementId,
    };
    await w.send('Takedown Failed', { ...facts, error: HUGE, final: false });
    expect(w.publisher.ofType('Event Rejected').map((r) => r.errors[0]!.path)).toEqual(['detail.error']);
    expect((await w.deps.store.getPlacement('instagram', placement.placementId))?.takedown?.lastError).toBeUndefined();

    w.clock.set('2026-03-01T12:10:01Z');
    await sweepDue(w.deps);
    expect(w.publisher.ofType('Takedown Overdue')).toEqual([
      {
        takedownId: requested!.takedownId,
        assetId: placement.assetId,
        channel: 'instagram',
        placementId: placement.placementId,
        deadline: '2026-03-01T12:10:00.000Z',
      },
    ]);
  });

  it('a huge url is rejected, so no placement can carry one', async () => {
    const { send, publisher, deps } = world();
    const placement = publishedDetail({ url: `https://example.invalid/${HUGE}` });
    await send('Asset Published', placement);
    expect(publisher.ofType('Event Rejected').map((r) => r.errors[0]!.path)).toEqual(['detail.url']);
    expect(await deps.store.getPlacement('instagram', placement.placementId)).toBeUndefined();
  });
});

describe('ids at their bound fit DynamoDB keys (2048 bytes a partition key, 1024 a sort key)', () => {
  it('ids of 256 three-byte characters go through the whole flow: grant, publication, placement, revocation, takedown', async () => {
    const w = world();
    const wide = (prefix: string, n: number) => `${prefix}${uid()}`.padEnd(n, '字');
    const twin = wide('t', LIMITS.id);
    const grant = wide('g', LIMITS.id);
    const channel = wide('c', LIMITS.name);
    await w.send(
      'Consent Granted',
      grantDetail({
        grantId: grant,
        twinId: twin,
        talentId: wide('p', LIMITS.id),
        licensee: wide('l', LIMITS.id),
        scope: { ...scope, channels: ['*'] },
      }),
    );
    const licensee = (await w.deps.store.grantsOfTwins([twin])).get(twin)![0]!.licensee;
    const pub = publicationDetail({
      publicationId: wide('pub', LIMITS.id),
      assetId: wide('a', LIMITS.id),
      twinIds: [twin],
      licensee,
      channel,
    });
    await w.send('Publication Requested', pub);
    expect(w.publisher.ofType('Publication Approved')).toHaveLength(1);
    const placement = publishedDetail({
      assetId: pub.assetId,
      channel,
      placementId: wide('pl', LIMITS.id),
      publicationId: pub.publicationId,
      twinIds: [twin],
      licensee: pub.licensee,
    });
    expect(await w.send('Asset Published', placement)).toBe('processed');
    expect(w.publisher.ofType('Usage Recorded')).toHaveLength(1);
    await w.send('Consent Revoked', { grantId: grant, twinId: twin, revokedAt: '2026-03-01T12:00:00Z' });
    await runReevaluations(w.deps, w.publisher);
    expect(w.publisher.ofType('Takedown Requested')).toMatchObject([
      { placementId: placement.placementId, channel, reason: 'CONSENT_REVOKED' },
    ]);
    expect(w.publisher.ofType('Event Rejected')).toEqual([]);
  });

  it('every key built from worst-case ids is within the limits, and distinct ids keep distinct keys', () => {
    const id = (c: string) => c.repeat(LIMITS.id);
    const name = (c: string) => c.repeat(LIMITS.name);
    const at = '2026-03-01T12:00:00.000Z';
    const built = [
      keys.grant(id('字'), id('#')),
      keys.grantState(id('字')),
      keys.placement(name('字'), id('字')),
      { pk: keys.twin(id('字')), sk: keys.placementSort(name('%'), id('字')) },
      { pk: keys.grantPlacements(id('字')), sk: keys.placementSort(name('字'), id('字')) },
      keys.publication(id('字')),
      { pk: keys.assetApprovals(id('字')), sk: keys.assetApprovalSort(name('字'), id('字')) },
      keys.takedown(id('字')),
      keys.receipt('placement', `${name('字')}#${id('字')}`),
      keys.pendingWrites('placement', `${name('字')}#${id('字')}`),
      auditKeys.audit(id('字'), at, `placement:${name('字')}#${id('字')}`),
      auditKeys.usage(id('字'), at, 'placement', id('字'), id('字')),
      dueKeys.item(at, 'takedown-deadline', id('字'), id('字')),
    ];
    for (const key of built) {
      expect(Buffer.byteLength(key.pk)).toBeLessThanOrEqual(2048);
      expect(Buffer.byteLength(key.sk)).toBeLessThanOrEqual(1024);
    }
    expect(keys.grantState(`${id('字').slice(1)}a`).pk).not.toBe(keys.grantState(`${id('字').slice(1)}b`).pk);
    expect(keys.grantState('grant-1').pk).toBe('GRANT#grant-1');
  });
});

describe('docs/events.md states every limit', () => {
  it('its Limits section names each bound the code enforces', async () => {
    const doc = await readFile(new URL('../../docs/events.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Limits'), doc.indexOf('## Channels'));
    expect(section.length).toBeGreaterThan(100);
    const stated = (n: number) => section.includes(n.toLocaleString('en-US'));
    for (const [name, value] of [
      ...Object.entries(LIMITS),
      ...Object.entries(REJECTION_LIMITS),
      ['reasons', MAX_REASONS_PER_TWIN] as const,
    ]) {
      expect({ name, stated: stated(value) }).toEqual({ name, stated: true });
    }
  });
});
