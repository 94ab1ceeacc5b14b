/** Base class of every error the local runtime reports to the user: its message says what to do. */
export class LocalRuntimeError extends Error {
  override name = 'LocalRuntimeError';
  /** The process exit code `npm start` ends with. */
  readonly exitCode: number = 1;
}

/** A flag is unknown, missing its value or malformed. */
export class UsageError extends LocalRuntimeError {
  override name = 'UsageError';
  override readonly exitCode = 2;
}

/** Something the runtime needs is missing or busy: the port, Java, a file. */
export class StartupError extends LocalRuntimeError {
  override name = 'StartupError';
}

/** The synthesized template holds something the local runtime cannot run as deployed. */
export class TemplateError extends LocalRuntimeError {
  override name = 'TemplateError';
}

/** A handler did not answer within its function's timeout; counts as a failed invocation. */
export class HandlerTimeoutError extends LocalRuntimeError {
  override name = 'HandlerTimeoutError';
  constructor(functionName: string, timeoutSeconds: number, options?: ErrorOptions) {
    super(`${functionName}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`, options);
  }
}
