import { describe, expect, it } from 'vitest';
import { INBOUND_DETAIL_TYPES } from '../../shared/model/events/roles.ts';
import { recordTakedownReport } from '../../shared/use-cases/record-takedown-report.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { OWN_ACCOUNT, world } from '../support/harness.ts';

const AGENCY = '111111111111';
const STRANGER = '999999999999';
const INSTAGRAM_CONNECTOR = '222222222222';
const WEB_CONNECTOR = '333333333333';

/** A brand whose consent authority is an agency's account, with two channel connectors in their own accounts. */
function brandWorld() {
  return world('2026-03-01T12:00:00Z', 3600, {
    accounts: {
      consent: [AGENCY],
      studio: [OWN_ACCOUNT],
      publisher: [OWN_ACCOUNT],
      channel: [OWN_ACCOUNT, INSTAGRAM_CONNECTOR, WEB_CONNECTOR],
    },
    channelSenders: { instagram: [INSTAGRAM_CONNECTOR], web: [WEB_CONNECTOR], webhooked: [] },
  });
}

const DETAILS: Record<string, unknown> = {
  'Consent Granted': grantDetail(),
  'Consent Revoked': { grantId: 'grant-x', twinId: 'twin-x', revokedAt: '2026-03-01T00:00:00Z' },
  'Render Requested': renderDetail(),
  'Publication Requested': publicationDetail(),
  'Asset Published': publishedDetail(),
  'Takedown Completed': { takedownId: 'td-x', assetId: 'a', channel: 'instagram', placementId: 'p', completedAt: '2026-03-01T00:00:00Z' },
  'Takedown Failed': { takedownId: 'td-x', assetId: 'a', channel: 'instagram', placementId: 'p', error: 'down', final: false },
};

describe('an event counts only from its role’s accounts (the envelope account)', () => {
  it('a grant with the consent authority’s source from another account is rejected, naming no allowed account', async () => {
    const { send, publisher, deps } = brandWorld();
    const id = ids();
    const eventId = `evt-${id.u}`;
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }), { id: eventId, account: STRANGER });
    const [rejected, ...more] = publisher.ofType('Event Rejected');
    expect(more).toEqual([]);
    expect(rejected).toEqual({
      eventId,
      source: 'twinguard.consent',
      detailType: 'Consent Granted',
      errors: [
        {
          path: 'account',
          message: `"Consent Granted" is accepted only from the consent role's accounts; ${STRANGER} is not one of them`,
        },
      ],
    });
    expect(JSON.stringify(rejected)).not.toContain(AGENCY);
    expect(await deps.store.grantState(id.grant)).toBeUndefined();
  });

  it('the same grant from the agency’s account is recorded', async () => {
    const { send, publisher, deps } = brandWorld();
    const id = ids();
    expect(await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }), { account: AGENCY })).toBe('processed');
    expect(publisher.ofType('Event Rejected')).toEqual([]);
    expect(await deps.store.grantState(id.grant)).toMatchObject({ version: 1 });
  });

  it('the brand’s own account is not the consent authority once an agency is named', async () => {
    const { send, publisher, deps } = brandWorld();
    const id = ids();
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T00:00:00Z' }, { account: OWN_ACCOUNT });
    expect(publisher.ofType('Event Rejected').map((r) => r.errors[0]!.path)).toEqual(['account']);
    expect(await deps.store.grantState(id.grant)).toBeUndefined();
  });

  it.each(INBOUND_DETAIL_TYPES)('%s from a stranger’s account is rejected before its detail is read', async (detailType) => {
    const { send, publisher } = brandWorld();
    // A malformed detail too: the account is checked first, so the stranger learns nothing about the schema.
    await send(detailType, { ...(DETAILS[detailType] as object), unexpected: true }, { account: STRANGER });
    await send(detailType, 'not even an object', { account: STRANGER });
    const rejected = publisher.ofType('Event Rejected');
    expect(rejected.map((r) => r.errors)).toEqual([
      [expect.objectContaining({ path: 'account' })],
      [expect.objectContaining({ path: 'account' })],
    ]);
    expect(publisher.events).toHaveLength(2);
  });
});

