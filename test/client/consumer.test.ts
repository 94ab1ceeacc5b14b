import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  InvalidEventError,
  isEventRejected,
  isPublicationApproved,
  isPublicationDenied,
  isRemovalCertificateIssued,
  isRemovalUnverified,
  isRemovalVerified,
  isRenderApproved,
  isRenderDenied,
  isTakedownCompleted,
  isTakedownFailed,
  isTakedownOverdue,
  isTakedownRequested,
  isTwinGuardEvent,
  isUsageRecorded,
  parseSqsRecord,
  parseTwinGuardEvent,
  twinGuardEventPattern,
  type TwinGuardEvent,
} from '../../client/index.ts';
import { OUTBOUND_EXAMPLES } from '../../shared/model/events/examples.ts';
import { PUBLIC_DETAIL_TYPES, type PublicDetailType } from '../../shared/model/events/outbound-schemas.ts';
import { envelopeOf } from './support.ts';

const GUARDS: Record<PublicDetailType, (input: unknown) => boolean> = {
  'Render Approved': isRenderApproved,
  'Render Denied': isRenderDenied,
  'Publication Approved': isPublicationApproved,
  'Publication Denied': isPublicationDenied,
  'Takedown Requested': isTakedownRequested,
  'Takedown Completed': isTakedownCompleted,
  'Takedown Failed': isTakedownFailed,
  'Takedown Overdue': isTakedownOverdue,
  'Removal Verified': isRemovalVerified,
  'Removal Unverified': isRemovalUnverified,
  'Removal Certificate Issued': isRemovalCertificateIssued,
  'Usage Recorded': isUsageRecorded,
  'Event Rejected': isEventRejected,
};

function thrown(run: () => unknown): InvalidEventError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('expected an InvalidEventError');
}

describe('parsers and guards of the outbound events', () => {
  it.each(PUBLIC_DETAIL_TYPES)('%s: its guard says yes to it and no to every other detail-type', (detailType) => {
    const event = envelopeOf(detailType);
    for (const [other, guard] of Object.entries(GUARDS)) expect(guard(event), other).toBe(other === detailType);
    expect(parseTwinGuardEvent(event)).toEqual(event);
    expect(parseTwinGuardEvent(event, detailType).detail).toEqual(OUTBOUND_EXAMPLES[detailType]);
  });

  it('narrow the type, so a consumer reads the detail typed', () => {
    const input: unknown = envelopeOf('Render Denied');
    if (!isRenderDenied(input)) throw new Error('expected Render Denied');
    expectTypeOf(input.detail.reasons[0]!.code).toEqualTypeOf<TwinGuardEvent<'Render Denied'>['detail']['reasons'][number]['code']>();
    expect(input.detail.reasons.map((r) => r.code)).toEqual(['MODIFICATION_NOT_ALLOWED']);
    const usage = parseTwinGuardEvent(envelopeOf('Usage Recorded'), 'Usage Recorded');
    expectTypeOf(usage.detail.kind).toEqualTypeOf<'render' | 'placement'>();
  });

  it('read an SQS message body (the envelope as JSON), as a queue target of a rule gets it', () => {
    const body = JSON.stringify(envelopeOf('Takedown Requested'));
    const event = parseSqsRecord({ body }, 'Takedown Requested');
    expect(event.detail.deadline).toBe('2026-05-01T13:00:00.412Z');
    expect(parseTwinGuardEvent(body).id).toBe('0d4f2a1e-7c3b-4e5a-9f60-1b2c3d4e5f60');
  });

  it('ignore fields they do not know, as the contract asks of consumers', () => {
    const event = parseTwinGuardEvent(envelopeOf('Usage Recorded', { ...OUTBOUND_EXAMPLES['Usage Recorded'], newField: 1 }));
    expect(event.detail).toEqual(OUTBOUND_EXAMPLES['Usage Recorded']);
    expect(isUsageRecorded(envelopeOf('Usage Recorded', { ...OUTBOUND_EXAMPLES['Usage Recorded'], newField: 1 }))).toBe(true);
  });

  it.each([
    ['another source', envelopeOf('Render Approved', undefined, { source: 'twinguard.studio' }), 'source', /not TwinGuard's "twinguard"/],
    [
      'an internal event',
      envelopeOf('Render Approved', { jobId: 'j' }, { 'detail-type': 'Reevaluation Requested' }),
      'detail-type',
      /internal/,
    ],
    [
      'an unknown detail-type',
      envelopeOf('Render Approved', undefined, { 'detail-type': 'Render Approvd' }),
      'detail-type',
      /not an event/,
    ],
    [
      'a detail without a field',
      envelopeOf('Takedown Overdue', { ...OUTBOUND_EXAMPLES['Takedown Overdue'], deadline: undefined }),
      'detail.deadline',
      /required/,
    ],
    [
      'a wrong reason code',
      envelopeOf('Takedown Requested', { ...OUTBOUND_EXAMPLES['Takedown Requested'], reason: 'NOPE' }),
      'detail.reason',
      /.+/,
    ],
    ['a detail only', OUTBOUND_EXAMPLES['Render Approved'], 'detail-type', /.+/],
    ['an envelope without resources', envelopeOf('Render Approved', undefined, { resources: undefined }), 'resources', /.+/],
    ['text that is not JSON', '{"version":', '', /not JSON/],
  ])('refuse %s, naming the field', (_, input, path, message) => {
    const error = thrown(() => parseTwinGuardEvent(input));
    expect(error.errors.map((e) => e.path)).toContain(path);
    expect(error.errors.find((e) => e.path === path)!.message).toMatch(message);
    expect(isTwinGuardEvent(input)).toBe(false);
  });

  it('accept only the detail-types asked for', () => {
    const error = thrown(() => parseTwinGuardEvent(envelopeOf('Render Denied'), 'Render Approved'));
    expect(error.message).toBe('Render Denied: detail-type is not "Render Approved"');
    expect(isTwinGuardEvent(envelopeOf('Render Denied'), 'Render Approved', 'Render Denied')).toBe(true);
  });

  it('give the event pattern of a CDK rule that receives them', () => {
    const pattern: EventPattern = twinGuardEventPattern('Render Approved', 'Render Denied');
    expect(pattern).toEqual({ source: ['twinguard'], detailType: ['Render Approved', 'Render Denied'] });
    expect(twinGuardEventPattern().detailType).toEqual(PUBLIC_DETAIL_TYPES);
  });
});
