/**
 * Amazon EventBridge event-pattern matching, so that the local bus routes events by the
 * same rules (the patterns the CDK app synthesizes) and with the same results as the cloud.
 *
 * Follows the EventBridge user guide ("Amazon EventBridge event patterns", "Content
 * filtering in Amazon EventBridge event patterns"). Where the guide is silent, the
 * behaviour of aws/event-ruler, the open-source matcher behind EventBridge, is the guide:
 *
 * - Fields in a pattern are AND'ed, values in a field's list are OR'ed; `$or` OR's whole
 *   sets of fields.
 * - An array in the event matches when any of its elements matches. Arrays of objects are
 *   matched "array-consistently": the fields a pattern matches inside an array must come
 *   from the same element.
 * - `anything-but` matches a present value exactly when the matcher it wraps would not,
 *   whatever the value's type; like every matcher except `exists: false`, it needs a value.
 * - `exists` looks at leaf values only: a field whose value is an object, or an array
 *   with no leaf values, does not exist.
 * - `exists: false` inside an array of objects looks at the element the other fields
 *   matched in; when nothing else in that part of the pattern matched, at all elements.
 *
 * Patterns are compiled once and cached per pattern object: treat a pattern as immutable
 * once it has been used.
 */
import { InvalidEventPatternError } from './errors.ts';

/** Throws InvalidEventPatternError unless `pattern` is a valid EventBridge event pattern. */
export function validateEventPattern(pattern: unknown): void {
  compile(pattern);
}

/**
 * Does `event` match `pattern`? Throws InvalidEventPatternError for an invalid pattern,
 * so that a broken rule fails loudly instead of silently matching nothing.
 */
export function matchesEventPattern(pattern: object, event: object): boolean {
  const compiled = compile(pattern);
  if (!isRecord(event)) return false;
  return strengthIn(compiled, event) !== Strength.No;
}

// ---------------------------------------------------------------------------
// Compiled form

type Scalar = string | number | boolean | null;
type JsonRecord = Record<string, unknown>;
type ValueTest = (value: Scalar) => boolean;

interface LeafField {
  readonly key: string;
  /** Matchers that need a value; the field matches when one of them accepts one of its values. */
  readonly tests: readonly ValueTest[];
  /** The list held `{"exists": false}`. */
  readonly allowsAbsence: boolean;
}

interface NestedField {
  readonly key: string;
  readonly pattern: CompiledPattern;
}

interface CompiledPattern {
  readonly leaves: readonly LeafField[];
  readonly nested: readonly NestedField[];
  /** Alternatives of a `$or` at this level, if any. */
  readonly anyOf: readonly CompiledPattern[] | undefined;
}

// Validation would otherwise run for every event routed; WeakMap so dropped rules are collected.
const compiledPatterns = new WeakMap<object, CompiledPattern>();

