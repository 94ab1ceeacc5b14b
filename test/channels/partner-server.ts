/**
 * A real HTTP server playing a channel partner: it checks the signature the way partners
 * are told to (docs/channels.md), with the `standardwebhooks` library itself, records what
 * arrived, and answers as the path says:
 *   /status/<code>  that status (302 points at /status/200; 429 and 503 add Retry-After: 3)
 *   /script/<a>,<b> the next status of the script at each request to it (the last repeats), no Retry-After
 *   /hang           reads the request, never answers
 *   /reset          reads the request, then resets the TCP connection
 * A request whose `webhook-signature` does not verify (no signature by an accepted secret,
 * or a timestamp more than 5 minutes from now) is answered 401 whatever the path. The
 * deprecated `x-twinguard-signature` is checked and recorded, not enforced.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { SECRET_PREFIX, SIGNATURE_HEADER, verifySignature } from '../../shared/adapters/webhook/signature.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `webhook-signature` verified by `standardwebhooks` with one of the partner's secrets. */
  signatureValid: boolean;
  /** Why `standardwebhooks` refused it, when it did. */
  verifyError?: string;
  /** The deprecated `x-twinguard-signature` verified with one of the partner's secrets. */
  legacySignatureValid: boolean;
}

/**
 * How a partner builds the verifier for its secret, as docs/channels.md tells it: a
 * `whsec_` secret as it is; a plain one as its UTF-8 bytes in `raw` format (without it the
 * library would base64-decode the passphrase).
 */
export function verifierFor(secret: string): Webhook {
  return secret.startsWith(SECRET_PREFIX) ? new Webhook(secret) : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
}

/** The partner's check: the first verifier that accepts wins; the last refusal says why. */
function verify(verifiers: Webhook[], body: Buffer, headers: IncomingHttpHeaders): string | undefined {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') flat[name] = value;
  let refusal = 'no secret';
  for (const verifier of verifiers) {
    try {
      verifier.verify(body, flat);
      return undefined;
    } catch (error) {
      refusal = (error as Error).message;
    }
  }
  return refusal;
}

export interface PartnerServer {
  url(path: string): string;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/** `secrets`: the one the partner holds, or, during a rotation, every one it accepts. */
export async function startPartner(secrets: string | readonly string[]): Promise<PartnerServer> {
  const accepted = typeof secrets === 'string' ? [secrets] : [...secrets];
  const verifiers = accepted.map(verifierFor);
  const received: ReceivedRequest[] = [];
  const scriptCalls = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const verifyError = verify(verifiers, body, req.headers);
      const signatureValid = verifyError === undefined;
      const legacySignatureValid = accepted.some((s) => verifySignature(body, req.headers[SIGNATURE_HEADER], s));
      const path = req.url ?? '/';
      received.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        signatureValid,
        ...(verifyError !== undefined && { verifyError }),
        legacySignatureValid,
      });
      if (!signatureValid) return void res.writeHead(401).end();
      if (path === '/hang') return;
      if (path === '/reset') return void req.socket.resetAndDestroy();
      const script = /^\/script\/([\d,]+)$/.exec(path)?.[1]?.split(',').map(Number);
      const call = scriptCalls.get(path) ?? 0;
      scriptCalls.set(path, call + 1);
      const status = script ? script[Math.min(call, script.length - 1)]! : Number(/^\/status\/(\d{3})$/.exec(path)?.[1] ?? 404);
      const headers: Record<string, string> = {};
      if (status === 302) headers['location'] = '/status/200';
      if (!script && (status === 429 || status === 503)) headers['retry-after'] = '3';
      res.writeHead(status, headers).end(status === 204 ? undefined : 'partner says hi');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: async () => {
      server.closeAllConnections(); // the /hang sockets would otherwise keep close() waiting
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A URL on a port that was just free, so connecting to it is refused. */
export async function closedPortUrl(): Promise<string> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/takedowns`;
}
