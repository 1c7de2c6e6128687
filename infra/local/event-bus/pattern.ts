/**
 * Amazon EventBridge event-pattern matching for the local bus, so that local rules route exactly as the
 * deployed ones do. No maintained npm library evaluates EventBridge patterns; this follows the AWS
 * documentation and the semantics of aws/event-ruler, the library EventBridge is built on:
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 * - https://github.com/aws/event-ruler (README: "JSON Array Matching", "Exists matching")
 *
 * Semantics in brief:
 * - Fields of a pattern object are ANDed; values of a pattern array are ORed; `$or` ORs whole sub-patterns.
 * - Only leaves (strings, numbers, booleans, null) are matched. An event array matches when any element
 *   matches. Event arrays of objects are matched "array-consistently": all fields of one pattern object must
 *   be satisfied by the same array element (event-ruler's `rulesForJSONEvent`).
 * - `exists: true` needs at least one leaf at the path (null counts, an object or an empty array does not);
 *   `exists: false` matches when there is none, including when a parent is missing.
 * - `anything-but` needs a leaf at the path; it matches any leaf (null, numbers and booleans included) that
 *   does not satisfy its inner condition. `prefix`, `suffix`, `equals-ignore-case`, `wildcard` and `cidr`
 *   only ever match strings; `numeric` only ever matches JSON numbers.
 */

/** A value to compare for equality: `"aws.ec2"`, `5`, `true`, `null`. */
export type PatternScalar = string | number | boolean | null;

/** One content filter such as `{ prefix: 'eu-' }` or `{ numeric: ['>', 0] }`. Checked by {@link validatePattern}. */
export interface ContentFilter {
  readonly [operator: string]: unknown;
}

export type PatternMatchValue = PatternScalar | ContentFilter;

/**
 * An EventBridge event pattern in its JSON form (the form `PutRule` takes and the CDK synthesises):
 * `{ source: ['relais'], 'detail-type': ['MessageReceived'], detail: { kind: [{ prefix: 'text' }] } }`.
 */
export interface EventPattern {
  readonly [field: string]: EventPattern | readonly PatternMatchValue[] | readonly EventPattern[];
}

