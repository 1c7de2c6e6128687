import { z } from 'zod';

import { describeIssues } from '../../errors.js';
import type { MessageFact } from '../../domain/billing/replay.js';
import { BsuidSchema, E164PhoneNumberSchema } from '../events/outbound/fields.js';
import { parseJsonBody } from '../../middleware/http.js';

/**
 * The what-if rating input (`npm run billing -- rate --events FILE`): JSON lines of message facts, in time order.
 *
 *   {"at":"2025-03-12T09:00:00Z","direction":"inbound","from":"+34612345678","type":"text","referral":{"source_type":"ad"}}
 *   {"at":"…","direction":"outbound","id":"m1","to":"+33612345678","type":"template","category":"marketing"}
 *   {"at":"…","status":"delivered","id":"m1"}
 *
 * `referral` marks a message from a click-to-WhatsApp ad or a Page button (a free entry point). An outbound `type`
 * other than `template` is a free-form (service) message. Statuses are optional: an outbound message with none is
 * taken as delivered at its `at`.
 */

const at = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2025-03-12T09:00:00Z' });
const recipient = z
  .string({ error: 'must be an E.164 phone number or a BSUID (CC.…)' })
  .refine((value) => E164PhoneNumberSchema.safeParse(value).success || BsuidSchema.safeParse(value).success, {
    error: 'must be an E.164 phone number or a BSUID (CC.…)',
  });
const messageType = z.string({ error: 'must be a message type (text, image, template…)' }).min(1).max(64);

const InboundSchema = z.looseObject({
  at,
  direction: z.literal('inbound'),
  from: recipient,
  type: messageType,
  referral: z.looseObject({}, { error: 'must be an object (Meta\'s referral block)' }).optional(),
});

const OutboundSchema = z
  .looseObject({
    at,
    direction: z.literal('outbound'),
    id: z.string({ error: 'must be the message id, a string' }).min(1).max(256),
    to: recipient,
    type: messageType,
    category: z.enum(['marketing', 'utility', 'authentication', 'authentication_international'], { error: 'must be marketing, utility, authentication or authentication_international' }).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.type === 'template' && value.category === undefined) ctx.addIssue({ code: 'custom', path: ['category'], message: 'is required for a template (marketing, utility, authentication)' });
  });

const StatusSchema = z.looseObject({
  at,
  status: z.enum(['sent', 'delivered', 'read', 'failed'], { error: 'must be sent, delivered, read or failed' }),
  id: z.string({ error: 'must be the message id, a string' }).min(1).max(256),
});

export type FactLine = { readonly ok: true; readonly fact: MessageFact } | { readonly ok: false; readonly problems: readonly string[] };

/** One line of the file, as a fact, or the problems with it (each naming its field). */
export function parseFactLine(line: string): FactLine {
  let value: unknown;
  try {
    value = parseJsonBody(line);
  } catch (error) {
    // "body is not valid JSON", "body nests arrays or objects deeper than 64 levels": said of the line.
    return { ok: false, problems: [(error instanceof Error ? error.message : 'is not JSON').replace(/^body /, 'the line ')] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problems: ['must be a JSON object'] };
  const record = value as Record<string, unknown>;
  const schema = record['direction'] === 'inbound' ? InboundSchema : record['direction'] === 'outbound' ? OutboundSchema : record['status'] !== undefined ? StatusSchema : undefined;
  if (schema === undefined) return { ok: false, problems: ['must have "direction" (inbound or outbound) or "status"'] };
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error.issues) };
  const data = parsed.data as Record<string, unknown>;
  const time = Date.parse(String(data['at']));
  if (schema === InboundSchema) return { ok: true, fact: { kind: 'inbound', at: time, from: String(data['from']), referral: data['referral'] !== undefined } };
  if (schema === OutboundSchema) {
    const category = data['type'] === 'template' ? (data['category'] as Extract<MessageFact, { kind: 'outbound' }>['category']) : 'service';
    return { ok: true, fact: { kind: 'outbound', at: time, id: String(data['id']), to: String(data['to']), category } };
  }
  return { ok: true, fact: { kind: 'status', at: time, id: String(data['id']), status: data['status'] as 'sent' | 'delivered' | 'read' | 'failed' } };
}

export interface FactFile {
  readonly facts: readonly MessageFact[];
  /** `line 3: to: must be an E.164 phone number…`, in line order. */
  readonly problems: readonly string[];
}

/**
 * Every line of a facts file, checked together: each line's own problems, and across lines an `at` earlier than the
 * line before (the file must be in time order), an outbound id given twice, a status for an id no earlier line sent.
 * Blank lines are skipped.
 */
export function parseFactFile(lines: Iterable<string>): FactFile {
  const facts: MessageFact[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  let previous = Number.NEGATIVE_INFINITY;
  let number = 0;
  for (const line of lines) {
    number += 1;
    if (line.trim() === '') continue;
    const parsed = parseFactLine(line);
    if (!parsed.ok) {
      for (const problem of parsed.problems) problems.push(`line ${number}: ${problem}`);
      continue;
    }
    const fact = parsed.fact;
    if (fact.at < previous) problems.push(`line ${number}: at is earlier than the line before: the file must be in time order`);
    previous = Math.max(previous, fact.at);
    if (fact.kind === 'outbound') {
      if (ids.has(fact.id)) problems.push(`line ${number}: id ${JSON.stringify(fact.id.slice(0, 64))} is already used by an earlier outbound message`);
      ids.add(fact.id);
    }
    if (fact.kind === 'status' && !ids.has(fact.id)) problems.push(`line ${number}: no earlier outbound message has id ${JSON.stringify(fact.id.slice(0, 64))}`);
    facts.push(fact);
  }
  return { facts, problems };
}
