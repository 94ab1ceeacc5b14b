/** Base class of the errors a local CLI reports to the user: the message says what to do. */
export class LocalCliError extends Error {
  override name = 'LocalCliError';
  /** The process exit code the command ends with. */
  readonly exitCode: number = 1;
}

/** The arguments are unknown, missing or contradict each other; the usage text follows the message. */
export class CliUsageError extends LocalCliError {
  override name = 'CliUsageError';
  override readonly exitCode = 2;
}

/** The table to read cannot be found or read. */
export class TableUnavailableError extends LocalCliError {
  override name = 'TableUnavailableError';
}

/** The deployed stack cannot be found or read, or lacks the outputs the command needs. */
export class StackUnavailableError extends LocalCliError {
  override name = 'StackUnavailableError';
}
