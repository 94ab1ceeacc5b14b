// Names are literals, not `new.target.name`: the Lambda bundles are minified.

/** Base class of the errors of the EventBridge adapter. */
export class EventBridgeAdapterError extends Error {
  override name = 'EventBridgeAdapterError';
}

/** PutEvents kept refusing entries: the caller's invocation must be retried rather than an event lost. */
export class PublishError extends EventBridgeAdapterError {
  override name = 'PublishError';
}

/**
 * One event is over EventBridge's entry limit on its own: no batching can send it, and a
 * retry would fail the same way. The bounds on inbound fields (docs/events.md, "Limits")
 * keep TwinGuard's own events far below it, so this names a bug, not a partner's input.
 */
export class EventTooLargeError extends EventBridgeAdapterError {
  override name = 'EventTooLargeError';
  constructor(
    readonly detailType: string,
    readonly bytes: number,
    readonly limit: number,
    options?: ErrorOptions,
  ) {
    super(`a "${detailType}" event of ${bytes} bytes is over the PutEvents entry limit of ${limit} bytes`, options);
  }
}