function compile(pattern: unknown): CompiledPattern {
  if (!isRecord(pattern)) return compileObject(pattern, '');
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    compiled = compileObject(pattern, '');
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

// ---------------------------------------------------------------------------
// Matching

/**
 * How a (part of a) pattern matched. `Absent` means it matched only through
 * `exists: false`, without using any value: such a match says nothing about which element
 * of an array it happened in, so it must hold for all elements (see nestedStrength).
 */
const Strength = { No: 0, Absent: 1, Value: 2 } as const;
type Strength = (typeof Strength)[keyof typeof Strength];

function strengthIn(pattern: CompiledPattern, object: JsonRecord): Strength {
  // Every compiled pattern has at least one field, so this is only kept if all matched by absence.
  let strength: Strength = Strength.Absent;
  for (const leaf of pattern.leaves) {
    const s = leafStrength(leaf, ownValue(object, leaf.key));
    if (s === Strength.No) return Strength.No;
    if (s > strength) strength = s;
  }
  for (const field of pattern.nested) {
    const s = nestedStrength(field.pattern, ownValue(object, field.key));
    if (s === Strength.No) return Strength.No;
    if (s > strength) strength = s;
  }
  if (pattern.anyOf) {
    const s = anyOfStrength(pattern.anyOf, object);
    if (s === Strength.No) return Strength.No;
    if (s > strength) strength = s;
  }
  return strength;
}

function anyOfStrength(alternatives: readonly CompiledPattern[], object: JsonRecord): Strength {
  let best: Strength = Strength.No;
  for (const alternative of alternatives) {
    const s = strengthIn(alternative, object);
    if (s === Strength.Value) return s;
    if (s > best) best = s;
  }
  return best;
}

function leafStrength(leaf: LeafField, value: unknown): Strength {
  if (leaf.tests.length > 0 && someLeafValue(value, (v) => leaf.tests.some((test) => test(v)))) {
    return Strength.Value;
  }
  if (leaf.allowsAbsence && !hasLeafValue(value)) return Strength.Absent;
  return Strength.No;
}

function nestedStrength(pattern: CompiledPattern, value: unknown): Strength {
  const objects = objectsIn(value);
  const only = objects.length === 1 ? objects[0] : undefined;
  // Not an array: there is no choice of element to keep consistent.
  if (only) return strengthIn(pattern, only);
  for (const object of objects) {
    if (strengthIn(pattern, object) === Strength.Value) return Strength.Value;
  }
  return holdsByAbsence(pattern, objects) ? Strength.Absent : Strength.No;
}

/** Does the pattern hold using only `exists: false`, the fields being absent from every object? */
function holdsByAbsence(pattern: CompiledPattern, objects: readonly JsonRecord[]): boolean {
  for (const leaf of pattern.leaves) {
    if (!leaf.allowsAbsence) return false;
    if (objects.some((object) => hasLeafValue(ownValue(object, leaf.key)))) return false;
  }
  for (const field of pattern.nested) {
    const inner = objects.flatMap((object) => objectsIn(ownValue(object, field.key)));
    if (!holdsByAbsence(field.pattern, inner)) return false;
  }
  return pattern.anyOf === undefined || pattern.anyOf.some((alternative) => holdsByAbsence(alternative, objects));
}

// ---------------------------------------------------------------------------
// Walking event values

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

// Own properties only: a pattern field named "constructor" or "__proto__" must not find Object.prototype.
function ownValue(object: JsonRecord, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Calls `test` on each leaf value (arrays flattened, objects skipped) until it returns true. */
function someLeafValue(value: unknown, test: (v: Scalar) => boolean): boolean {
  if (isScalar(value)) return test(value);
  if (Array.isArray(value)) return value.some((element) => someLeafValue(element, test));
  return false;
}

function hasLeafValue(value: unknown): boolean {
  return someLeafValue(value, () => true);
}

/** The objects a nested pattern can match in: the value itself, or the objects in its (nested) arrays. */
function objectsIn(value: unknown): JsonRecord[] {
  if (isRecord(value)) return [value];
  if (!Array.isArray(value)) return [];
  return value.flatMap((element) => objectsIn(element));
}

// ---------------------------------------------------------------------------
// Compiling and validating patterns

function fail(path: string, reason: string): never {
  throw new InvalidEventPatternError(path, reason);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function compileObject(value: unknown, path: string): CompiledPattern {
  if (!isRecord(value)) fail(path, `a pattern must be a JSON object, got ${describeValue(value)}`);
  const keys = Object.keys(value);
  if (keys.length === 0) fail(path, 'a pattern object must name at least one field');

  const leaves: LeafField[] = [];
  const nested: NestedField[] = [];
  let anyOf: CompiledPattern[] | undefined;
  for (const key of keys) {
    const fieldValue = value[key];
    const fieldPath = childPath(path, key);
    if (key === '$or') anyOf = compileOr(fieldValue, fieldPath);
    else if (Array.isArray(fieldValue)) leaves.push(compileLeaf(key, fieldValue, fieldPath));
    else if (isRecord(fieldValue)) nested.push({ key, pattern: compileObject(fieldValue, fieldPath) });
    else fail(fieldPath, `must be a list of values to match or a nested pattern object, got ${describeValue(fieldValue)}`);
  }
  return { leaves, nested, anyOf };
}

function compileOr(value: unknown, path: string): CompiledPattern[] {
  // A one-element $or is not an "or" to EventBridge either: it rejects it.
  if (!Array.isArray(value) || value.length < 2) {
    fail(path, `"$or" needs a list of at least two pattern objects, got ${describeValue(value)}`);
  }
  return value.map((alternative, index) => compileObject(alternative, `${path}[${index}]`));
}

function compileLeaf(key: string, matchers: readonly unknown[], path: string): LeafField {
  if (matchers.length === 0) fail(path, 'the list of values to match must not be empty');
  const tests: ValueTest[] = [];
  let allowsAbsence = false;
  for (const matcher of matchers) {
    const compiled = compileMatcher(matcher, path);
    if (compiled === 'absent') allowsAbsence = true;
    else tests.push(compiled);
  }
  return { key, tests, allowsAbsence };
}

function compileMatcher(matcher: unknown, path: string): ValueTest | 'absent' {
  if (isScalar(matcher)) return exactMatch(matcher, path);
  if (!isRecord(matcher))
    fail(path, `a value to match must be a string, number, boolean, null or operator object, got ${describeValue(matcher)}`);

  const [operator, ...others] = Object.keys(matcher);
  if (operator === undefined) fail(path, 'an operator object must not be empty');
  if (others.length > 0) fail(path, `an operator object holds one operator, got ${Object.keys(matcher).join(', ')}`);
  const operand = matcher[operator];
  switch (operator) {
    case 'prefix':
      return affixMatch(operand, path, 'prefix', (value, affix) => value.startsWith(affix));
    case 'suffix':
      return affixMatch(operand, path, 'suffix', (value, affix) => value.endsWith(affix));
    case 'equals-ignore-case':
      return equalsIgnoreCase([requireString(operand, path, operator)]);
    case 'wildcard':
      return wildcardMatch([requireString(operand, path, operator)], path);
    case 'anything-but':
      return anythingBut(operand, path);
    case 'numeric':
      return numericMatch(operand, path);
    case 'cidr':
      return cidrMatch(operand, path);
    case 'exists':
      if (typeof operand !== 'boolean') fail(path, `"exists" needs true or false, got ${describeValue(operand)}`);
      return operand ? () => true : 'absent';
    default:
      return fail(path, `unknown operator ${JSON.stringify(operator)}`);
  }
}

function requireString(operand: unknown, path: string, operator: string): string {
  if (typeof operand !== 'string') fail(path, `"${operator}" needs a string, got ${describeValue(operand)}`);
  return operand;
}

function requireFiniteNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) fail(path, `a number to match must be finite, got ${String(value)}`);
  return value;
}

// Strings, numbers, booleans and null only equal a value of the same type: "5" is not 5.
// Numbers compare by value, so 3.0e2 in the event equals 300 in the pattern.
function exactMatch(expected: Scalar, path: string): ValueTest {
  if (typeof expected === 'number') requireFiniteNumber(expected, path);
  return (value) => value === expected;
}

/** Prefix and suffix take a string, or `{"equals-ignore-case": string}`. */
function affixMatch(
  operand: unknown,
  path: string,
  operator: 'prefix' | 'suffix',
  test: (value: string, affix: string) => boolean,
): ValueTest {
  if (typeof operand === 'string') return (value) => typeof value === 'string' && test(value, operand);
  const ignoringCase = isRecord(operand) && Object.keys(operand).length === 1 ? operand['equals-ignore-case'] : undefined;
  if (typeof ignoringCase !== 'string') {
    fail(path, `"${operator}" needs a string or {"equals-ignore-case": string}, got ${describeValue(operand)}`);
  }
  const folded = foldCase(ignoringCase);
  return (value) => typeof value === 'string' && test(foldCase(value), folded);
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

function equalsIgnoreCase(expected: readonly string[]): ValueTest {
  const folded = new Set(expected.map(foldCase));
  return (value) => typeof value === 'string' && folded.has(foldCase(value));
}

// ---------------------------------------------------------------------------
// anything-but

function anythingBut(operand: unknown, path: string): ValueTest {
  const excluded = anythingButExclusion(operand, path);
  return (value) => !excluded(value);
}

/** The matcher that anything-but negates. */
function anythingButExclusion(operand: unknown, path: string): ValueTest {
  if (typeof operand === 'string') return exactMatch(operand, path);
  if (typeof operand === 'number') return exactMatch(operand, path);
  if (Array.isArray(operand)) return anythingButList(operand, path);
  if (isRecord(operand)) return anythingButOperator(operand, path);
  return fail(
    path,
    `"anything-but" needs a string, a number, a list of strings or of numbers, or an operator object, got ${describeValue(operand)}`,
  );
}

function anythingButList(values: readonly unknown[], path: string): ValueTest {
  if (values.length === 0) fail(path, '"anything-but" list must not be empty');
  const allStrings = values.every((value) => typeof value === 'string');
  const allNumbers = values.every((value) => typeof value === 'number' && Number.isFinite(value));
  if (!allStrings && !allNumbers) fail(path, '"anything-but" list must hold only strings or only finite numbers');
  const set = new Set(values as readonly (string | number)[]);
  return (value) => (typeof value === 'string' || typeof value === 'number') && set.has(value);
}

const ANYTHING_BUT_OPERATORS: ReadonlySet<string> = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

function anythingButOperator(operand: JsonRecord, path: string): ValueTest {
  const [operator, ...others] = Object.keys(operand);
  if (operator === undefined || others.length > 0 || !ANYTHING_BUT_OPERATORS.has(operator)) {
    fail(path, `"anything-but" takes one of prefix, suffix, equals-ignore-case, wildcard; got {${Object.keys(operand).join(', ')}}`);
  }
  const strings = stringOrStrings(operand[operator], path, `anything-but ${operator}`);
  // EventBridge refuses these at PutRule (event-ruler: "Null prefix/suffix not allowed"), though a plain empty prefix is fine.
  if ((operator === 'prefix' || operator === 'suffix') && strings.includes('')) {
    fail(path, `"anything-but ${operator}" must not be an empty string`);
  }
  if (operator === 'prefix') return (value) => typeof value === 'string' && strings.some((prefix) => value.startsWith(prefix));
  if (operator === 'suffix') return (value) => typeof value === 'string' && strings.some((suffix) => value.endsWith(suffix));
  if (operator === 'equals-ignore-case') return equalsIgnoreCase(strings);
  return wildcardMatch(strings, path);
}

function stringOrStrings(operand: unknown, path: string, operator: string): string[] {
  if (typeof operand === 'string') return [operand];
  if (Array.isArray(operand) && operand.length > 0 && operand.every((item) => typeof item === 'string')) {
    return operand as string[];
  }
  return fail(path, `"${operator}" needs a string or a non-empty list of strings, got ${describeValue(operand)}`);
}

// ---------------------------------------------------------------------------
// numeric

type Comparison = '<' | '<=' | '=' | '>' | '>=';

const COMPARISONS: ReadonlySet<string> = new Set<Comparison>(['<', '<=', '=', '>', '>=']);
const NUMERIC_SHAPE = 'a list such as [">", 0, "<=", 5] or ["=", 300]';

interface Bound {
  readonly comparison: Comparison;
  readonly limit: number;
}

function numericMatch(operand: unknown, path: string): ValueTest {
  if (!Array.isArray(operand) || operand.length === 0) fail(path, `"numeric" needs ${NUMERIC_SHAPE}, got ${describeValue(operand)}`);
  if (operand.length !== 2 && operand.length !== 4) {
    fail(path, `"numeric" needs one or two operator-number pairs, as in ${NUMERIC_SHAPE}; got ${operand.length} items`);
  }
  const bounds: Bound[] = [];
  for (let i = 0; i < operand.length; i += 2) bounds.push(parseBound(operand[i], operand[i + 1], path));
  checkRange(bounds, path);
  return (value) => typeof value === 'number' && bounds.every((bound) => satisfies(value, bound));
}

function parseBound(comparison: unknown, limit: unknown, path: string): Bound {
  if (typeof comparison !== 'string' || !COMPARISONS.has(comparison)) {
    fail(path, `numeric operator must be one of <, <=, =, >, >=; got ${describeValue(comparison)}`);
  }
  if (typeof limit !== 'number') fail(path, `numeric operator "${comparison}" needs a number, got ${describeValue(limit)}`);
  if (!Number.isFinite(limit)) fail(path, `numeric operator "${comparison}" needs a finite number`);
  return { comparison: comparison as Comparison, limit };
}

function isLower(bound: Bound): boolean {
  return bound.comparison === '>' || bound.comparison === '>=';
}

// A range has at most one lower and one upper bound; "=" stands alone.
function checkRange(bounds: readonly Bound[], path: string): void {
  const [first, second] = bounds;
  if (first === undefined || second === undefined) return;
  if (first.comparison === '=' || second.comparison === '=') fail(path, 'numeric "=" cannot be combined with another bound');
  const lower = isLower(first) ? first : second;
  const upper = isLower(first) ? second : first;
  if (!isLower(lower) || isLower(upper)) fail(path, 'a numeric range needs one lower bound (> or >=) and one upper bound (< or <=)');
  const closed = lower.comparison === '>=' && upper.comparison === '<=';
  if (lower.limit > upper.limit || (lower.limit === upper.limit && !closed)) {
    fail(path, `numeric range is empty: ${lower.comparison} ${lower.limit} and ${upper.comparison} ${upper.limit}`);
  }
}

function satisfies(value: number, { comparison, limit }: Bound): boolean {
  switch (comparison) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '=':
      return value === limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
  }
}

// ---------------------------------------------------------------------------
// cidr

interface IpAddress {
  readonly family: 4 | 6;
  readonly bits: bigint;
}

function cidrMatch(operand: unknown, path: string): ValueTest {
  const cidr = requireString(operand, path, 'cidr');
  const slash = cidr.indexOf('/');
  const network = slash === -1 ? undefined : parseIp(cidr.slice(0, slash));
  const maskText = cidr.slice(slash + 1);
  if (slash === -1 || network === undefined || !/^\d{1,3}$/.test(maskText)) {
    fail(path, `"cidr" needs an IPv4 or IPv6 block such as "10.0.0.0/24" or "2001:db8::/32", got ${JSON.stringify(cidr)}`);
  }
  const width = network.family === 4 ? 32 : 128;
  const prefixLength = Number(maskText);
  if (prefixLength > width)
    fail(path, `"cidr" prefix length of an IPv${network.family} block must be at most ${width}, got ${prefixLength}`);

  const shift = BigInt(width - prefixLength);
  const prefix = network.bits >> shift;
  return (value) => {
    if (typeof value !== 'string') return false;
    const address = parseIp(value);
    const comparable = address && network.family === 4 ? asIPv4(address) : address;
    return comparable?.family === network.family && comparable.bits >> shift === prefix;
  };
}

const IPV4_MAPPED_PREFIX = 0xffffn;

/** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4 addresses, as Java (and so EventBridge) reads them. */
function asIPv4(address: IpAddress): IpAddress | undefined {
  if (address.family === 4) return address;
  return address.bits >> 32n === IPV4_MAPPED_PREFIX ? { family: 4, bits: address.bits & 0xffffffffn } : undefined;
}

function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const bits = parseIPv6(text);
    return bits === undefined ? undefined : { family: 6, bits };
  }
  const bits = parseIPv4(text);
  return bits === undefined ? undefined : { family: 4, bits };
}

