import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../client/webhook.ts';

/** Bodies larger than this are refused: a takedown envelope is a few KB. */
const MAX_BODY = 300 * 1024;

export interface Partner {
  /** The `--channels` file content: each webhook channel with its URL here and its own secret. */
  channels: Record<string, { url: string; secret: string }>;
  /** Deliveries per channel: verified (each takedown once, retries deduplicated) and refused (401). */
  received: Record<string, { verified: number; refused: number }>;
  url: string;
  close(): Promise<void>;
}

/**
 * The channel partner of the demo's webhook channels: it verifies each delivery's Standard
 * Webhooks signature with the client SDK, as a partner would (docs/channels.md), answers
 * 401 when it does not verify and 200 once the (pretend) content is down.
 */
export async function startPartner(channelNames: readonly string[]): Promise<Partner> {
  const secrets = Object.fromEntries(channelNames.map((c) => [c, `whsec_${randomBytes(32).toString('base64')}`]));
  const received = Object.fromEntries(channelNames.map((c) => [c, { verified: 0, refused: 0 }]));
  const handled = new Set<string>();
  const server = createServer((req, res) => {
    const channel = decodeURIComponent((req.url ?? '').slice(1));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const counts = received[channel];
      if (counts === undefined || size > MAX_BODY) return void res.writeHead(404).end();
      try {
        const { webhookId } = verifyWebhook(Buffer.concat(chunks), req.headers, secrets[channel]!);
        if (!handled.has(webhookId)) counts.verified++;
        handled.add(webhookId);
        res.writeHead(200).end();
      } catch {
        counts.refused++;
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    channels: Object.fromEntries(channelNames.map((c) => [c, { url: `${url}/${encodeURIComponent(c)}`, secret: secrets[c]! }])),
    received,
    url,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
