import { describe, expect, it } from 'vitest';
import { describeFetchError } from '../../shared/adapters/webhook/fetch-errors.ts';

// Shaped like what undici throws: TypeError('fetch failed') with the socket error as cause.
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}
function sysError(code: string, message = `connect ${code} 10.0.0.1:443`): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeFetchError', () => {
  it.each([
    ['ECONNREFUSED', 'connection refused'],
    ['ECONNRESET', 'connection reset'],
    ['UND_ERR_SOCKET', 'connection closed by the server'],
    ['ENOTFOUND', 'DNS lookup failed'],
    ['EAI_AGAIN', 'DNS lookup failed'],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect timeout'],
    ['EHOSTUNREACH', 'host unreachable'],
    ['CERT_HAS_EXPIRED', 'TLS error (CERT_HAS_EXPIRED)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'TLS error (ERR_SSL_WRONG_VERSION_NUMBER)'],
    ['EWHATEVER', 'network error (EWHATEVER)'],
  ])('%s reads "%s"', (code, words) => {
    expect(describeFetchError(fetchFailed(sysError(code)), 5000)).toBe(words);
  });

  it('finds the code inside an AggregateError (several addresses tried)', () => {
    const aggregate = new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')], 'all failed');
    expect(describeFetchError(fetchFailed(aggregate), 5000)).toBe('connection refused');
  });

  it('names the timeout it was given', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(describeFetchError(timeout, 2500)).toBe('timeout after 2500 ms');
  });

  it('never echoes the error message, which may quote a URL with credentials', () => {
    const leaky = new TypeError('Request cannot be constructed from a URL that includes credentials: https://u:hunter2@x');
    expect(describeFetchError(leaky, 5000)).toBe('network error');
    const oddCode = fetchFailed(sysError('hunter2 is the password'));
    expect(describeFetchError(oddCode, 5000)).toBe('network error');
  });

  it('copes with things that are not errors at all', () => {
    expect(describeFetchError(undefined, 5000)).toBe('network error');
    expect(describeFetchError('boom', 5000)).toBe('network error');
  });
});
