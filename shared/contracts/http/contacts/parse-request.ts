import type { z } from 'zod';
import { BadRequestError } from '../../../errors.js';

/**
 * A Contacts API request part checked against its schema: failures become `field: rule` lines and a 400
 * (messages name the field and the rule, never echo the value).
 */

/** Validation issues as `field: rule` lines; unknown fields are named as such. */
export function issueLines(issues: ReadonlyArray<z.core.$ZodIssue>, rename: (path: string) => string = (p) => p): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = issue.path.map(String).join('.');
      return issue.keys.map((key) => `${rename(base === '' ? key : `${base}.${key}`)}: is not a known field`);
    }
    const path = issue.path.map(String).join('.');
    return [`${path === '' ? '(body)' : rename(path)}: ${issue.message}`];
  });
}

/**
 * Validates one part of a request (path, query, body); a failure is a 400 whose message names the first
 * field and rule and whose details list them all.
 */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = issueLines(parsed.error.issues);
  throw new BadRequestError('invalid_request', `invalid request: ${lines[0] ?? 'malformed'}`, lines.slice(0, 20));
}
