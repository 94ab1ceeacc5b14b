import { appendFile } from 'node:fs/promises';

/**
 * The `--tap` file: one JSON envelope per line. Each line goes out in one append (O_APPEND),
 * and appends are chained, so lines keep publish order and never interleave.
 */
export class Tap {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  append(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const write = this.last.then(() => appendFile(this.path, line, 'utf8'));
    // A failed write must not poison every later one.
    this.last = write.catch(() => undefined);
    return write;
  }
}
