import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { main, USAGE, type CliIo } from '../../local/bus/dead-letters-cli.ts';
import { DirectoryDeadLetterStore } from '../../local/bus/dead-letter-store.ts';
import { listDeadLetters, replayDeadLetter } from '../../local/bus/dead-letters.ts';
import { ReplayFailedError, UnknownDeadLetterError } from '../../local/bus/errors.ts';
import type { BusTarget } from '../../local/bus/event-router.ts';
import { BUS, entry, withTempDir } from './helpers.ts';
import { busRuntime, type Runtime } from './runtime.ts';

/** A target that fails while `down` is set, as a handler does while its table is missing. */
function switchable() {
  const state = { down: true, seen: [] as EventEnvelope[] };
  const target: BusTarget = {
    id: 'consumer',
    invoke: async (envelope) => {
      if (state.down) throw new Error('table not found');
      state.seen.push(envelope);
    },
  };
  return { state, target };
}

async function withDeadLetters(
  count: number,
  use: (rt: Runtime, dir: string, state: { down: boolean; seen: EventEnvelope[] }) => Promise<void>,
) {
  await withTempDir(async (dir) => {
    const deadLetterDir = join(dir, 'dead-letters');
    const { state, target } = switchable();
    const runtime = await busRuntime({
      deadLetterDir,
      tapFile: join(dir, 'tap.jsonl'),
      retry: { attempts: 2, firstDelayMs: 1 },
      rules: [{ name: 'studio', eventBusName: BUS, pattern: { source: ['twinguard.studio'] }, targets: [target] }],
    });
    try {
      const entries = Array.from({ length: count }, (_, i) => entry({ requestId: `render-${i}` }));
      await runtime.client.send(new PutEventsCommand({ Entries: entries }));
      await runtime.bus.drain();
      state.down = false;
      await use(runtime, deadLetterDir, state);
    } finally {
      await runtime.close();
    }
  });
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err };
}

describe('dead letters', () => {
  it('replays one record through PutEvents, so it is tapped and delivered again, then removes it', async () => {
    await withDeadLetters(1, async (runtime, dir, state) => {
      const store = new DirectoryDeadLetterStore(dir);
      const [record] = await listDeadLetters(store);
      expect(record?.errorMessage).toBe('table not found');

      const eventId = await replayDeadLetter(store, runtime.client, record?.id ?? '');
      await runtime.bus.drain();

      expect(state.seen).toHaveLength(1);
      expect(state.seen[0]).toMatchObject({
        id: eventId,
        source: record?.envelope.source,
        'detail-type': record?.envelope['detail-type'],
        time: record?.envelope.time,
        detail: { requestId: 'render-0' },
      });
      expect(eventId).not.toBe(record?.envelope.id);
      expect(await listDeadLetters(store)).toEqual([]);
      const tap = await readFile(join(dir, '..', 'tap.jsonl'), 'utf8');
      expect(tap).toContain(`"id":"${eventId}"`);
    });
  });

  it('keeps a record the runtime refuses', async () => {
    await withDeadLetters(1, async (runtime, dir) => {
      const store = new DirectoryDeadLetterStore(dir);
      const [record] = await store.list();
      if (!record) throw new Error('expected a dead letter');
      // The bus it came from is gone, e.g. the runtime restarted with other buses.
      await store.put({ ...record, eventBusName: 'renamed-bus' });

      const replay = replayDeadLetter(store, runtime.client, record.id);
      await expect(replay).rejects.toBeInstanceOf(ReplayFailedError);
      await expect(replay).rejects.toMatchObject({ errorCode: 'ResourceNotFoundException' });
      expect((await store.list()).map((r) => r.id)).toEqual([record.id]);
    });
  });

  it('lists and replays all records from the CLI', async () => {
    await withDeadLetters(3, async (runtime, dir, state) => {
      const listed = captureIo();
      expect(await main(['list', '--dir', dir, '--json'], listed.io)).toBe(0);
      const records = listed.out.map((line) => JSON.parse(line) as { id: string; rule: string });
      expect(records).toHaveLength(3);
      expect(records.every((r) => r.rule === 'studio')).toBe(true);

      const table = captureIo();
      expect(await main(['list', '--dir', dir], table.io)).toBe(0);
      expect(table.out.map((l) => l.split('  ')[0])).toEqual(records.map((r) => r.id));

      const replayed = captureIo();
      expect(await main(['replay', '--all', '--dir', dir, '--endpoint', runtime.server.url], replayed.io)).toBe(0);
      await runtime.bus.drain();
      expect(replayed.out).toHaveLength(3);
      expect(state.seen.map((e) => (e.detail as { requestId: string }).requestId).sort()).toEqual(['render-0', 'render-1', 'render-2']);
      expect(await new DirectoryDeadLetterStore(dir).list()).toEqual([]);
    });
  });

  it('exits 1 with a message for an unknown record id', async () => {
    await withTempDir(async (dir) => {
      const run = captureIo();
      expect(await main(['replay', 'no-such-id', '--dir', dir, '--endpoint', 'http://127.0.0.1:9'], run.io)).toBe(1);
      expect(run.err).toEqual(['no dead letter with id no-such-id']);
      await expect(new DirectoryDeadLetterStore(dir).get('../tap')).rejects.toBeInstanceOf(UnknownDeadLetterError);
    });
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['replay']],
    [['replay', 'id-1', '--all']],
    [['replay', 'id-1', 'id-2']],
    [['list', 'extra']],
    [['list', '--bogus']],
  ])('prints usage and exits 2 for %j', async (argv) => {
    const run = captureIo();
    expect(await main(argv, run.io)).toBe(2);
    expect(run.err.at(-1)).toBe(USAGE);
    expect(run.out).toEqual([]);
  });
});
