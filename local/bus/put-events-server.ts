import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AccessKeyAccounts, accessKeyIdOf } from './access-keys.ts';
import { AwsJsonProtocolError } from './errors.ts';
import {
  DEFAULT_EVENT_BUS,
  DEFAULT_MAX_REQUEST_BYTES,
  LOCAL_ACCOUNT,
  messageOf,
  putEvents,
  type OnEvent,
  type PutEventsContext,
} from './put-events.ts';

const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface PutEventsServerOptions {
  /** Called once per accepted entry, in entry order; PutEvents answers after it settles. */
  onEvent: OnEvent;
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** The account of every event when `accounts` is absent. @default '000000000000' */
  account?: string;
  /**
   * Who each caller is: the account of the access key that signed the request (SigV4
   * `Authorization` header), stamped on its events as EventBridge does. A request signed with
   * a key not listed, or not signed, is refused as AWS refuses an unknown key.
   * @default every caller is `account`
   */
  accounts?: AccessKeyAccounts;
  /** Buses that exist besides "default". */
  eventBuses?: readonly string[];
  /** @default 262144 (256 KiB) */
  maxRequestBytes?: number;
}

export interface PutEventsServer {
  /** `http://<host>:<port>`, ready for `new EventBridgeClient({ endpoint })`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startPutEventsServer(options: PutEventsServerOptions): Promise<PutEventsServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(createPutEventsListener(options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, port, close: () => closeServer(server) };
}

/** The request listener alone, for a runtime that serves other paths on the same port. */
export function createPutEventsListener(options: PutEventsServerOptions) {
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const ctx: PutEventsContext = {
    region: options.region ?? 'us-east-1',
    account: options.account ?? LOCAL_ACCOUNT,
    eventBuses: new Set([DEFAULT_EVENT_BUS, ...(options.eventBuses ?? [])]),
    maxRequestBytes,
    onEvent: options.onEvent,
  };
  // JSON escaping can more than double the entries' size on the wire (a Detail full of
  // quotes), so the body cap is generous; it exists only to bound memory.
  const maxBodyBytes = 8 * maxRequestBytes + 64 * 1024;
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res, ctx, maxBodyBytes, options.accounts).catch((error: unknown) => {
      sendError(res, new AwsJsonProtocolError('InternalFailure', messageOf(error), 500));
    });
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: PutEventsContext,
  maxBodyBytes: number,
  accounts: AccessKeyAccounts | undefined,
) {
  const body = await readBody(req, maxBodyBytes);
  try {
    // AWS authenticates before anything else: an unknown caller learns nothing about the request.
    const account = accounts === undefined ? ctx.account : callerAccount(req, accounts);
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== PUT_EVENTS_TARGET) {
      throw new AwsJsonProtocolError('UnknownOperationException', `operation ${String(target)} is not supported here`);
    }
    if (body === undefined) {
      throw new AwsJsonProtocolError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    send(res, 200, await putEvents(parseJson(body), { ...ctx, account }));
  } catch (error) {
    if (!(error instanceof AwsJsonProtocolError)) throw error;
    sendError(res, error);
  }
}

/** The account of the key that signed the request, as AWS answers an unsigned request or an unknown key. */
function callerAccount(req: IncomingMessage, accounts: AccessKeyAccounts): string {
  const keyId = accessKeyIdOf(req.headers.authorization);
  if (keyId === undefined) {
    throw new AwsJsonProtocolError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  }
  const account = accounts.get(keyId);
  if (account === undefined) {
    throw new AwsJsonProtocolError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
  }
  return account;
}

/** The whole body, or undefined once it passes the cap (the rest is read and dropped). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= maxBytes) chunks.push(buffer);
  }
  return size <= maxBytes ? Buffer.concat(chunks) : undefined;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new AwsJsonProtocolError('SerializationException', `the request body is not JSON: ${messageOf(error)}`);
  }
}

function sendError(res: ServerResponse, error: AwsJsonProtocolError): void {
  if (res.headersSent) return;
  res.setHeader('x-amzn-ErrorType', error.awsType);
  send(res, error.statusCode, { __type: error.awsType, message: error.message });
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep connections alive; without this, close waits for their idle timeout.
    server.closeIdleConnections();
  });
}
