// Names are literals, not `new.target.name`: the Lambda bundles are minified.

/** Base class of the errors of the log's signing key. */
export class SigningError extends Error {
  override name = 'SigningError';
}

/** The key is not what the log signs with: not ECDSA P-256, not a private key, unreadable; the message says which and where. */
export class SigningKeyError extends SigningError {
  override name = 'SigningKeyError';
}

/** KMS answered a signing request with something that is not a DER ECDSA signature. */
export class SignatureFormatError extends SigningError {
  override name = 'SignatureFormatError';
}
