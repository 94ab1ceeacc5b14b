// Names are literals, not `new.target.name`, like every area's errors.

/** Base class of the errors the CDK construct raises at synth. */
export class InfraError extends Error {
  override name = 'InfraError';
}

/**
 * The construct's props are invalid or contradict each other (say, both an existing resource
 * and props to create one): refused at synth, never silently ignored. The message names the prop.
 */
export class TwinGuardPropsError extends InfraError {
  override name = 'TwinGuardPropsError';
}
