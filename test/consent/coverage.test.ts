import { describe, expect, it } from 'vitest';
import { gapsOf } from '../../shared/model/consent/coverage.ts';
import { decide } from '../../shared/model/consent/decide.ts';
import type { Grant } from '../../shared/model/consent/grant.ts';
import type { IntendedUse } from '../../shared/model/consent/use.ts';
import { grantDetail } from '../support/fixtures.ts';

const grant = (over: Partial<Grant> = {}): Grant => ({ ...(grantDetail() as Grant), ...over });
const now = new Date('2026-03-01T12:00:00Z');
const publish = (over: Partial<NonNullable<IntendedUse['distribution']>> = {}, use: Partial<IntendedUse> = {}): IntendedUse => ({
  licensee: 'brand-hm',
  medium: 'image',
  modifications: ['garment'],
  distribution: { channel: 'instagram', territories: ['SE'], aiLabelled: true, ...over },
  ...use,
});

describe('gapsOf: the coverage rule of one grant', () => {
  it.each([
    ['covers an exact match', grant(), publish(), []],
    ['licensee mismatch', grant(), publish({}, { licensee: 'brand-x' }), ['LICENSEE_MISMATCH']],
    ['revoked', grant({ revokedAt: '2026-02-01T00:00:00Z' }), publish(), ['CONSENT_REVOKED']],
    ['not yet valid', grant({ validFrom: '2026-06-01T00:00:00Z' }), publish(), ['CONSENT_NOT_YET_VALID']],
    ['expired', grant({ validUntil: '2026-02-01T00:00:00Z' }), publish(), ['CONSENT_EXPIRED']],
    ['medium', grant(), publish({}, { medium: 'audio' }), ['MEDIUM_NOT_ALLOWED']],
    ['modification', grant(), publish({}, { modifications: ['garment', 'age'] }), ['MODIFICATION_NOT_ALLOWED']],
    ['channel', grant(), publish({ channel: 'billboard' }), ['CHANNEL_NOT_ALLOWED']],
    ['territory', grant(), publish({ territories: ['SE', 'FR'] }), ['TERRITORY_NOT_ALLOWED']],
    ['AI label missing', grant(), publish({ aiLabelled: false }), ['AI_DISCLOSURE_MISSING']],
    [
      'every scope gap at once',
      grant(),
      publish({ channel: 'tv', territories: ['FR'], aiLabelled: false }, { medium: 'audio', modifications: ['age'] }),
      ['MEDIUM_NOT_ALLOWED', 'MODIFICATION_NOT_ALLOWED', 'CHANNEL_NOT_ALLOWED', 'TERRITORY_NOT_ALLOWED', 'AI_DISCLOSURE_MISSING'],
    ],
  ])('%s', (_name, g, use, codes) => {
    expect(gapsOf(g, use, now).map((x) => x.code)).toEqual(codes);
  });

  it('validFrom is inclusive and validUntil exclusive', () => {
    const g = grant({ validFrom: '2026-03-01T12:00:00Z', validUntil: '2026-03-01T13:00:00Z' });
    expect(gapsOf(g, publish(), new Date('2026-03-01T12:00:00Z'))).toEqual([]);
    expect(gapsOf(g, publish(), new Date('2026-03-01T13:00:00Z')).map((x) => x.code)).toEqual(['CONSENT_EXPIRED']);
  });

  it('an open-ended grant never expires', () => {
    const { validUntil: _omit, ...open } = grant();
    expect(gapsOf(open as Grant, publish(), new Date('2099-01-01T00:00:00Z'))).toEqual([]);
  });

  it('wildcards match any channel and territory', () => {
    const g = grant({ scope: { ...grant().scope, channels: ['*'], territories: ['*'] } });
    expect(gapsOf(g, publish({ channel: 'billboard', territories: ['JP', 'BR'] }), now)).toEqual([]);
  });

  it('a render needs no channel, territory or label', () => {
    expect(gapsOf(grant(), { licensee: 'brand-hm', medium: 'video', modifications: [] }, now)).toEqual([]);
  });
});

describe('decide: every twin needs a covering grant', () => {
  it('approves when each twin has one, naming the grant used', () => {
    const a = grant({ twinId: 'a', grantId: 'ga' });
    const b = grant({ twinId: 'b', grantId: 'gb' });
    const d = decide(
      ['a', 'b'],
      new Map([
        ['a', [a]],
        ['b', [b]],
      ]),
      publish(),
      now,
    );
    expect(d).toMatchObject({
      approved: true,
      grants: [
        { twinId: 'a', grantId: 'ga', version: 1 },
        { twinId: 'b', grantId: 'gb', version: 1 },
      ],
    });
  });

  it('denies with NO_CONSENT for a twin without grants and lists reasons for each uncovered twin', () => {
    const a = grant({ twinId: 'a', grantId: 'ga', revokedAt: '2026-02-01T00:00:00Z' });
    const d = decide(['a', 'b'], new Map([['a', [a]]]), publish(), now);
    expect(d.approved).toBe(false);
    expect(!d.approved && d.reasons.map((r) => [r.twinId, r.code])).toEqual([
      ['a', 'CONSENT_REVOKED'],
      ['b', 'NO_CONSENT'],
    ]);
  });

  it('one covering grant is enough when another falls short', () => {
    const narrow = grant({ twinId: 'a', grantId: 'g1', scope: { ...grant().scope, channels: ['web'] } });
    const wide = grant({ twinId: 'a', grantId: 'g2' });
    expect(decide(['a'], new Map([['a', [narrow, wide]]]), publish(), now)).toMatchObject({ approved: true, grants: [{ grantId: 'g2' }] });
  });

  it("considers only the requester's grants: another licensee's grant is neither used nor named", () => {
    const theirs = grant({ twinId: 'a', grantId: 'g-theirs', licensee: 'brand-b' });
    const mine = grant({ twinId: 'a', grantId: 'g-mine', scope: { ...grant().scope, media: ['video'] } });
    const only = decide(['a'], new Map([['a', [theirs]]]), publish(), now);
    expect(only).toMatchObject({ approved: false, reasons: [{ twinId: 'a', code: 'NO_CONSENT' }] });
    const both = decide(['a'], new Map([['a', [theirs, mine]]]), publish(), now);
    expect(!both.approved && both.reasons).toEqual([
      { twinId: 'a', grantId: 'g-mine', code: 'MEDIUM_NOT_ALLOWED', message: 'grant g-mine does not allow medium image' },
    ]);
    expect(JSON.stringify([only, both])).not.toMatch(/g-theirs|brand-b/);
  });

  it('a licensee mismatch found by gapsOf names neither the grant nor its licensee', () => {
    const [found] = gapsOf(grant({ grantId: 'g-theirs', licensee: 'brand-b' }), publish(), now);
    expect(found).toEqual({ code: 'LICENSEE_MISMATCH', message: 'the grant is not licensed to brand-hm' });
  });
});
