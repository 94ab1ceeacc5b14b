/**
 * A real HTTP server playing the site a placement lives on:
 *   /live      200 with a small page
 *   /gone      410;  /missing 404;  /legal 451 (Unavailable For Legal Reasons)
 *   /moved     301 to /gone (a redirect is not followed, so it is not gone)
 *   /flip      200 at the first request, 410 after
 *   /hang      reads the request, never answers
 *   /huge      200, then streams up to 1 GiB of body, recording how much it could send
 * It counts requests per path and connections, so a test can show a refused URL was never fetched.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SiteServer {
  url(path: string): string;
  hits(path: string): number;
  connections(): number;
  /** Body bytes /huge wrote before the client went away, and whether it went away before the end. */
  huge: { written: number; cutShort: boolean; closed: Promise<void> };
  close(): Promise<void>;
}

const HUGE_BYTES = 1024 ** 3;

export async function startSite(): Promise<SiteServer> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  let connections = 0;
  let hugeClosed!: () => void;
  const huge = { written: 0, cutShort: false, closed: new Promise<void>((r) => (hugeClosed = r)) };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/live') return res.end('<html>still here</html>');
    if (path === '/gone') return res.writeHead(410).end();
    if (path === '/missing') return res.writeHead(404).end();
    if (path === '/legal') return res.writeHead(451).end();
    if (path === '/moved') return res.writeHead(301, { location: '/gone' }).end();
    if (path === '/flip') return res.writeHead(hits.get(path) === 1 ? 200 : 410).end();
    if (path === '/hang') return;
    if (path === '/huge') {
      res.writeHead(200, { 'content-length': String(HUGE_BYTES) });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (huge.written < HUGE_BYTES && !res.destroyed) {
          huge.written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (huge.written >= HUGE_BYTES) res.end();
      };
      res.once('close', () => {
        huge.cutShort = huge.written < HUGE_BYTES || !res.writableFinished;
        hugeClosed();
      });
      return pump();
    }
    res.writeHead(500).end();
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits: (path) => hits.get(path) ?? 0,
    connections: () => connections,
    huge,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
