/** Where a command writes: the terminal when run, arrays in the tests. */
export interface CliIo {
  /** One result line (or, for `log`, a document), to stdout. */
  out(line: string): void;
  /** One message for the person at the terminal, to stderr. */
  err(line: string): void;
}
