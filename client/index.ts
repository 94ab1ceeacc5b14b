/**
 * `twinguard/client`: send TwinGuard's inbound events, typed and validated by the contract's
 * schemas; parse the events it emits; verify its webhook deliveries.
 */
export {
  TwinGuardClient,
  type EntryOptions,
  type InboundEvent,
  type InboundInputs,
  type SendReport,
  type SentEvent,
  type TwinGuardClientOptions,
} from './client.ts';
export {
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
  type OutboundDetails,
  type PublicDetailType,
  type TwinGuardEvent,
} from './consumer.ts';
export { InvalidEventError, PutEventsError, TwinGuardClientError, WebhookVerificationError, type FailedEntry } from './errors.ts';
export { batches, entrySize, MAX_ENTRIES_PER_REQUEST, MAX_REQUEST_BYTES, type RetryOptions } from './put-events.ts';
export {
  signWebhook,
  verifyWebhook,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type VerifiedDelivery,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookSecret,
} from './webhook.ts';
export { INBOUND_EXAMPLES, OUTBOUND_EXAMPLES } from '../shared/model/events/examples.ts';
export type { FieldError } from '../shared/model/events/validation.ts';
