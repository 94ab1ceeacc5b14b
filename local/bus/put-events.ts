import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { AwsJsonProtocolError } from './errors.ts';

export const DEFAULT_EVENT_BUS = 'default';
export const LOCAL_ACCOUNT = '000000000000';
export const MAX_ENTRIES_PER_REQUEST = 10;
/** The limit the contract was written against; EventBridge itself has since raised it. */
export const DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResponse {
  Entries: PutEventsResultEntry[];
  FailedEntryCount: number;
}

export type OnEvent = (busName: string, envelope: EventEnvelope) => void | Promise<void>;

export interface PutEventsContext {
  region: string;
  account: string;
  /** Every bus that exists, "default" included. */
  eventBuses: ReadonlySet<string>;
  maxRequestBytes: number;
  onEvent: OnEvent;
  newId?: () => string;
  now?: () => Date;
}

/** A request entry after the wire types were checked; field names as on the wire. */
interface RequestEntry {
  Time?: number;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

type Checked = { busName: string; entry: RequestEntry; detail: object } | { ErrorCode: string; ErrorMessage: string };

/**
 * PutEvents as EventBridge answers it: request-level problems throw (the SDK raises them),
 * entry-level problems fail only that entry, and the rest of the batch still goes through.
 */
export async function putEvents(body: unknown, ctx: PutEventsContext): Promise<PutEventsResponse> {
  const entries = readEntries(body);
  checkMemberLengths(entries);
  const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (size > ctx.maxRequestBytes) {
    throw new AwsJsonProtocolError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  const newId = ctx.newId ?? randomUUID;
  const now = ctx.now ?? (() => new Date());
  const results: PutEventsResultEntry[] = [];
  for (const entry of entries) {
    const checked = checkEntry(entry, ctx.eventBuses);
    if ('ErrorCode' in checked) {
      results.push(checked);
      continue;
    }
    const envelope = toEnvelope(checked.entry, checked.detail, newId(), now(), ctx);
    try {
      await ctx.onEvent(checked.busName, envelope);
      results.push({ EventId: envelope.id });
    } catch (error) {
      // The bus could not take it (tap write failed, bus closed): a retryable entry error,
      // so a careful caller resends just this entry.
      results.push({ ErrorCode: 'InternalFailure', ErrorMessage: messageOf(error) });
    }
  }
  return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
}

function readEntries(body: unknown): RequestEntry[] {
  if (!isRecord(body)) throw serialization('the request body must be a JSON object');
  const entries = body['Entries'];
  if (entries === undefined || entries === null) {
    throw new AwsJsonProtocolError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(entries)) throw serialization('Entries must be a list');
  if (entries.length < 1 || entries.length > MAX_ENTRIES_PER_REQUEST) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES_PER_REQUEST}`;
    throw new AwsJsonProtocolError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return entries.map(readEntry);
}

const STRING_FIELDS = ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const;

function readEntry(raw: unknown, index: number): RequestEntry {
  if (!isRecord(raw)) throw serialization(`Entries[${index}] must be an object`);
  const entry: RequestEntry = {};
  for (const field of STRING_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw serialization(`Entries[${index}].${field} must be a string`);
    entry[field] = value;
  }
  const time = raw['Time'];
  if (time !== undefined && time !== null) {
    // awsJson1_1 sends timestamps as epoch seconds.
    if (typeof time !== 'number') throw serialization(`Entries[${index}].Time must be epoch seconds`);
    entry.Time = time;
  }
  const resources = raw['Resources'];
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources) || !resources.every((r): r is string => typeof r === 'string')) {
      throw serialization(`Entries[${index}].Resources must be a list of strings`);
    }
    entry.Resources = resources;
  }
  return entry;
}

/** PutEventsRequestEntry's length constraints (Source 256, DetailType 128, up to 100 Resources of 2048). */
const MEMBER_LIMITS = { Source: 256, DetailType: 128, Resources: 100, Resource: 2048 } as const;

/**
 * EventBridge checks the members' lengths on the request as a whole, as its API model
 * declares them: one entry over a bound fails the call with a ValidationException. The
 * value is not echoed (EventBridge does): it may be as large as the request.
 */
function checkMemberLengths(entries: readonly RequestEntry[]): void {
  const errors: string[] = [];
  const over = (at: string, max: number) =>
    `Value at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;
  entries.forEach((entry, i) => {
    const member = `entries.${i + 1}.member`;
    if ((entry.Source?.length ?? 0) > MEMBER_LIMITS.Source) errors.push(over(`${member}.source`, MEMBER_LIMITS.Source));
    if ((entry.DetailType?.length ?? 0) > MEMBER_LIMITS.DetailType) errors.push(over(`${member}.detailType`, MEMBER_LIMITS.DetailType));
    const resources = entry.Resources ?? [];
    if (resources.length > MEMBER_LIMITS.Resources) errors.push(over(`${member}.resources`, MEMBER_LIMITS.Resources));
    resources.forEach((r, j) => {
      if (r.length > MEMBER_LIMITS.Resource) errors.push(over(`${member}.resources.${j + 1}.member`, MEMBER_LIMITS.Resource));
    });
  });
  if (errors.length === 0) return;
  const count = errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`;
  throw new AwsJsonProtocolError('ValidationException', `${count} detected: ${errors.join('; ')}`);
}

/** As documented in "Calculating PutEvents event entry size": a given Time counts 14 bytes. */
export function entrySize(entry: RequestEntry): number {
  const strings = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])];
  const stringBytes = strings.reduce((sum, s) => sum + (s === undefined ? 0 : Buffer.byteLength(s, 'utf8')), 0);
  return (entry.Time === undefined ? 0 : 14) + stringBytes;
}

function checkEntry(entry: RequestEntry, eventBuses: ReadonlySet<string>): Checked {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[field]) {
      return invalid(`Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
  }
  const detail = parseDetail(entry.Detail ?? '');
  if (detail === undefined) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (depthOf(detail) > MAX_DETAIL_DEPTH) {
    return {
      ErrorCode: 'MalformedDetail',
      ErrorMessage: `Detail nests deeper than ${MAX_DETAIL_DEPTH} levels (a limit of the local runtime).`,
    };
  }
  if (entry.Source?.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  if (entry.Time !== undefined && !Number.isFinite(new Date(entry.Time * 1000).getTime())) {
    return invalid('Parameter Time is not valid.');
  }
  const busName = busNameOf(entry.EventBusName);
  if (busName === undefined) return invalid('Parameter EventBusName is not valid.');
  if (!eventBuses.has(busName)) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  }
  return { busName, entry, detail };
}

