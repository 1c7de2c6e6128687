/**
 * Typed errors that cross an entry point. `expose` says whether the message may be shown to the caller:
 * client errors (4xx) name the problem; server errors (5xx) answer a generic text and are logged instead.
 */
export class RelaisError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly expose: boolean;
  readonly details: readonly string[];

  constructor(statusCode: number, code: string, message: string, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.expose = statusCode < 500;
    this.details = details;
  }
}

/** The request is malformed: it names the field or rule that failed. */
export class BadRequestError extends RelaisError {
  constructor(code: string, message: string, details: readonly string[] = []) {
    super(400, code, message, details);
  }
}

/** Authentication failed (missing or wrong signature, token or credentials). */
export class UnauthorizedError extends RelaisError {
  constructor(code: string, message: string) {
    super(401, code, message);
  }
}

/** The verify-token handshake was refused. */
export class ForbiddenError extends RelaisError {
  constructor(code: string, message: string) {
    super(403, code, message);
  }
}

/** The body is larger than the entry point accepts. */
export class PayloadTooLargeError extends RelaisError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

/** A downstream dependency did not accept our work; the caller should retry. */
export class DependencyError extends RelaisError {
  constructor(code: string, message: string) {
    super(503, code, message);
  }
}

/**
 * A refusal the caller should retry later (429, 502, 503), with a message written for the caller and, when known,
 * how long to wait (`Retry-After`, in seconds). Unlike other 5xx, its message is shown: it never holds internals.
 */
export class RetryLaterError extends RelaisError {
  override readonly expose = true;
  readonly retryAfterSeconds: number | undefined;

  constructor(statusCode: 429 | 502 | 503, code: string, message: string, retryAfterSeconds?: number, details: readonly string[] = []) {
    super(statusCode, code, message, details);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Formats zod-style issues as `path: message` lines, never echoing input values. */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, limit = 10): string[] {
  const lines = issues.slice(0, limit).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  if (issues.length > limit) lines.push(`… and ${issues.length - limit} more`);
  return lines;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc === '' ? String(key) : `${acc}.${String(key)}`;
  }, '');
}
