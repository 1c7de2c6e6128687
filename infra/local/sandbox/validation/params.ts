import { GraphApiError, whatsappError } from '../graph-errors.js';

/**
 * Helpers that check one request parameter and fail the way the Graph API does. Paths are written in Meta's
 * notation (`text['body']`, `interactive['action']['buttons'][0]`), so `error_data.details` names the field:
 * - a missing required parameter: 131008, `The parameter text['body'] is required.`;
 * - a parameter of the wrong type, length or value: 100, `Param text['body'] must be at most 4096 characters long.`;
 * - an unknown key: 100, `Unexpected key "foo" on param "text".`;
 * - an interactive-message constraint: 131009 (see `notValid`).
 */

export type Json = Record<string, unknown>;

export function key(path: string, name: string): string {
  return path === '' ? name : `${path}['${name}']`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function missing(path: string): GraphApiError {
  return whatsappError(131008, `The parameter ${path} is required.`);
}

export function invalid(path: string, problem: string): GraphApiError {
  return whatsappError(100, `Param ${path} ${problem}`);
}

export function notValid(path: string, problem: string): GraphApiError {
  return whatsappError(131009, `Param ${path} ${problem}`);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `path`, which must be present. */
export function requireObject(value: unknown, path: string): Json {
  if (value === undefined || value === null) throw missing(path);
  if (!isObject(value)) throw invalid(path, 'must be an object.');
  return value;
}

export function optionalObject(value: unknown, path: string): Json | undefined {
  if (value === undefined) return undefined;
  return requireObject(value, path);
}

export function requireArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) throw missing(path);
  if (!Array.isArray(value)) throw invalid(path, 'must be an array.');
  return value;
}

export function onlyKeys(object: Json, path: string, allowed: readonly string[]): void {
  for (const name of Object.keys(object)) {
    if (!allowed.includes(name)) throw whatsappError(100, `Unexpected key "${name}" on param "${path === '' ? 'message' : path}".`);
  }
}

export interface StringRule {
  readonly min?: number;
  readonly max?: number;
  /** Use 131009 for length problems (interactive messages) instead of 100. */
  readonly strictCode?: boolean;
}

function lengthOf(text: string): number {
  // Meta counts characters, not UTF-16 code units: an emoji is one.
  return [...text].length;
}

export function requireString(value: unknown, path: string, rule: StringRule = {}): string {
  if (value === undefined || value === null) throw missing(path);
  return checkString(value, path, rule);
}

export function optionalString(value: unknown, path: string, rule: StringRule = {}): string | undefined {
  if (value === undefined) return undefined;
  return checkString(value, path, rule);
}

function checkString(value: unknown, path: string, rule: StringRule): string {
  if (typeof value !== 'string') throw invalid(path, 'must be a string.');
  const fail = rule.strictCode === true ? notValid : invalid;
  const length = lengthOf(value);
  const min = rule.min ?? 0;
  if (length < min) throw min === 1 ? fail(path, 'must not be empty.') : fail(path, `must be at least ${min} characters long.`);
  if (rule.max !== undefined && length > rule.max) throw fail(path, `must be at most ${rule.max} characters long.`);
  return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(path, 'must be a boolean.');
  return value;
}

export function requireNumber(value: unknown, path: string, range?: { min: number; max: number }): number {
  if (value === undefined || value === null) throw missing(path);
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw invalid(path, 'must be a number.');
  if (range !== undefined && (number < range.min || number > range.max)) throw invalid(path, `must be between ${range.min} and ${range.max}.`);
  return number;
}

export function requireOneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (value === undefined || value === null) throw missing(path);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(path, `must be one of {${allowed.join(', ')}}.`);
  }
  return value as T;
}

export function requireUrl(value: unknown, path: string): string {
  const text = requireString(value, path, { min: 1 });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(path, 'must be a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(path, 'must be an http or https URL.');
  return text;
}
