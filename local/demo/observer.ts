import { openSync, readSync, closeSync, existsSync } from 'node:fs';

/** One takedown as the tap showed it; times are when the demo saw the events. */
export interface SeenTakedown {
  takedownId: string;
  channel: string;
  placementId: string;
  assetId: string;
  reason: string;
  requestedAt: number;
  completedAt?: number;
  failed: number;
}

interface Envelope {
  'detail-type': string;
  detail: Partial<
    Record<'requestId' | 'publicationId' | 'refId' | 'takedownId' | 'channel' | 'placementId' | 'assetId' | 'reason', string>
  > & {
    reasons?: { code: string }[];
  };
}

/**
 * What TwinGuard said, read from the runtime's tap (every event that crosses the bus, one JSON
 * envelope a line): decisions, usage, takedowns. Polled, from where the last read stopped.
 */
export class Observer {
  readonly decisions = new Map<string, { type: string; codes: string[] }>();
  readonly usage = new Set<string>();
  readonly takedowns = new Map<string, SeenTakedown>();
  private offset = 0;
  private partial = '';

  constructor(
    private readonly tapFile: string,
    private readonly onTakedown: (t: SeenTakedown) => void,
  ) {}

  poll(): void {
    if (!existsSync(this.tapFile)) return;
    const fd = openSync(this.tapFile, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        const lines = (this.partial + chunk.subarray(0, n).toString('utf8')).split('\n');
        this.partial = lines.pop()!;
        for (const line of lines) if (line !== '') this.see(JSON.parse(line) as Envelope);
      }
    } finally {
      closeSync(fd);
    }
  }

  private see(e: Envelope): void {
    const d = e.detail;
    const now = Date.now();
    switch (e['detail-type']) {
      case 'Render Approved':
      case 'Render Denied':
      case 'Publication Approved':
      case 'Publication Denied':
        this.decisions.set(String(d.requestId ?? d.publicationId), {
          type: e['detail-type'],
          codes: (d.reasons ?? []).map((r) => r.code),
        });
        break;
      case 'Usage Recorded':
        this.usage.add(String(d.refId));
        break;
      case 'Takedown Requested': {
        if (d.takedownId === undefined || this.takedowns.has(d.takedownId)) break;
        const t: SeenTakedown = {
          takedownId: d.takedownId,
          channel: String(d.channel),
          placementId: String(d.placementId),
          assetId: String(d.assetId),
          reason: String(d.reason),
          requestedAt: now,
          failed: 0,
        };
        this.takedowns.set(t.takedownId, t);
        this.onTakedown(t);
        break;
      }
      case 'Takedown Completed': {
        const t = this.takedowns.get(String(d.takedownId));
        if (t !== undefined && t.completedAt === undefined) t.completedAt = now;
        break;
      }
      case 'Takedown Failed': {
        const t = this.takedowns.get(String(d.takedownId));
        if (t !== undefined) t.failed++;
        break;
      }
    }
  }
}
