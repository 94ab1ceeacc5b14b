// Names are literals, not `new.target.name`: the Lambda bundles are minified.

/** Base class of the errors a function's own wiring raises, as opposed to the domain's. */
export class FunctionError extends Error {
  override name = 'FunctionError';
}

/** The function's environment is missing or malformed; thrown at cold start so it fails loudly and at once. */
export class ConfigurationError extends FunctionError {
  override name = 'ConfigurationError';
}

/** A rule routed an event here that this function does not own: a deployment bug, not bad input. */
export class MisroutedEventError extends FunctionError {
  override name = 'MisroutedEventError';
}