/**
 * The local runtime copies each event for every target and writes it to the tap, and both
 * recurse: a detail nested thousands of levels deep would overflow the stack there. No real
 * detail comes near this bound; the local endpoint refuses what is past it.
 */
export const MAX_DETAIL_DEPTH = 256;

/** How deep a parsed JSON value nests, counted without recursion. */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_DETAIL_DEPTH) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Rules match on the detail's fields, so EventBridge only takes a JSON object. */
function parseDetail(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A name or an ARN `arn:<partition>:events:<region>:<account>:event-bus/<name>`. The ARN's
 * account and region are not compared: there is one local account, and code configured with
 * a deployed bus's ARN should still reach the bus of that name.
 */
export function busNameOf(ref: string | undefined): string | undefined {
  if (ref === undefined || ref === '') return DEFAULT_EVENT_BUS;
  if (!ref.startsWith('arn:')) return ref;
  const parts = ref.split(':');
  const resource = parts.slice(5).join(':');
  if (parts.length < 6 || parts[2] !== 'events' || !resource.startsWith('event-bus/')) return undefined;
  const name = resource.slice('event-bus/'.length);
  return name === '' ? undefined : name;
}

function toEnvelope(entry: RequestEntry, detail: object, id: string, now: Date, ctx: PutEventsContext): EventEnvelope {
  const time = entry.Time === undefined ? now : new Date(entry.Time * 1000);
  return {
    version: '0',
    id,
    'detail-type': entry.DetailType ?? '',
    source: entry.Source ?? '',
    account: ctx.account,
    // EventBridge stamps whole seconds.
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: ctx.region,
    resources: entry.Resources ?? [],
    detail,
  };
}

function invalid(message: string): Checked {
  return { ErrorCode: 'InvalidArgument', ErrorMessage: message };
}

function serialization(message: string): AwsJsonProtocolError {
  return new AwsJsonProtocolError('SerializationException', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
