import * as z from 'zod/mini';
import { TWINGUARD_SOURCE, type EventEnvelope } from '../shared/model/events/envelope.ts';
import { INTERNAL_SCHEMAS } from '../shared/model/events/internal-schemas.ts';
import {
  isPublicDetailType,
  OUTBOUND_SCHEMAS,
  type OutboundDetails,
  type PublicDetailType,
} from '../shared/model/events/outbound-schemas.ts';
import { parseDetail, type FieldError } from '../shared/model/events/validation.ts';
import { InvalidEventError } from './errors.ts';

export type { OutboundDetails, PublicDetailType };

/**
 * An event TwinGuard emitted, as a rule's target receives it: a Lambda function gets it as
 * its event, an SQS queue as the message body (JSON), without an input transformer.
 */
export type TwinGuardEvent<K extends PublicDetailType = PublicDetailType> = {
  [P in K]: EventEnvelope<OutboundDetails[P]> & { 'detail-type': P; source: typeof TWINGUARD_SOURCE };
}[K];

const envelopeSchema = z.object({
  version: z.string(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});

/**
 * Parses an event TwinGuard emitted: the EventBridge envelope as an object (a Lambda target's
 * event) or as JSON text (an SQS message body). Checks the envelope, that the source is
 * `twinguard`, and the detail against its detail-type's schema (fields it does not know are
 * dropped). With `detailTypes`, only those are accepted. Throws `InvalidEventError` naming
 * each field that is wrong.
 */
export function parseTwinGuardEvent<K extends PublicDetailType = PublicDetailType>(input: unknown, ...detailTypes: K[]): TwinGuardEvent<K> {
  const result = check(input, detailTypes);
  if (!result.ok) throw new InvalidEventError(result.detailType, result.errors);
  return result.event as TwinGuardEvent<K>;
}

/** An SQS record whose queue is the target of a rule on TwinGuard's bus: its body is the event. */
export function parseSqsRecord<K extends PublicDetailType = PublicDetailType>(
  record: { readonly body: string },
  ...detailTypes: K[]
): TwinGuardEvent<K> {
  return parseTwinGuardEvent(record.body, ...detailTypes);
}

/** True when `input` is a valid event TwinGuard emitted (of one of `detailTypes`, when given). */
export function isTwinGuardEvent<K extends PublicDetailType = PublicDetailType>(
  input: unknown,
  ...detailTypes: K[]
): input is TwinGuardEvent<K> {
  return typeof input === 'object' && check(input, detailTypes).ok;
}

function guard<K extends PublicDetailType>(detailType: K): (input: unknown) => input is TwinGuardEvent<K> {
  return (input: unknown): input is TwinGuardEvent<K> => isTwinGuardEvent(input, detailType);
}

export const isRenderApproved = guard('Render Approved');
export const isRenderDenied = guard('Render Denied');
export const isPublicationApproved = guard('Publication Approved');
export const isPublicationDenied = guard('Publication Denied');
export const isTakedownRequested = guard('Takedown Requested');
export const isTakedownCompleted = guard('Takedown Completed');
export const isTakedownFailed = guard('Takedown Failed');
export const isTakedownOverdue = guard('Takedown Overdue');
export const isRemovalVerified = guard('Removal Verified');
export const isRemovalUnverified = guard('Removal Unverified');
export const isRemovalCertificateIssued = guard('Removal Certificate Issued');
export const isUsageRecorded = guard('Usage Recorded');
export const isEventRejected = guard('Event Rejected');

/**
 * The event pattern of a CDK rule that receives these of TwinGuard's events (all public ones
 * when none is named): `new Rule(this, id, { eventBus, eventPattern: twinGuardEventPattern('Render Approved') })`.
 * For the raw API, the JSON pattern is `{ "source": [...], "detail-type": [...] }`.
 */
export function twinGuardEventPattern(...detailTypes: PublicDetailType[]): { source: string[]; detailType: string[] } {
  return { source: [TWINGUARD_SOURCE], detailType: detailTypes.length > 0 ? detailTypes : Object.keys(OUTBOUND_SCHEMAS) };
}

type Checked = { ok: true; event: TwinGuardEvent } | { ok: false; detailType: string; errors: FieldError[] };

function check(input: unknown, wanted: readonly PublicDetailType[]): Checked {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, detailType: 'event', errors: [{ path: '', message: 'is not JSON (expected an EventBridge event)' }] };
    }
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    const errors = envelope.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    return { ok: false, detailType: 'event', errors };
  }
  const { 'detail-type': detailType, source, detail } = envelope.data;
  if (source !== TWINGUARD_SOURCE) {
    return { ok: false, detailType, errors: [{ path: 'source', message: `is "${source}", not TwinGuard's "${TWINGUARD_SOURCE}"` }] };
  }
  if (!isPublicDetailType(detailType)) {
    const message = Object.hasOwn(INTERNAL_SCHEMAS, detailType)
      ? 'is internal to TwinGuard, not part of the contract: match only the detail-types you consume in your rule'
      : 'is not an event of the TwinGuard contract';
    return { ok: false, detailType, errors: [{ path: 'detail-type', message }] };
  }
  if (wanted.length > 0 && !wanted.includes(detailType)) {
    return { ok: false, detailType, errors: [{ path: 'detail-type', message: `is not ${wanted.map((t) => `"${t}"`).join(' or ')}` }] };
  }
  const parsed = parseDetail(OUTBOUND_SCHEMAS[detailType], detail);
  if (!parsed.ok) return { ok: false, detailType, errors: parsed.errors };
  return { ok: true, event: { ...envelope.data, source: TWINGUARD_SOURCE, detail: parsed.value } as TwinGuardEvent };
}
