import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { INBOUND_SCHEMAS, type InboundInputs } from '../shared/model/events/contract.ts';
import {
  DEFAULT_SOURCES,
  INBOUND_ROLES,
  isInboundDetailType,
  type InboundDetailType,
  type RoleSources,
} from '../shared/model/events/roles.ts';
import { parseDetail } from '../shared/model/events/validation.ts';
import { InvalidEventError, PutEventsError, type FailedEntry } from './errors.ts';
import { entrySize, MAX_REQUEST_BYTES, putAll, type PutAllOptions, type RetryOptions } from './put-events.ts';

export type { InboundInputs };

/** Envelope fields an integrator may set besides the detail. */
export interface EntryOptions {
  /** ARNs of resources the event concerns (EventBridge `Resources`). */
  readonly resources?: readonly string[];
  /** When it happened. @default the time EventBridge receives it */
  readonly time?: Date;
  /** An X-Ray trace header to carry on. */
  readonly traceHeader?: string;
}

/** One inbound event: a detail-type and its detail, typed by the contract's schema. */
export type InboundEvent = {
  [K in InboundDetailType]: { readonly detailType: K; readonly detail: InboundInputs[K] } & EntryOptions;
}[InboundDetailType];

export interface SentEvent {
  /** Position of the event in what was given to `send`. */
  index: number;
  detailType: InboundDetailType;
  /** The EventId PutEvents returned: the `eventId` an `Event Rejected` would name. */
  eventId: string;
}

export interface SendReport {
  sent: SentEvent[];
  /** Events PutEvents still refused after the retries; empty when all went through. */
  failed: FailedEntry[];
}

export interface TwinGuardClientOptions {
  /** @default a client configured from the environment, as the AWS SDK does */
  readonly eventBridge?: EventBridgeClient;
  /** Name or ARN of TwinGuard's bus. @default 'twinguard' */
  readonly eventBusName?: string;
  /** The source of each role, if the deployment changed them. @default twinguard.consent, .studio, .publisher, .channel */
  readonly sources?: Partial<RoleSources>;
  readonly retry?: RetryOptions;
  /**
   * The request size PutEvents allows, as EventBridge counts it.
   * @default 262144 (256 KiB)
   */
  readonly maxRequestBytes?: number;
  /** For tests: the wait between attempts and the jitter source. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Sends TwinGuard's inbound events, typed and validated by the contract's own schemas:
 * a wrong field fails to compile, or is refused before anything is sent, naming the field.
 *
 *   const twinguard = new TwinGuardClient({ eventBusName: 'twinguard' });
 *   const { eventId } = await twinguard.renderRequested({ requestId: 'render-77', ... });
 *
 * Each role's source is set for you; only the consent authority may grant or revoke, so a
 * system of another role should not use those two functions (TwinGuard would reject them).
 */
export class TwinGuardClient {
  readonly eventBusName: string;
  readonly sources: RoleSources;
  private readonly eventBridge: EventBridgeClient;
  private readonly putOptions: PutAllOptions;
  private readonly maxRequestBytes: number;

  constructor(options: TwinGuardClientOptions = {}) {
    this.eventBridge = options.eventBridge ?? new EventBridgeClient({});
    this.eventBusName = options.eventBusName ?? 'twinguard';
    this.sources = { ...DEFAULT_SOURCES, ...options.sources };
    this.maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
    this.putOptions = {
      maxRequestBytes: this.maxRequestBytes,
      ...(options.retry && { retry: options.retry }),
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.random && { random: options.random }),
    };
  }

  /** Consent authority: a grant, or an amendment with a higher `version`. */
  consentGranted(detail: InboundInputs['Consent Granted'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Consent Granted', detail, ...options });
  }

  /** Consent authority: revokes a grant for good. */
  consentRevoked(detail: InboundInputs['Consent Revoked'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Consent Revoked', detail, ...options });
  }

  /** Studio: asks whether it may render; answered by `Render Approved` or `Render Denied`. */
  renderRequested(detail: InboundInputs['Render Requested'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Render Requested', detail, ...options });
  }

  /** Publisher: asks whether it may publish; answered by `Publication Approved` or `Publication Denied`. */
  publicationRequested(detail: InboundInputs['Publication Requested'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Publication Requested', detail, ...options });
  }

  /** Channel: the asset is live. */
  assetPublished(detail: InboundInputs['Asset Published'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Asset Published', detail, ...options });
  }

  /** Channel (event connector): the placement was taken down. */
  takedownCompleted(detail: InboundInputs['Takedown Completed'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Takedown Completed', detail, ...options });
  }

  /** Channel (event connector): taking the placement down failed; `final: true` when giving up. */
  takedownFailed(detail: InboundInputs['Takedown Failed'], options?: EntryOptions): Promise<SentEvent> {
    return this.sendOne({ detailType: 'Takedown Failed', detail, ...options });
  }

  /**
   * Sends many events in as few PutEvents calls as the limits allow (10 entries, 256 KiB),
   * resending only the entries that failed with a retryable error. Every event is validated
   * first: one invalid event throws `InvalidEventError` and nothing is sent. Entries that
   * still fail are reported in `failed`, not thrown.
   */
  async send(events: readonly InboundEvent[]): Promise<SendReport> {
    const entries = events.map((event, index) => this.entryOf(event, events.length > 1 ? index : undefined));
    const outcomes = await putAll(this.eventBridge, entries, this.putOptions);
    const report: SendReport = { sent: [], failed: [] };
    outcomes.forEach((outcome, index) => {
      const detailType = events[index]!.detailType;
      if ('eventId' in outcome) report.sent.push({ index, detailType, eventId: outcome.eventId });
      else report.failed.push({ index, detailType, ...outcome });
    });
    return report;
  }

  /** The PutEvents entry of an event, after validating it; throws `InvalidEventError`. */
  entryOf(event: InboundEvent, index?: number): PutEventsRequestEntry {
    const detailType: string = event.detailType;
    if (!isInboundDetailType(detailType)) {
      const known = Object.keys(INBOUND_ROLES).join(', ');
      throw new InvalidEventError(detailType, [{ path: 'detail-type', message: `is not an inbound event; one of ${known}` }], index);
    }
    const parsed = parseDetail(INBOUND_SCHEMAS[detailType], event.detail);
    if (!parsed.ok) throw new InvalidEventError(detailType, parsed.errors, index);
    const entry: PutEventsRequestEntry = {
      EventBusName: this.eventBusName,
      Source: this.sources[INBOUND_ROLES[detailType]],
      DetailType: detailType,
      // As given: unknown extra fields are the integrator's to send, and TwinGuard ignores them.
      Detail: JSON.stringify(event.detail),
      ...(event.resources && { Resources: [...event.resources] }),
      ...(event.time && { Time: event.time }),
      ...(event.traceHeader && { TraceHeader: event.traceHeader }),
    };
    const size = entrySize(entry);
    if (size > this.maxRequestBytes) {
      throw new InvalidEventError(
        detailType,
        [{ path: 'detail', message: `makes an entry of ${size} bytes; PutEvents takes at most ${this.maxRequestBytes}` }],
        index,
      );
    }
    return entry;
  }

  private async sendOne(event: InboundEvent): Promise<SentEvent> {
    const { sent, failed } = await this.send([event]);
    if (failed[0] !== undefined) throw new PutEventsError(failed[0]);
    return sent[0]!;
  }
}