function parseIPv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let bits = 0n;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet) || Number(octet) > 255) return undefined;
    bits = (bits << 8n) | BigInt(octet);
  }
  return bits;
}

function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  // A dotted IPv4 part may only end the address.
  const head = parseGroups(halves[0] ?? '', !compressed);
  const tail = compressed ? parseGroups(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const present = head.length + tail.length;
  // "::" stands for at least one zero group; without it all eight groups are written.
  if (compressed ? present > 7 : present !== 8) return undefined;
  const groups = [...head, ...Array<number>(8 - present).fill(0), ...tail];
  return groups.reduce((bits, group) => (bits << 16n) | BigInt(group), 0n);
}

/** Colon-separated hex groups; the last may be a dotted IPv4 address, worth two groups. */
function parseGroups(text: string, mayEndInIPv4: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (mayEndInIPv4 && index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------
// wildcard

/**
 * `*` matches any run of characters, `\*` a star and `\\` a backslash. EventBridge rejects
 * consecutive stars and a backslash before anything else.
 */
function wildcardMatch(wildcards: readonly string[], path: string): ValueTest {
  const compiled = wildcards.map((wildcard) => parseWildcard(wildcard, path));
  return (value) => typeof value === 'string' && compiled.some((pieces) => matchesPieces(value, pieces));
}

/** The literal pieces between the unescaped stars: n stars give n + 1 pieces. */
function parseWildcard(wildcard: string, path: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  let previousWasStar = false;
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard.charAt(i);
    if (char === '*') {
      if (previousWasStar) fail(path, `wildcard ${JSON.stringify(wildcard)} must not hold consecutive "*"`);
      pieces.push(piece);
      piece = '';
      previousWasStar = true;
      continue;
    }
    previousWasStar = false;
    if (char === '\\') {
      const escaped = wildcard.charAt(++i);
      if (escaped !== '*' && escaped !== '\\') {
        fail(path, `wildcard ${JSON.stringify(wildcard)}: a backslash may only escape "*" or "\\"`);
      }
      piece += escaped;
    } else {
      piece += char;
    }
  }
  pieces.push(piece);
  return pieces;
}

function matchesPieces(value: string, pieces: readonly string[]): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  // Taking the leftmost place for each middle piece never rules out a match a later place would allow.
  const end = value.length - last.length;
  let position = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = value.indexOf(piece, position);
    if (found === -1 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
