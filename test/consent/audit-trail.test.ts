import { describe, expect, it } from 'vitest';
import { MAX_REASONS_PER_TWIN } from '../../shared/model/consent/decide.ts';
import { takedownLines } from '../../shared/use-cases/audit-lines.ts';
import { markOverdue } from '../../shared/use-cases/mark-overdue.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { auditOf, world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';

describe('the audit trail', () => {
  it('gives each fact one line per twin, its recordId `<kind>:<business id>`, also for facts of the same instant', async () => {
    const w = world('2026-03-01T12:00:00Z', 600);
    const id = ids();
    const at = (second: number) => w.clock.set(`2026-03-01T12:00:0${second}Z`);
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }));
    at(1);
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, version: 2 }));
    at(2);
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    at(3);
    const pub = publicationDetail({ twinIds: [id.twin] });
    await w.send('Publication Requested', pub);
    at(4);
    const placement = publishedDetail({ assetId: pub.assetId, channel: pub.channel, twinIds: [id.twin], publicationId: pub.publicationId });
    await w.send('Asset Published', placement);
    at(5);
    await w.send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T11:00:00Z' });
    at(6);
    await runReevaluations(w.deps, w.publisher);
    const [requested] = w.publisher.ofType('Takedown Requested');
    const td = requested!.takedownId as string;
    const facts = { takedownId: td, assetId: pub.assetId, channel: pub.channel, placementId: placement.placementId };
    at(7);
    // Two failures at the same instant: each is its own fact, so each gets its own line.
    await w.send('Takedown Failed', { ...facts, error: 'timeout', final: false }, { id: `evt-fail1-${id.u}` });
    await w.send('Takedown Failed', { ...facts, error: 'timeout', final: false }, { id: `evt-fail2-${id.u}` });
    at(8);
    expect(await markOverdue(w.deps, td)).toBe('processed');
    at(9);
    await w.send('Takedown Completed', { ...facts, completedAt: '2026-03-01T12:00:09Z' });

    const render = w.publisher.ofType('Render Approved')[0]!.decisionId;
    const publication = w.publisher.ofType('Publication Approved')[0]!.decisionId;
    expect((await auditOf(id.twin)).map((a) => [a.kind, a.outcome, a.recordId])).toEqual([
      ['grant', 'granted', `grant:${id.grant}#1`],
      ['grant', 'amended', `grant:${id.grant}#2`],
      ['render-decision', 'approved', `render-decision:${render}`],
      ['publication-decision', 'approved', `publication-decision:${publication}`],
      ['placement', 'live', `placement:instagram#${placement.placementId}`],
      ['revocation', 'revoked', `revocation:${id.grant}`],
      ['takedown', 'requested:CONSENT_REVOKED', `takedown:${td}#requested`],
      ['takedown', 'failed', `takedown:${td}#failed#evt-fail1-${id.u}`],
      ['takedown', 'failed', `takedown:${td}#failed#evt-fail2-${id.u}`],
      ['takedown', 'overdue', `takedown:${td}#overdue`],
      ['takedown', 'completed', `takedown:${td}#completed`],
    ]);
  });

  it('a line keeps what a reviewer needs, of its own twin, not the raw request', async () => {
    const w = world();
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
    await w.send('Consent Granted', grantDetail({ grantId: id.grant2, twinId: id.twin2, talentId: id.talent2 }));
    const render = { ...renderDetail({ twinIds: [id.twin, id.twin2], medium: 'audio' }), internalNote: 'x'.repeat(10_000) };
    await w.send('Render Requested', render);
    const [mine] = (await auditOf(id.twin)).filter((a) => a.kind === 'render-decision');
    expect(mine).toMatchObject({
      outcome: 'denied',
      request: {
        requestId: render.requestId,
        twinIds: [id.twin, id.twin2],
        licensee: 'brand-hm',
        medium: 'audio',
        modifications: render.modifications,
        campaignId: 'ss27',
      },
    });
    expect(Object.keys(mine!.request).sort()).toEqual(['campaignId', 'licensee', 'medium', 'modifications', 'requestId', 'twinIds']);
    expect(mine!.reasons.map((r: { twinId: string }) => r.twinId)).toEqual([id.twin]);
    expect(JSON.stringify(mine)).not.toContain('internalNote');
  });

  it("only a fan-out's batch line lists takedowns: another takedown line keeps no `takedowns` of its occasion", () => {
    // The inbound schemas drop unknown fields today; the allow-list must not rely on that.
    const forged = [{ takedownId: 'td-forged_0', channel: 'web', placementId: 'elsewhere', reason: 'CONSENT_REVOKED' }];
    const report = { kind: 'completed' as const, takedownId: 'td-1', assetId: 'a', channel: 'web', placementId: 'p', completedAt: 'x' };
    const on = { at: '2026-03-01T12:00:00.000Z', eventId: 'evt-1', request: { ...report, takedowns: forged } };
    for (const step of [{ step: 'reported' as const, report }, { step: 'overdue' as const }, { step: 'closed' as const }]) {
      const [line] = takedownLines('td-1', ['twin-a'], step, on);
      expect(line!.request.takedownId).toBe('td-1');
      expect(JSON.stringify(line)).not.toContain('td-forged');
    }
  });

  it('a denial lists at most 10 reasons per twin, however many grants the twin holds', async () => {
    const w = world();
    const id = ids();
    for (let i = 0; i < 14; i++) {
      await w.send(
        'Consent Granted',
        grantDetail({ grantId: `${id.grant}-${i}`, twinId: id.twin, scope: { ...grantDetail().scope, media: ['video'] } }),
      );
    }
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
    const [denied] = w.publisher.ofType('Render Denied');
    expect(denied!.reasons).toHaveLength(MAX_REASONS_PER_TWIN);
    const [line] = (await auditOf(id.twin)).filter((a) => a.kind === 'render-decision');
    expect(line!.reasons).toHaveLength(MAX_REASONS_PER_TWIN);
  });
});
