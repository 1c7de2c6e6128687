import type { z } from 'zod';

/** Bad input on a `/_sandbox/*` control endpoint: answered with 400 `{ error: { message, field } }`. */
export class ControlInputError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'ControlInputError';
    this.field = field;
  }
}

/** Parses with a zod schema; the first issue becomes a ControlInputError naming its field (dotted path). */
export function parseControlInput<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((part) => part !== '').join('.');
  const field = path === '' ? '(body)' : path;
  throw new ControlInputError(field, `${field}: ${issue?.message ?? 'invalid input'}`);
}
