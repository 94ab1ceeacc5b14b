import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { UnknownDeadLetterError } from './errors.ts';

/** What is kept of a delivery that exhausted its retries: enough to understand and replay it. */
export interface DeadLetterRecord {
  id: string;
  /** When the last attempt failed (ISO-8601). */
  time: string;
  eventBusName: string;
  rule: string;
  target: string;
  envelope: EventEnvelope;
  errorMessage: string;
  attempts: number;
}

export interface DeadLetterStore {
  put(record: DeadLetterRecord): Promise<void>;
  /** Oldest first. */
  list(): Promise<DeadLetterRecord[]>;
  /** Throws UnknownDeadLetterError when there is no such record. */
  get(id: string): Promise<DeadLetterRecord>;
  remove(id: string): Promise<void>;
}

export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetterRecord>();

  async put(record: DeadLetterRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }

  async list(): Promise<DeadLetterRecord[]> {
    return sortByTime([...this.records.values()].map((r) => structuredClone(r)));
  }

  async get(id: string): Promise<DeadLetterRecord> {
    const record = this.records.get(id);
    if (!record) throw new UnknownDeadLetterError(id);
    return structuredClone(record);
  }

  async remove(id: string): Promise<void> {
    if (!this.records.delete(id)) throw new UnknownDeadLetterError(id);
  }
}

/**
 * One `<id>.json` file per record, so the CLI can read and replay them while the runtime
 * runs. Files are written beside and renamed into place: a reader never sees half a record.
 */
export class DirectoryDeadLetterStore implements DeadLetterStore {
  constructor(readonly directory: string) {}

  async put(record: DeadLetterRecord): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const partial = join(this.directory, `.${record.id}.partial`);
    await writeFile(partial, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
    await rename(partial, this.fileOf(record.id));
  }

  async list(): Promise<DeadLetterRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const ids = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -'.json'.length));
    return sortByTime(await Promise.all(ids.map((id) => this.get(id))));
  }

  async get(id: string): Promise<DeadLetterRecord> {
    try {
      return JSON.parse(await readFile(this.fileOf(id), 'utf8')) as DeadLetterRecord;
    } catch (error) {
      if (isNotFound(error)) throw new UnknownDeadLetterError(id);
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await rm(this.fileOf(id));
    } catch (error) {
      if (isNotFound(error)) throw new UnknownDeadLetterError(id);
      throw error;
    }
  }

  private fileOf(id: string): string {
    // Ids arrive from the command line: keep them from naming files outside the directory.
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new UnknownDeadLetterError(id);
    return join(this.directory, `${id}.json`);
  }
}

function sortByTime(records: DeadLetterRecord[]): DeadLetterRecord[] {
  return records.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
