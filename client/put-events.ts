import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { FailedEntry } from './errors.ts';

/** PutEvents takes at most 10 entries per call. */
export const MAX_ENTRIES_PER_REQUEST = 10;
/** ... and at most 256 KiB of entries, counted as `entrySize` does. */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Entry error codes that sending again cannot fix (from the PutEventsResultEntry reference), and the bus not existing. */
const PERMANENT = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'ResourceNotFoundException',
  'ValidationException',
]);

export interface RetryOptions {
  /** PutEvents calls per entry at most, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Backoff base: attempt n waits a random time up to base x 2^(n-2), capped. @default 100 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
}

export interface PutAllOptions {
  readonly retry?: RetryOptions;
  readonly maxRequestBytes?: number;
  /** For tests: waits between attempts, and the jitter source. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export type PutOutcome = { eventId: string } | Omit<FailedEntry, 'index' | 'detailType'>;

/**
 * An entry's size as EventBridge counts it ("Calculating PutEvents event entry size"): the
 * UTF-8 bytes of Source, DetailType, Detail and each of Resources, and 14 for a Time.
 * EventBusName and TraceHeader do not count.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const strings = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])];
  return strings.reduce((sum, s) => sum + (s === undefined ? 0 : Buffer.byteLength(s, 'utf8')), entry.Time === undefined ? 0 : 14);
}

/**
 * Groups entries, in order, into PutEvents requests of at most 10 entries and `maxBytes`.
 * An entry larger than `maxBytes` on its own must have been refused before.
 */
export function batches<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes = MAX_REQUEST_BYTES): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length === MAX_ENTRIES_PER_REQUEST || (current.length > 0 && bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Puts every entry, in requests within PutEvents' limits. PutEvents can accept a request in
 * part: only the entries it failed with a retryable code (InternalFailure, ThrottlingException,
 * or a whole request the SDK gave up on) are sent again, after a backoff with full jitter,
 * up to `maxAttempts` calls per entry. Returns one outcome per entry, in order: its EventId,
 * or why it still failed.
 */
export async function putAll(
  client: Pick<EventBridgeClient, 'send'>,
  entries: readonly PutEventsRequestEntry[],
  options: PutAllOptions = {},
): Promise<PutOutcome[]> {
  const maxAttempts = options.retry?.maxAttempts ?? 5;
  const base = options.retry?.baseDelayMs ?? 100;
  const cap = options.retry?.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const outcomes: (PutOutcome | undefined)[] = new Array(entries.length);
  let pending = entries.map((_, index) => index);
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 2))));
    const retry: number[] = [];
    for (const batch of batches(pending, (i) => entrySize(entries[i]!), options.maxRequestBytes)) {
      const results = await putBatch(
        client,
        batch.map((i) => entries[i]!),
      );
      batch.forEach((index, at) => {
        const result = results[at]!;
        if ('eventId' in result) outcomes[index] = result;
        else if (!PERMANENT.has(result.errorCode) && attempt < maxAttempts) retry.push(index);
        else outcomes[index] = { ...result, attempts: attempt };
      });
    }
    pending = retry;
  }
  return outcomes as PutOutcome[];
}

type BatchResult = { eventId: string } | { errorCode: string; errorMessage: string };

async function putBatch(client: Pick<EventBridgeClient, 'send'>, entries: PutEventsRequestEntry[]): Promise<BatchResult[]> {
  let out;
  try {
    out = await client.send(new PutEventsCommand({ Entries: entries }));
  } catch (error) {
    // The whole request failed after the SDK's own retries (network, throttling, a 5xx):
    // each of its entries failed the same way.
    const errorCode = error instanceof Error ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    return entries.map(() => ({ errorCode, errorMessage }));
  }
  return entries.map((_, i) => {
    const result = out.Entries?.[i];
    if (result?.EventId !== undefined && result.ErrorCode === undefined) return { eventId: result.EventId };
    return {
      errorCode: result?.ErrorCode ?? 'MissingResult',
      errorMessage: result?.ErrorMessage ?? 'PutEvents returned no result for this entry',
    };
  });
}
