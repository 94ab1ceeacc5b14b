import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { RemovalProbe } from '../../model/removal.ts';
import type { RemovalChecker } from '../../ports/removal-checker.ts';
import { isPublicAddress } from './address-policy.ts';

export interface RemovalCheckOptions {
  /**
   * Local runtime and tests only: also http, and loopback or private addresses. The
   * construct never sets it, so the deployed checker is https to public addresses only.
   */
  allowLocal?: boolean;
  /** The whole look, from DNS to the status line. @default 5000 */
  timeoutMs?: number;
  /** The most header bytes read before giving up. @default 8192 */
  maxHeaderBytes?: number;
  /** Every address a host name resolves to. @default the system resolver (`dns.lookup`, all addresses) */
  resolve?: (host: string) => Promise<string[]>;
}

async function systemResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

const MAX_URL = 2048;
const RESERVED_NAMES = ['invalid', 'localhost', 'test', 'example', 'local', 'internal'];

function isLocalName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * One GET per look, to the address it checked: the host is resolved once, every address it
 * resolves to must be public (unless `allowLocal`), and the connection goes to that checked
 * address (TLS still verifies the certificate against the host name), so a DNS answer
 * cannot change between the check and the connection. Only the status line and headers are
 * read, then the connection is dropped: no body byte is read, and a redirect is not followed
 * (it is a status like any other: the URL still serves something).
 */
export class HttpRemovalChecker implements RemovalChecker {
  private readonly allowLocal: boolean;
  private readonly timeoutMs: number;
  private readonly maxHeaderBytes: number;
  private readonly resolveHost: (host: string) => Promise<string[]>;

  constructor(options: RemovalCheckOptions = {}) {
    this.allowLocal = options.allowLocal ?? false;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxHeaderBytes = options.maxHeaderBytes ?? 8192;
    this.resolveHost = options.resolve ?? systemResolve;
  }

  async check(raw: string): Promise<RemovalProbe> {
    const target = this.target(raw);
    if ('refused' in target) return { kind: 'refused', reason: target.refused };
    const deadline = AbortSignal.timeout(this.timeoutMs);
    let address: string;
    try {
      address = await this.resolve(target.url, deadline);
    } catch (error) {
      return error instanceof RefusedAddress
        ? { kind: 'refused', reason: error.message }
        : { kind: 'error', reason: reasonOf(error, deadline) };
    }
    try {
      return { kind: 'status', status: await this.statusOf(target.url, address, deadline) };
    } catch (error) {
      return { kind: 'error', reason: reasonOf(error, deadline) };
    }
  }

  private target(raw: string): { url: URL } | { refused: string } {
    if (raw.length > MAX_URL) return { refused: `url is longer than ${MAX_URL} characters` };
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { refused: 'url is not a valid absolute URL' };
    }
    const schemes = this.allowLocal ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(url.protocol)) return { refused: `scheme ${url.protocol} is not allowed (only https)` };
    if (url.username !== '' || url.password !== '') return { refused: 'url must not carry credentials' };
    // A trailing dot names the same host: `localhost.` is `localhost`.
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    // Names that never resolve to a public host (RFC 6761, mDNS's .local, ICANN's .internal): refused without asking DNS.
    if (RESERVED_NAMES.some((name) => host === name || host.endsWith(`.${name}`)) && !(this.allowLocal && isLocalName(host)))
      return { refused: `${host} is a reserved name, not a public host` };
    return { url };
  }

  private async resolve(url: URL, signal: AbortSignal): Promise<string> {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const found = isIP(host) !== 0 ? [host] : await raceAbort(this.resolveHost(host), signal);
    if (found.length === 0) throw new Error(`${host} resolves to no address`);
    if (!this.allowLocal) {
      const blocked = found.find((a) => !isPublicAddress(a));
      if (blocked !== undefined) throw new RefusedAddress(`${host} resolves to ${blocked}, which is not a public address`);
    }
    return found[0]!;
  }

  private statusOf(url: URL, address: string, signal: AbortSignal): Promise<number> {
    const tls = url.protocol === 'https:';
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const send = tls ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = send({
        host: address,
        port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { host: url.host, 'user-agent': 'TwinGuard-removal-check/1', accept: '*/*', connection: 'close' },
        maxHeaderSize: this.maxHeaderBytes,
        signal,
        agent: false,
        ...(tls && isIP(host) === 0 ? { servername: host } : {}),
      });
      req.once('response', (res: IncomingMessage) => {
        // The status is all a look needs: the body is never read, whatever its size.
        resolve(res.statusCode ?? 0);
        res.destroy();
        req.destroy();
      });
      req.once('error', reject);
      req.end();
    });
  }
}

class RefusedAddress extends Error {}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function reasonOf(error: unknown, deadline: AbortSignal): string {
  if (deadline.aborted) return 'no answer in time';
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 200);
}
