import { describe, expect, it } from 'vitest';
import { grantDetail, ids, renderDetail } from '../support/fixtures.ts';
import { auditOf, world } from '../support/harness.ts';

describe('consent registry: grants, amendments, revocations', () => {
  it('a grant is created and then covers renders', async () => {
    const { send, publisher } = world();
    const id = ids();
    expect(await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }))).toBe('processed');
    await send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(publisher.ofType('Render Approved')[0]!.grants).toEqual([{ twinId: id.twin, grantId: id.grant, version: 1 }]);
  });

  it('a higher version replaces the whole grant; an equal or lower one is ignored', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    await send(
      'Consent Granted',
      grantDetail({
        grantId: id.grant,
        twinId: id.twin,
        version: 3,
        scope: { media: ['video'], channels: ['*'], territories: ['*'], modifications: [] },
      }),
    );
    // A delayed version 2 arrives after version 3: stale.
    expect(await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 2 }))).toBe('ignored');
    expect(await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 3 }))).toBe('duplicate');
    await send('Render Requested', renderDetail({ twinIds: [id.twin], medium: 'image', modifications: [] }));
    await send('Render Requested', renderDetail({ twinIds: [id.twin], medium: 'video', modifications: [] }));
    expect(publisher.ofType('Render Denied')[0]!.reasons.map((r: any) => r.code)).toEqual(['MEDIUM_NOT_ALLOWED']);
    expect(publisher.ofType('Render Approved')[0]!.grants[0]!.version).toBe(3);
  });

  it('an amendment does not patch: fields absent from the new version are gone', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    const { compensation: _drop, ...withoutPay } = grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, version: 2 });
    await send('Consent Granted', withoutPay);
    await send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(publisher.ofType('Usage Recorded')[0]).toMatchObject({ amount: 0, currency: 'XXX', grantId: id.grant });
  });

  it('a revocation is final: no later version revives the grant', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    await send('Consent Revoked', {
      grantId: id.grant,
      twinId: id.twin,
      revokedAt: '2026-03-01T11:00:00Z',
      reason: 'talent withdrew consent',
    });
    expect(await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 9 }))).toBe('ignored');
    await send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(publisher.ofType('Render Denied')[0]!.reasons).toMatchObject([{ twinId: id.twin, code: 'CONSENT_REVOKED', grantId: id.grant }]);
  });

  it('a revocation that overtakes its grant still wins', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T11:00:00Z' });
    expect(await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }))).toBe('ignored');
    await send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(publisher.ofType('Render Denied')[0]!.reasons.map((r: any) => r.code)).toEqual(['NO_CONSENT']);
  });

  it('a revocation naming the wrong twin still revokes the grant where it lives', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    await send('Consent Revoked', { grantId: id.grant, twinId: 'someone-else', revokedAt: '2026-03-01T11:00:00Z' });
    await send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    expect(publisher.ofType('Render Denied')[0]!.reasons.map((r: any) => r.code)).toEqual(['CONSENT_REVOKED']);
  });

  it('an amendment may not move a grant to another twin', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin2, version: 2 }));
    expect(publisher.ofType('Event Rejected')[0]!.errors).toEqual([{ path: 'detail.twinId', message: expect.stringContaining(id.twin) }]);
  });

  it('grants and revocations are written to the twin’s audit trail', async () => {
    const { send, clock } = world('2026-03-01T12:00:00Z');
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    clock.set('2026-03-01T12:00:01Z');
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 2 }));
    clock.set('2026-03-01T12:00:02Z');
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T11:00:00Z' });
    expect((await auditOf(id.twin)).map((a) => [a.kind, a.outcome])).toEqual([
      ['grant', 'granted'],
      ['grant', 'amended'],
      ['revocation', 'revoked'],
    ]);
  });
});