/** Thrown by {@link matchesPattern} and {@link compilePattern} for a pattern EventBridge would refuse. */
export class InvalidEventPatternError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Event pattern is not valid: ${problems.join('; ')}`);
    this.name = 'InvalidEventPatternError';
    this.problems = problems;
  }
}

/** A compiled pattern: tells whether an event (parsed JSON) matches. */
export type EventMatcher = (event: unknown) => boolean;

/**
 * Lists what is wrong with a pattern, one `path: problem` line each; an empty list means EventBridge would
 * accept it. Checks the operators' shapes (e.g. `numeric` bounds, `wildcard` escapes, `cidr` masks,
 * `anything-but` forms, `$or` arity), not only that the JSON is an object.
 */
export function validatePattern(pattern: unknown): string[] {
  const problems: string[] = [];
  compileRoot(pattern, problems);
  return problems;
}

/** Compiles a pattern once for repeated matching; throws {@link InvalidEventPatternError} if it is invalid. */
export function compilePattern(pattern: unknown): EventMatcher {
  const problems: string[] = [];
  const matcher = compileRoot(pattern, problems);
  if (problems.length > 0) throw new InvalidEventPatternError(problems);
  return matcher;
}

const compiledCache = new WeakMap<object, EventMatcher>();

/**
 * Whether `event` (an EventBridge envelope or any parsed JSON value) matches `pattern`.
 * Throws {@link InvalidEventPatternError} when the pattern itself is invalid rather than silently never
 * matching. Compiled patterns are cached per pattern object.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  let matcher = compiledCache.get(pattern);
  if (matcher === undefined) {
    matcher = compilePattern(pattern);
    compiledCache.set(pattern, matcher);
  }
  return matcher(event);
}

// ---------------------------------------------------------------------------------------------------------
// Compilation

type Leaf = string | number | boolean | null;
/** Decides on the leaves found at one path (empty when the path is missing or holds no leaf). */
type LeafMatcher = (leaves: readonly Leaf[]) => boolean;
/** Decides on one leaf. */
type LeafTest = (leaf: Leaf) => boolean;
/** Decides on the value found at an object path (`undefined` when missing). */
type ContextMatcher = (context: unknown) => boolean;

/** Numeric bounds event-ruler accepts (README, "Numeric matching"). */
const NUMERIC_LIMIT = 5e9;
const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);
const ANYTHING_BUT_FILTERS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

function compileRoot(pattern: unknown, problems: string[]): EventMatcher {
  if (!isPlainObject(pattern)) {
    problems.push('(root): an event pattern must be a JSON object');
    return () => false;
  }
  return compileObject(pattern, '', problems);
}

function compileObject(pattern: Record<string, unknown>, path: string, problems: string[]): ContextMatcher {
  const keys = Object.keys(pattern);
  if (keys.length === 0) {
    problems.push(`${displayPath(path)}: must not be an empty object`);
    return () => false;
  }
  const fieldMatchers: ContextMatcher[] = keys.map((key) => compileField(key, pattern[key], path, problems));
  const matchFields = (context: unknown): boolean => fieldMatchers.every((matcher) => matcher(context));
  return (context: unknown): boolean => {
    if (!Array.isArray(context)) return matchFields(context);
    // Array-consistent matching: one element has to satisfy the whole object; an empty array holds no
    // fields at all, which still lets `exists: false` match.
    const elements = flatten(context);
    return elements.length === 0 ? matchFields(undefined) : elements.some(matchFields);
  };
}

function compileField(key: string, value: unknown, parentPath: string, problems: string[]): ContextMatcher {
  const path = joinPath(parentPath, key);
  if (key === '$or' && Array.isArray(value)) return compileOr(value, path, problems);
  if (Array.isArray(value)) {
    const leafMatcher = compileLeafList(value, path, problems);
    return (context) => leafMatcher(leavesAt(childOf(context, key)));
  }
  if (isPlainObject(value)) {
    const nested = compileObject(value, path, problems);
    return (context) => nested(childOf(context, key));
  }
  problems.push(`${path}: must be an array of match values or a nested object, not ${describe(value)}`);
  return () => false;
}

function compileOr(alternatives: readonly unknown[], path: string, problems: string[]): ContextMatcher {
  if (alternatives.length < 2) {
    problems.push(`${path}: needs at least two alternative patterns`);
  }
  const matchers: ContextMatcher[] = [];
  alternatives.forEach((alternative, index) => {
    if (!isPlainObject(alternative)) {
      problems.push(`${path}[${index}]: each $or alternative must be a pattern object, not ${describe(alternative)}`);
      return;
    }
    matchers.push(compileObject(alternative, `${path}[${index}]`, problems));
  });
  return (context) => matchers.some((matcher) => matcher(context));
}

function compileLeafList(values: readonly unknown[], path: string, problems: string[]): LeafMatcher {
  if (values.length === 0) {
    problems.push(`${path}: must list at least one match value`);
    return () => false;
  }
  const matchers = values.map((value, index) => compileMatchValue(value, `${path}[${index}]`, problems));
  return (leaves) => matchers.some((matcher) => matcher(leaves));
}

function compileMatchValue(value: unknown, path: string, problems: string[]): LeafMatcher {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return anyLeaf((leaf) => leaf === value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${path}: numbers must be finite`);
    return anyLeaf((leaf) => leaf === value);
  }
  if (Array.isArray(value)) {
    problems.push(`${path}: arrays cannot be nested inside a match list`);
    return () => false;
  }
  if (!isPlainObject(value)) {
    problems.push(`${path}: unsupported match value ${describe(value)}`);
    return () => false;
  }
  const operators = Object.keys(value);
  if (operators.length !== 1) {
    problems.push(`${path}: a content filter must have exactly one operator, found ${operators.length === 0 ? 'none' : operators.join(', ')}`);
    return () => false;
  }
  const operator = operators[0] as string;
  const operand = value[operator];
  const operandPath = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
      return anyLeaf(compileAffix(operand, operandPath, problems, 'prefix'));
    case 'suffix':
      return anyLeaf(compileAffix(operand, operandPath, problems, 'suffix'));
    case 'equals-ignore-case':
      return anyLeaf(compileEqualsIgnoreCase(operand, operandPath, problems));
    case 'wildcard':
      return anyLeaf(compileWildcard(operand, operandPath, problems));
    case 'numeric':
      return anyLeaf(compileNumeric(operand, operandPath, problems));
    case 'cidr':
      return anyLeaf(compileCidr(operand, operandPath, problems));
    case 'anything-but': {
      const excluded = compileAnythingBut(operand, operandPath, problems);
      return anyLeaf((leaf) => !excluded(leaf));
    }
    case 'exists':
      if (typeof operand !== 'boolean') {
        problems.push(`${operandPath}: must be true or false, not ${describe(operand)}`);
        return () => false;
      }
      return operand ? (leaves) => leaves.length > 0 : (leaves) => leaves.length === 0;
    default:
      problems.push(`${path}: unrecognised match type "${operator}"`);
      return () => false;
  }
}