/** An instagram placement with no approved publication: taken down at once, so it has an open takedown. */
async function openTakedown(w: ReturnType<typeof brandWorld>, channel = 'instagram') {
  const id = ids();
  await w.send('Asset Published', publishedDetail({ channel, placementId: `pl-${id.u}`, twinIds: [id.twin] }), {
    account: OWN_ACCOUNT,
  });
  const [takedown] = w.publisher.ofType('Takedown Requested');
  expect(takedown).toMatchObject({ channel, reason: 'UNAPPROVED_PUBLICATION' });
  const { takedownId, assetId, placementId } = takedown!;
  return { takedownId, assetId, channel, placementId, completedAt: '2026-03-01T12:05:00Z' };
}

describe('a takedown report counts only from its channel’s own sender', () => {
  it('another channel’s connector cannot close an instagram takedown, under either channel’s name', async () => {
    const w = brandWorld();
    const report = await openTakedown(w);
    await w.send('Takedown Completed', report, { source: 'twinguard.channel', account: WEB_CONNECTOR });
    await w.send('Takedown Completed', { ...report, channel: 'web' }, { source: 'twinguard.channel', account: WEB_CONNECTOR });
    const rejected = w.publisher.ofType('Event Rejected');
    expect(rejected.map((r) => r.errors)).toEqual([
      [{ path: 'account', message: `account ${WEB_CONNECTOR} may not report takedowns for channel "instagram"` }],
      [{ path: 'detail.placementId', message: `takedown ${report.takedownId} is not for web placement ${report.placementId}` }],
    ]);
    // Nothing tells the web connector that the takedown is instagram's.
    expect(JSON.stringify(rejected[1])).not.toContain('instagram');
    expect(await w.deps.store.getPlacement('instagram', report.placementId)).toMatchObject({ status: 'takedown-requested' });
  });

  it('the instagram connector closes it', async () => {
    const w = brandWorld();
    const report = await openTakedown(w);
    expect(await w.send('Takedown Completed', report, { account: INSTAGRAM_CONNECTOR })).toBe('processed');
    expect(w.publisher.ofType('Event Rejected')).toEqual([]);
    expect(await w.deps.store.getPlacement('instagram', report.placementId)).toMatchObject({ status: 'taken-down' });
  });

  it('a failure report is held to the same rule', async () => {
    const w = brandWorld();
    const { completedAt: _at, ...facts } = await openTakedown(w);
    await w.send('Takedown Failed', { ...facts, error: 'gave up', final: true }, { account: WEB_CONNECTOR });
    expect(w.publisher.ofType('Event Rejected').map((r) => r.errors[0]!.path)).toEqual(['account']);
    expect(await w.deps.store.getPlacement('instagram', facts.placementId)).toMatchObject({ status: 'takedown-requested' });
  });

  it('a channel nobody was named for takes reports from any channel-role account', async () => {
    const w = brandWorld();
    const report = await openTakedown(w, 'tiktok');
    expect(await w.send('Takedown Completed', report, { account: WEB_CONNECTOR })).toBe('processed');
    expect(await w.deps.store.getPlacement('tiktok', report.placementId)).toMatchObject({ status: 'taken-down' });
  });

  it('a channel named with no account takes no report from the bus, only from TwinGuard’s own webhook connector', async () => {
    const w = brandWorld();
    const report = await openTakedown(w, 'webhooked');
    await w.send('Takedown Completed', report, { account: OWN_ACCOUNT });
    expect(w.publisher.ofType('Event Rejected').map((r) => r.errors[0]!.path)).toEqual(['account']);
    expect(await w.deps.store.getPlacement('webhooked', report.placementId)).toMatchObject({ status: 'takedown-requested' });
    expect(await recordTakedownReport(w.deps, { kind: 'completed', ...report }, `webhook#${report.takedownId}#1`)).toBe('processed');
    expect(await w.deps.store.getPlacement('webhooked', report.placementId)).toMatchObject({ status: 'taken-down' });
  });

  it('a stranger is refused even for a channel nobody was named for', async () => {
    const w = brandWorld();
    const report = await openTakedown(w, 'tiktok');
    await w.send('Takedown Completed', report, { account: STRANGER });
    expect(w.publisher.ofType('Event Rejected').map((r) => r.errors[0]!.path)).toEqual(['account']);
  });
});
