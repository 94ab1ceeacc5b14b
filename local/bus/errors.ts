/** Base class of every error raised by the local bus, so callers can catch the area at once. */
export class LocalBusError extends Error {
  override name = 'LocalBusError';
}

/**
 * A whole-request failure, answered in the AWS JSON 1.1 error shape. `awsType` becomes both
 * `__type` and `x-amzn-ErrorType`, which is what the SDK turns into the thrown error's name.
 */
export class AwsJsonProtocolError extends LocalBusError {
  override name = 'AwsJsonProtocolError';
  constructor(
    readonly awsType: string,
    message: string,
    readonly statusCode = 400,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A pattern that EventBridge would refuse; the message says what is wrong and where. */
export class InvalidEventPatternError extends LocalBusError {
  override name = 'InvalidEventPatternError';
  constructor(
    /** Dotted path of the offending field, such as `detail.price` or `$or[1].source`; '' for the whole pattern. */
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`, options);
  }
}

export class BusClosedError extends LocalBusError {
  override name = 'BusClosedError';
  constructor(options?: ErrorOptions) {
    super('the local event bus is closed', options);
  }
}

export class DuplicateRuleError extends LocalBusError {
  override name = 'DuplicateRuleError';
  constructor(ruleName: string, eventBusName: string, options?: ErrorOptions) {
    super(`rule ${ruleName} already exists on event bus ${eventBusName}`, options);
  }
}

export class UnknownDeadLetterError extends LocalBusError {
  override name = 'UnknownDeadLetterError';
  constructor(
    readonly deadLetterId: string,
    options?: ErrorOptions,
  ) {
    super(`no dead letter with id ${deadLetterId}`, options);
  }
}

/** The runtime refused a replayed event; the record is kept so nothing is lost. */
export class ReplayFailedError extends LocalBusError {
  override name = 'ReplayFailedError';
  constructor(
    readonly deadLetterId: string,
    readonly errorCode: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`replay of ${deadLetterId} failed: ${errorCode}: ${message}`, options);
  }
}

/** The `--accounts` file is not a JSON object of access key ids to 12-digit account ids. */
export class AccountsFileError extends LocalBusError {
  override name = 'AccountsFileError';
}