function anyLeaf(test: LeafTest): LeafMatcher {
  return (leaves) => leaves.some(test);
}

function compileAffix(operand: unknown, path: string, problems: string[], kind: 'prefix' | 'suffix'): LeafTest {
  const test = kind === 'prefix' ? (value: string, affix: string) => value.startsWith(affix) : (value: string, affix: string) => value.endsWith(affix);
  if (typeof operand === 'string') {
    return (leaf) => typeof leaf === 'string' && test(leaf, operand);
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const ignoreCase = operand['equals-ignore-case'];
    if (keys.length === 1 && typeof ignoreCase === 'string') {
      const folded = foldCase(ignoreCase);
      return (leaf) => typeof leaf === 'string' && test(foldCase(leaf), folded);
    }
    problems.push(`${path}: the only nested form is { "equals-ignore-case": "<string>" }`);
    return () => false;
  }
  problems.push(`${path}: must be a string or { "equals-ignore-case": "<string>" }, not ${describe(operand)}`);
  return () => false;
}

function compileEqualsIgnoreCase(operand: unknown, path: string, problems: string[]): LeafTest {
  if (typeof operand !== 'string') {
    problems.push(`${path}: must be a string, not ${describe(operand)}`);
    return () => false;
  }
  const folded = foldCase(operand);
  return (leaf) => typeof leaf === 'string' && foldCase(leaf) === folded;
}

function compileWildcard(operand: unknown, path: string, problems: string[]): LeafTest {
  if (typeof operand !== 'string') {
    problems.push(`${path}: must be a string, not ${describe(operand)}`);
    return () => false;
  }
  const regex = wildcardToRegExp(operand, path, problems);
  return (leaf) => typeof leaf === 'string' && regex !== undefined && regex.test(leaf);
}

/**
 * `*` matches any run of characters (including none); `\*` is a literal asterisk and `\\` a literal
 * backslash. Any other escape, and two consecutive wildcards, are refused as EventBridge does.
 */
function wildcardToRegExp(wildcard: string, path: string, problems: string[]): RegExp | undefined {
  let source = '';
  let previousWasWildcard = false;
  for (let index = 0; index < wildcard.length; index += 1) {
    const char = wildcard[index] as string;
    if (char === '\\') {
      const next = wildcard[index + 1];
      if (next !== '*' && next !== '\\') {
        problems.push(`${path}: backslash at position ${index} may only escape "*" or "\\"`);
        return undefined;
      }
      source += escapeRegExp(next);
      index += 1;
      previousWasWildcard = false;
    } else if (char === '*') {
      if (previousWasWildcard) {
        problems.push(`${path}: consecutive wildcard characters at position ${index - 1} are not allowed`);
        return undefined;
      }
      source += '.*';
      previousWasWildcard = true;
    } else {
      source += escapeRegExp(char);
      previousWasWildcard = false;
    }
  }
  return new RegExp(`^${source}$`, 'su');
}

