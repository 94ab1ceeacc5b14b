/**
 * Turns what Node's fetch (undici) throws into a short, safe sentence for `Takedown Failed`.
 *
 * Only fixed words and error codes are used, never the error's own message: undici messages
 * can quote the full URL, and a URL may carry credentials or tokens.
 */

const CODE_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed by the server',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed',
  EAI_FAIL: 'DNS lookup failed',
  EAI_NONAME: 'DNS lookup failed',
  ETIMEDOUT: 'connect timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

// Codes are SCREAMING_SNAKE; anything else is not ours to echo.
const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,48}$/;

export function describeFetchError(error: unknown, timeoutMs: number): string {
  // AbortSignal.timeout rejects with a DOMException named TimeoutError.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  const code = findCode(error);
  if (code === undefined) return 'network error';
  const words = CODE_WORDS[code];
  if (words !== undefined) return words;
  if (isTlsCode(code)) return `TLS error (${code})`;
  return `network error (${code})`;
}

// fetch wraps the socket error as `cause`; with several addresses (localhost: ::1 and
// 127.0.0.1) the cause is an AggregateError whose own errors hold the codes.
function findCode(error: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && SAFE_CODE.test(code)) return code;
  const fromCause = findCode(cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = findCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function isTlsCode(code: string): boolean {
  return /SSL|TLS|CERT/.test(code);
}
