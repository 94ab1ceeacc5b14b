import { open, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { DEFAULT_SOURCES, INBOUND_DETAIL_TYPES, INBOUND_ROLES, isInboundDetailType } from '../../shared/model/events/roles.ts';
import { readDiscovery } from '../runtime/discovery.ts';
import { formatEventLine } from '../runtime/event-line.ts';
import { DEFAULT_DATA_DIR } from '../runtime/flags.ts';
import { CliUsageError, LocalCliError } from './errors.ts';
import { contractFields, sampleDetail, setField, settableFields } from './samples.ts';
import type { CliIo } from './io.ts';

export const USAGE = `Usage: twinguard send <event> [--set field=value ...] [--file FILE] [flags]

Sends one inbound event to the running local runtime (through the real EventBridge
PutEvents API), waits for TwinGuard's answer on the tap and prints it. The event is a
sample from docs/events.md with fresh ids; --set changes a field, --file sends your own.
Only ever talks to the local runtime, never to AWS.

Events: ${INBOUND_DETAIL_TYPES.map((t) => `"${t}"`).join(', ')}

Flags:
  --set FIELD=VALUE  set a field of the sample (repeatable); nested fields with dots
                     (scope.media=video); VALUE is JSON when it parses (2, true, ["a","b"]),
                     else a string; a list field also takes a,b
  --file FILE        the detail as a JSON object, instead of the sample (--set still applies)
  --data DIR         the runtime's state folder, where it wrote runtime.json (default ${DEFAULT_DATA_DIR}/)
  --wait SECONDS     how long to wait for the answer (default 15)
  --json             print the envelopes as JSON lines instead of readable lines
  --help             show this help

Examples:
  twinguard send 'Consent Granted' --set twinId=twin-a
  twinguard send 'Render Requested' --set twinIds=twin-a

Exit codes: 0 sent (and answered, when the event has an answer), 1 no runtime or no answer, 2 bad arguments.`;

/** Which outbound detail-types end the wait, per inbound event; the others wait until the bus is quiet. */
const ANSWERS: Partial<Record<string, readonly string[]>> = {
  'Render Requested': ['Render Approved', 'Render Denied'],
  'Publication Requested': ['Publication Approved', 'Publication Denied'],
};
const ID_FIELDS = ['requestId', 'publicationId', 'grantId', 'takedownId', 'placementId'] as const;
/** With no definite answer, the wait ends once nothing related has crossed the bus for this long. */
const QUIET_MS = 1500;

export async function sendMain(argv: readonly string[], io: CliIo, cwd = process.cwd()): Promise<number> {
  try {
    return await send(argv, io, cwd);
  } catch (error) {
    if (!(error instanceof LocalCliError)) throw error;
    io.err(`twinguard send: ${error.message}`);
    return error.exitCode;
  }
}

async function send(argv: readonly string[], io: CliIo, cwd: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        set: { type: 'string', multiple: true, default: [] },
        file: { type: 'string' },
        data: { type: 'string', default: DEFAULT_DATA_DIR },
        wait: { type: 'string', default: '15' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw usage(`give exactly one event, e.g. twinguard send 'Consent Granted'`);
  const detailType = positionals[0]!;
  if (!isInboundDetailType(detailType)) {
    throw usage(`unknown event "${detailType}"; the events are: ${INBOUND_DETAIL_TYPES.map((t) => `"${t}"`).join(', ')}`);
  }
  const waitMs = Number(values.wait) * 1000;
  if (!(waitMs > 0)) throw usage(`--wait must be a positive number of seconds, got "${values.wait}"`);
  const detail = values.file === undefined ? sampleDetail(detailType) : await readDetailFile(resolve(cwd, values.file));
  const fields = [...new Set([...settableFields(detail), ...contractFields(detailType)])];
  for (const assignment of values.set) {
    const eq = assignment.indexOf('=');
    const field = eq < 0 ? assignment : assignment.slice(0, eq);
    if (eq <= 0 || !fields.includes(field)) {
      throw usage(
        `${eq <= 0 ? `--set needs FIELD=VALUE, got "${assignment}"` : `"${detailType}" has no field "${field}"`}; its fields are: ${fields.join(', ')}`,
      );
    }
    setField(detail, field, assignment.slice(eq + 1));
  }

  const stateDir = resolve(cwd, values.data);
  const runtime = readDiscovery(stateDir);
  if (runtime === undefined) {
    throw new LocalCliError(
      `no local runtime is running with the state folder ${stateDir} (no live runtime.json there): start one with ` +
        '"npx twinguard start" (or "npm start"), or give --data the folder of the one running. send never talks to AWS.',
    );
  }
  const offset = await stat(runtime.tapFile).then(
    (s) => s.size,
    () => 0,
  );
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const client = new EventBridgeClient({
    endpoint: runtime.url,
    region: runtime.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  let eventId: string;
  try {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: runtime.eventBuses[0] ?? 'twinguard',
            Source: DEFAULT_SOURCES[INBOUND_ROLES[detailType]],
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if (entry?.EventId === undefined) {
      throw new LocalCliError(`the runtime refused the event: ${entry?.ErrorCode ?? 'no entry'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
    eventId = entry.EventId;
  } catch (error) {
    if (error instanceof LocalCliError) throw error;
    throw new LocalCliError(
      `cannot reach the runtime at ${runtime.url} (${error instanceof Error ? error.message : String(error)}): is it still running? Look at its stderr.`,
    );
  } finally {
    client.destroy();
  }
  return await printAnswer(io, runtime.tapFile, offset, eventId, detailType, detail, waitMs, values.json);
}

async function printAnswer(
  io: CliIo,
  tapFile: string,
  offset: number,
  eventId: string,
  detailType: string,
  detail: Record<string, unknown>,
  waitMs: number,
  json: boolean,
): Promise<number> {
  const answers = ANSWERS[detailType];
  const deadline = Date.now() + waitMs;
  let lastSeen = Date.now();
  let position = offset;
  let rest = '';
  let seenOwn = false;
  const show = (e: EventEnvelope) => io.out(json ? JSON.stringify(e) : formatEventLine('twinguard', e, 1));
  for (;;) {
    const chunk = await readFrom(tapFile, position);
    position += chunk.length;
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const envelope = parseLine(line);
      if (envelope === undefined) continue;
      if (envelope.id === eventId) {
        seenOwn = true;
        lastSeen = Date.now();
        show(envelope);
        continue;
      }
      if (!isRelated(envelope, eventId, detail)) continue;
      lastSeen = Date.now();
      show(envelope);
      if (envelope['detail-type'] === 'Event Rejected') return 1;
      if (answers?.includes(envelope['detail-type'])) return 0;
    }
    if (answers === undefined && seenOwn && Date.now() - lastSeen >= QUIET_MS) return 0;
    if (Date.now() > deadline) {
      io.err(
        seenOwn
          ? `twinguard send: no ${answers?.join(' or ') ?? 'answer'} within ${waitMs / 1000} s: look at the runtime's stderr, or wait longer with --wait`
          : `twinguard send: event ${eventId} was accepted but is not on the tap ${tapFile}: is the runtime running with another --tap?`,
      );
      return answers === undefined && seenOwn ? 0 : 1;
    }
    await sleep(100);
  }
}

function isRelated(e: EventEnvelope, eventId: string, sent: Record<string, unknown>): boolean {
  if (e.source !== 'twinguard') return false;
  const d = (e.detail ?? {}) as Record<string, unknown>;
  if (d['eventId'] === eventId) return true;
  for (const field of ID_FIELDS) {
    if (typeof sent[field] === 'string' && d[field] === sent[field]) return true;
  }
  if (typeof sent['grantId'] === 'string' && Array.isArray(d['grantIds']) && d['grantIds'].includes(sent['grantId'])) return true;
  const refs = [sent['requestId'], sent['placementId']].filter((r) => typeof r === 'string');
  return typeof d['refId'] === 'string' && refs.includes(d['refId']);
}

async function readFrom(path: string, position: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const { size } = await handle.stat();
    if (size <= position) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - position);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function parseLine(line: string): EventEnvelope | undefined {
  try {
    const value = JSON.parse(line) as EventEnvelope;
    return typeof value === 'object' && value !== null && typeof value.id === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

async function readDetailFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usage(`cannot read --file ${path} (${error instanceof Error && 'code' in error ? String(error.code) : String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usage(`--file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw usage(`--file ${path} must hold one JSON object: the detail`);
  return value as Record<string, unknown>;
}

function usage(message: string): CliUsageError {
  return new CliUsageError(`${message}; run "twinguard send --help" for the usage`);
}
