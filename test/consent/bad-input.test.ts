import { describe, expect, it } from 'vitest';
import { grantDetail, ids, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { tables, world } from '../support/harness.ts';
import { DynamoConsentStore } from '../../shared/adapters/dynamodb/dynamo-consent-store.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

describe('bad input is answered with Event Rejected and changes nothing', () => {
  it('a grant without evidence is rejected, and no grant is stored', async () => {
    const { send, publisher, deps } = world();
    const id = ids();
    const { evidence: _none, ...unsigned } = grantDetail({ grantId: id.grant, twinId: id.twin });
    const eventId = `evt-${id.u}`;
    expect(await send('Consent Granted', unsigned, { id: eventId })).toBe('processed');
    expect(publisher.ofType('Event Rejected')).toEqual([
      {
        eventId,
        source: 'twinguard.consent',
        detailType: 'Consent Granted',
        errors: [{ path: 'detail.evidence', message: 'is required' }],
      },
    ]);
    expect(await deps.store.grantState(id.grant)).toBeUndefined();
  });

  it.each([
    ['Consent Granted', { ...grantDetail(), version: 0 }, 'detail.version'],
    ['Consent Granted', { ...grantDetail(), validFrom: 'yesterday' }, 'detail.validFrom'],
    ['Consent Granted', { ...grantDetail(), validUntil: '2025-01-01T00:00:00Z' }, 'detail.validUntil'],
    ['Consent Granted', { ...grantDetail(), scope: { ...grantDetail().scope, media: [] } }, 'detail.scope.media'],
    [
      'Consent Granted',
      { ...grantDetail(), compensation: { currency: 'euro', perRender: 1, perPlacement: 1 } },
      'detail.compensation.currency',
    ],
    ['Consent Revoked', { grantId: 'g', revokedAt: '2026-01-01T00:00:00Z' }, 'detail.twinId'],
    ['Render Requested', renderDetail({ twinIds: [] }), 'detail.twinIds'],
    ['Render Requested', renderDetail({ requestId: 'x'.repeat(257) }), 'detail.requestId'],
    ['Render Requested', renderDetail({ medium: 7 }), 'detail.medium'],
    ['Publication Requested', { publicationId: 'p' }, 'detail.assetId'],
    ['Asset Published', publishedDetail({ publishedAt: 5 }), 'detail.publishedAt'],
  ])('%s with a bad %s', async (detailType, detail, path) => {
    const { send, publisher } = world();
    await send(detailType, detail);
    const rejected = publisher.ofType('Event Rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.errors.map((e: any) => e.path)).toContain(path);
    expect(publisher.events).toHaveLength(1);
  });

  it('a detail that is not an object is rejected', async () => {
    const { send, publisher } = world();
    await send('Render Requested', 'hello');
    expect(publisher.ofType('Event Rejected')[0]!.errors).toEqual([{ path: 'detail', message: 'must be a JSON object' }]);
  });

  it('only the consent authority may grant or revoke', async () => {
    const { send, publisher, deps } = world();
    const id = ids();
    await send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin }), { source: 'twinguard.studio' });
    await send(
      'Consent Revoked',
      { grantId: id.grant, twinId: id.twin, revokedAt: '2026-03-01T00:00:00Z' },
      { source: 'twinguard.publisher' },
    );
    expect(publisher.ofType('Event Rejected').map((r) => [r.source, r.errors[0]!.path])).toEqual([
      ['twinguard.studio', 'source'],
      ['twinguard.publisher', 'source'],
    ]);
    expect(await deps.store.grantState(id.grant)).toBeUndefined();
  });

  it('a render request from the publisher role is rejected', async () => {
    const { send, publisher } = world();
    await send('Render Requested', renderDetail(), { source: 'twinguard.publisher' });
    expect(publisher.ofType('Event Rejected')[0]!.errors[0]!.message).toContain('studio');
    expect(publisher.ofType('Render Denied')).toEqual([]);
  });

  it('unknown extra fields are ignored', async () => {
    const { send, publisher } = world();
    const id = ids();
    await send('Consent Granted', { ...grantDetail({ grantId: id.grant, twinId: id.twin }), internalNote: 'x' });
    await send('Render Requested', { ...renderDetail({ twinIds: [id.twin] }), priority: 'high' });
    expect(publisher.ofType('Render Approved')).toHaveLength(1);
    expect(publisher.ofType('Event Rejected')).toEqual([]);
  });

  it('a rejected event delivered twice is rejected once', async () => {
    const { send, publisher } = world();
    const eventId = `evt-${ids().u}`;
    await send('Render Requested', { nonsense: true }, { id: eventId });
    expect(await send('Render Requested', { nonsense: true }, { id: eventId })).toBe('duplicate');
    expect(publisher.ofType('Event Rejected')).toHaveLength(1);
  });

  it('an unreachable database throws, so that the platform retries and dead-letters', async () => {
    const { deps, send } = world();
    const dead = documentClient(
      new DynamoDBClient({
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    deps.store = new DynamoConsentStore(dead, tables);
    await expect(send('Render Requested', renderDetail())).rejects.toThrow();
  });
});
