/** A value canonical JSON cannot encode; the message names where. */
export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

// A copy of shared/model/log/canonical-json.ts, so that this folder stands alone; a test
// checks that both give the same bytes for any JSON value.

/**
 * RFC 8785 (JSON Canonicalization Scheme): the one byte sequence a JSON value is hashed
 * over, so that anyone can recompute a leaf hash from a record, in any language.
 *
 * - objects: members sorted by their names' UTF-16 code units, recursively; no whitespace;
 * - strings: as ECMAScript's JSON.stringify writes them (only `"`, `\` and U+0000..U+001F
 *   escaped, the latter as \b \t \n \f \r or \u00xx), which is what the RFC specifies;
 * - numbers: ECMAScript's Number-to-String (RFC 8785 section 3.2.2.3): `-0` is `0`;
 * - arrays keep their order.
 *
 * Values I-JSON (RFC 7493) forbids are refused rather than given an ambiguous form: lone
 * surrogates, NaN and infinities, and anything JSON has no literal for (undefined,
 * functions, bigints, symbols, dates, byte arrays).
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

/** The UTF-8 bytes of `canonicalJson(value)`: what a leaf hash covers. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${path}: ${value} has no JSON form`);
      // JSON.stringify writes finite numbers exactly as Number.prototype.toString does, and -0 as 0.
      return JSON.stringify(value);
    case 'string':
      return encodeString(value, path);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => encode(v, `${path}[${i}]`)).join(',')}]`;
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new CanonicalJsonError(`${path}: a ${prototype?.constructor?.name ?? 'non-plain object'} is not a JSON object`);
      }
      const names = Object.keys(value).sort(compareCodeUnits);
      const members = names.map((name) => {
        const member = `${path}.${name}`;
        return `${encodeString(name, member)}:${encode((value as Record<string, unknown>)[name], member)}`;
      });
      return `{${members.join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`${path}: ${typeof value} has no JSON form`);
  }
}

function encodeString(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) throw new CanonicalJsonError(`${path}: the string holds a lone surrogate, which JSON cannot carry`);
  return JSON.stringify(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-16 code unit order, as RFC 8785 section 3.2.3 sorts member names (not the locale's order). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