function compileNumeric(operand: unknown, path: string, problems: string[]): LeafTest {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    problems.push(`${path}: must be an array of operator/number pairs such as [">", 0, "<=", 5]`);
    return () => false;
  }
  let lower: { value: number; inclusive: boolean } | undefined;
  let upper: { value: number; inclusive: boolean } | undefined;
  let equals: number | undefined;
  let valid = true;
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    const value: unknown = operand[index + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
      problems.push(`${path}[${index}]: unknown numeric operator ${describe(operator)} (use <, <=, =, >, >=)`);
      valid = false;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${path}[${index + 1}]: "${operator}" must be followed by a number, not ${describe(value)}`);
      valid = false;
      continue;
    }
    if (Math.abs(value) > NUMERIC_LIMIT) {
      problems.push(`${path}[${index + 1}]: ${value} is outside the supported range -5.0e9 to 5.0e9`);
      valid = false;
    }
    if (operator === '=') {
      if (operand.length !== 2) {
        problems.push(`${path}: "=" cannot be combined with other numeric operators`);
        valid = false;
      }
      equals = value;
    } else if (operator === '>' || operator === '>=') {
      if (lower !== undefined) {
        problems.push(`${path}: more than one lower bound ("${operator}")`);
        valid = false;
      }
      lower = { value, inclusive: operator === '>=' };
    } else {
      if (upper !== undefined) {
        problems.push(`${path}: more than one upper bound ("${operator}")`);
        valid = false;
      }
      upper = { value, inclusive: operator === '<=' };
    }
  }
  if (lower !== undefined && upper !== undefined && lower.value >= upper.value) {
    problems.push(`${path}: the lower bound ${lower.value} must be less than the upper bound ${upper.value}`);
    valid = false;
  }
  if (!valid) return () => false;
  if (equals !== undefined) {
    const target = equals;
    return (leaf) => typeof leaf === 'number' && leaf === target;
  }
  return (leaf) => {
    if (typeof leaf !== 'number') return false;
    if (lower !== undefined && (lower.inclusive ? leaf < lower.value : leaf <= lower.value)) return false;
    if (upper !== undefined && (upper.inclusive ? leaf > upper.value : leaf >= upper.value)) return false;
    return true;
  };
}

/** Returns the test for the values `anything-but` excludes. */
function compileAnythingBut(operand: unknown, path: string, problems: string[]): LeafTest {
  if (typeof operand === 'string') return (leaf) => leaf === operand;
  if (typeof operand === 'number') {
    if (!Number.isFinite(operand)) problems.push(`${path}: numbers must be finite`);
    return (leaf) => leaf === operand;
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.every((item) => typeof item === 'string');
    const allNumbers = operand.every((item) => typeof item === 'number' && Number.isFinite(item));
    if (operand.length === 0 || (!allStrings && !allNumbers)) {
      problems.push(`${path}: a list must be non-empty and contain only strings or only numbers`);
      return () => false;
    }
    const excluded = new Set<unknown>(operand);
    return (leaf) => excluded.has(leaf);
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) {
      problems.push(`${path}: a nested filter must have exactly one of prefix, suffix, equals-ignore-case, wildcard`);
      return () => false;
    }
    const inner = keys[0] as string;
    const innerPath = `${path}.${inner}`;
    if (!ANYTHING_BUT_FILTERS.has(inner)) {
      problems.push(`${path}: unsupported anything-but filter "${inner}" (use prefix, suffix, equals-ignore-case or wildcard)`);
      return () => false;
    }
    const values = stringOrStringList(operand[inner]);
    if (values === undefined) {
      problems.push(`${innerPath}: must be a string or a non-empty list of strings, not ${describe(operand[inner])}`);
      return () => false;
    }
    switch (inner) {
      case 'prefix':
      case 'suffix': {
        if (values.some((value) => value === '')) {
          problems.push(`${innerPath}: must not be empty`);
          return () => false;
        }
        const test = inner === 'prefix' ? (leaf: string, value: string) => leaf.startsWith(value) : (leaf: string, value: string) => leaf.endsWith(value);
        return (leaf) => typeof leaf === 'string' && values.some((value) => test(leaf, value));
      }
      case 'equals-ignore-case': {
        const folded = new Set(values.map(foldCase));
        return (leaf) => typeof leaf === 'string' && folded.has(foldCase(leaf));
      }
      default: {
        // 'wildcard', the one filter left in ANYTHING_BUT_FILTERS.
        const regexes = values.map((value, index) => wildcardToRegExp(value, values.length > 1 ? `${innerPath}[${index}]` : innerPath, problems));
        return (leaf) => typeof leaf === 'string' && regexes.some((regex) => regex !== undefined && regex.test(leaf));
      }
    }
  }
  problems.push(`${path}: must be a string, a number, a list of either, or a nested filter, not ${describe(operand)}`);
  return () => false;
}

function compileCidr(operand: unknown, path: string, problems: string[]): LeafTest {
  if (typeof operand !== 'string') {
    problems.push(`${path}: must be a string such as "10.0.0.0/24", not ${describe(operand)}`);
    return () => false;
  }
  const range = parseCidr(operand);
  if (typeof range === 'string') {
    problems.push(`${path}: ${range}`);
    return () => false;
  }
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const address = parseIp(leaf);
    return address !== undefined && address.length === range.network.length && prefixEquals(address, range.network, range.bits);
  };
}

// ---------------------------------------------------------------------------------------------------------
// IP addresses

interface CidrRange {
  readonly network: Uint8Array;
  readonly bits: number;
}

/** Parses `address/bits`; returns a description of the problem instead when it is malformed. */
function parseCidr(cidr: string): CidrRange | string {
  const parts = cidr.split('/');
  if (parts.length !== 2) return `"${cidr}" is not a CIDR block: exactly one "/" is required, as in "10.0.0.0/24"`;
  const [addressText, bitsText] = parts as [string, string];
  const network = parseIp(addressText);
  if (network === undefined) return `"${addressText}" is not a valid IPv4 or IPv6 address`;
  const maxBits = network.length * 8;
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) return `prefix length "${bitsText}" must be an integer from 0 to ${maxBits}`;
  return { network, bits: Number(bitsText) };
}

/** Parses an IPv4 (4 bytes) or IPv6 (16 bytes) address; `undefined` when it is neither. */
function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const bytes = match.slice(1).map(Number);
  if (bytes.some((byte) => byte > 255)) return undefined;
  return Uint8Array.from(bytes);
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let index = 0; index < pieces.length; index += 1) {
      const piece = pieces[index] as string;
      if (index === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  const compressed = halves.length === 2;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function prefixEquals(address: Uint8Array, network: Uint8Array, bits: number): boolean {
  const fullBytes = Math.floor(bits / 8);
  for (let index = 0; index < fullBytes; index += 1) {
    if (address[index] !== network[index]) return false;
  }
  const remainder = bits % 8;
  if (remainder === 0) return true;
  const mask = (0xff << (8 - remainder)) & 0xff;
  return ((address[fullBytes] as number) & mask) === ((network[fullBytes] as number) & mask);
}

// ---------------------------------------------------------------------------------------------------------
// Event traversal and helpers

function childOf(context: unknown, key: string): unknown {
  return isPlainObject(context) && Object.hasOwn(context, key) ? context[key] : undefined;
}

/** The leaves at a path: scalars, and scalars inside (nested) arrays. Objects are not leaves. */
function leavesAt(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return flatten(value).filter(isLeaf);
  return isLeaf(value) ? [value] : [];
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((value) => (Array.isArray(value) ? flatten(value) : [value]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrStringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

function foldCase(value: string): string {
  return value.toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function displayPath(path: string): string {
  return path === '' ? '(root)' : path;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
