import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

import { applyTemplateFact, isTimeOnlyChange } from '../domain/templates/apply-fact.js';
import type { TemplateApplyResult, TemplateFact, TemplateHistoryEntry, TemplateRecord } from '../domain/templates/records.js';
import { TEMPLATE_CATEGORIES } from '../domain/templates/records.js';
import { BadRequestError, describeIssues } from '../errors.js';
import type { TemplateListQuery, TemplateStore } from '../ports/template-store.js';
import { queryAll } from './dynamo-query.js';
import { conditionHeld, transactionOutcome } from './dynamo-conditions.js';

export type { TemplateListQuery, TemplateStore } from '../ports/template-store.js';

/**
 * The template registry on the state table. Items:
 *
 * | item             | pk                                          | sk                         |
 * |------------------|---------------------------------------------|----------------------------|
 * | template record  | `TEMPLATE#<waba>`                           | `<name>#<language key>`    |
 * | history line     | `TEMPLATE#<waba>#<name>#<language key>#HISTORY` | `<version, 10 digits>` |
 *
 * The language key is the language in lower case with `_` (`en_us` for `en_US` and `en-US`), so both spellings
 * Meta uses find one item; the record keeps Meta's spelling. `#` sorts before every character a template name may
 * hold (lowercase letters, digits, `_`), so the account's partition reads in name then language order, a name
 * prefix is one `begins_with`, and every language of a name is `begins_with(sk, "<name>#")`.
 *
 * The record is stored as JSON (`record`) beside the attributes a read filters or a write conditions on (`status`,
 * `category`, `version`): Meta's components are kept exactly as received, whatever Meta adds to them, and a read
 * validates what it finds before returning it.
 */

/** Meta's rule for template names: lowercase letters, digits and `_`, up to 512 characters. */
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
/** `en`, `en_US`, `en-US`, `zh_Hant_HK`: letters, then `_`/`-` separated subtags of letters or digits. */
const LANGUAGE = /^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}$/;
/** Digits of a version in a history sort key: versions sort as text in number order up to 9,999,999,999. */
const VERSION_DIGITS = 10;

/** How many times `apply` re-reads and re-applies after losing a race. @default 8 */
export const DEFAULT_APPLY_ATTEMPTS = 8;

export interface TemplateStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Attempts of one `apply` before it gives up with {@link TemplateWriteConflictError}. @default 8 */
  readonly maxApplyAttempts?: number;
  /** Waits between attempts (jittered, growing); tests pass one that does not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** Items a filtered list reads per Query (DynamoDB's `Limit`, which counts before the filter). @default 100 */
  readonly filteredReadItems?: number;
}

/** `apply` lost the race for one template `maxApplyAttempts` times in a row. Retrying the fact later is safe. */
export class TemplateWriteConflictError extends Error {
  constructor(subject: string, attempts: number) {
    super(`template ${subject} changed under every one of ${attempts} attempts to apply a fact; retry later`);
    this.name = 'TemplateWriteConflictError';
  }
}

/** A stored item that does not hold what this store writes (written by hand, or by a future version). */
export class TemplateItemCorruptError extends Error {
  constructor(key: string, problems: readonly string[]) {
    super(`template item ${key} is not a valid template item: ${problems.join('; ')}`);
    this.name = 'TemplateItemCorruptError';
  }
}

/** The language as it appears in keys: `en_US`, `en-US` and `EN_us` are one template. */
export function templateLanguageKey(language: string): string {
  return language.trim().replace(/-/g, '_').toLowerCase();
}

/** The DynamoDB keys of the template item families. */
export const templateKeys = {
  account: (waba: string) => `TEMPLATE#${waba}`,
  record: (waba: string, name: string, language: string) => ({ pk: `TEMPLATE#${waba}`, sk: `${name}#${templateLanguageKey(language)}` }),
  historyPartition: (waba: string, name: string, language: string) => `TEMPLATE#${waba}#${name}#${templateLanguageKey(language)}#HISTORY`,
  historyLine: (waba: string, name: string, language: string, version: number) => ({
    pk: templateKeys.historyPartition(waba, name, language),
    sk: String(version).padStart(VERSION_DIGITS, '0'),
  }),
};

const ComponentSchema = z.looseObject({ type: z.string() });

const RecordSchema = z.looseObject({
  businessAccountId: z.string().regex(/^\d{1,32}$/),
  name: z.string().regex(TEMPLATE_NAME),
  language: z.string().regex(LANGUAGE),
  templateId: z.string().regex(/^\d{1,32}$/).optional(),
  category: z.enum(TEMPLATE_CATEGORIES),
  status: z.string().min(1),
  qualityScore: z.string().optional(),
  parameterFormat: z.enum(['POSITIONAL', 'NAMED']),
  components: z.array(ComponentSchema),
  rejection: z.looseObject({ reason: z.string(), recommendation: z.string().optional() }).optional(),
  pause: z.looseObject({ title: z.string().optional(), description: z.string().optional(), since: z.string() }).optional(),
  disableDate: z.string().optional(),
  pendingCategoryChange: z.looseObject({ newCategory: z.enum(TEMPLATE_CATEGORIES), effectiveAt: z.string().optional() }).optional(),
  asOf: z.looseObject({ status: z.string(), quality: z.string(), category: z.string(), components: z.string() }).partial(),
  asOfBy: z.record(z.string(), z.string()).optional(),
  version: z.number().int().positive(),
  updatedAt: z.string(),
});

const EntrySchema = z.looseObject({
  version: z.number().int().positive(),
  kind: z.enum(['snapshot', 'status', 'quality', 'category', 'components', 'deleted']),
  source: z.enum(['sync', 'webhook', 'api']),
  at: z.string(),
  recordedAt: z.string(),
  // JSON has no undefined: a `from` of a new field (or a `to` of a cleared one) reads back absent.
  changes: z.record(z.string(), z.object({ from: z.unknown().optional(), to: z.unknown().optional() })),
});

/** The stored shape of both item families: the key, the JSON document, and what filters and conditions read. */
const ItemSchema = z.object({ pk: z.string(), sk: z.string(), document: z.string() });

function parseItem<T>(item: Record<string, unknown>, schema: z.ZodType<T>): T {
  const key = `${String(item['pk'])} / ${String(item['sk'])}`;
  const shell = ItemSchema.safeParse(item);
  if (!shell.success) throw new TemplateItemCorruptError(key, describeIssues(shell.error.issues));
  let json: unknown;
  try {
    json = JSON.parse(shell.data.document);
  } catch {
    throw new TemplateItemCorruptError(key, ['document is not JSON']);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new TemplateItemCorruptError(key, describeIssues(parsed.error.issues));
  return parsed.data;
}

function checkAccount(businessAccountId: string): void {
  if (typeof businessAccountId !== 'string' || !/^\d{1,32}$/.test(businessAccountId)) {
    throw new BadRequestError('invalid_business_account_id', 'businessAccountId must be a WhatsApp Business Account id (1 to 32 digits)');
  }
}

function checkName(name: string, field = 'name'): void {
  if (typeof name !== 'string' || !TEMPLATE_NAME.test(name)) {
    throw new BadRequestError('invalid_template_name', `${field} must be 1 to 512 lowercase letters, digits or _ (Meta's rule for template names)`);
  }
}

function checkLanguage(language: string): void {
  if (typeof language !== 'string' || !LANGUAGE.test(language.trim())) {
    throw new BadRequestError('invalid_template_language', 'language must be a locale code such as en, en_US or en-US');
  }
}

function checkLimit(limit: number, max: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new BadRequestError('invalid_limit', `limit must be an integer from 1 to ${max}`);
  }
}

// Cursors ------------------------------------------------------------------------------------------------
// A cursor is the sort key of the last item a page returned, base64url-encoded: the partition is implied by the
// query, so a cursor cannot move a reader to another account or template.

const LIST_POSITION = /^[a-z0-9_]{1,512}#[a-z0-9_]{2,40}$/;
const HISTORY_POSITION = new RegExp(`^\\d{${VERSION_DIGITS}}$`);

function encodeCursor(sk: string): string {
  return Buffer.from(sk, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, position: RegExp, what: string): string {
  const invalid = () => new BadRequestError('invalid_cursor', `cursor is not a ${what} cursor this API returned; start again without one`);
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,1400}$/.test(cursor)) throw invalid();
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!position.test(sk) || encodeCursor(sk) !== cursor) throw invalid();
  return sk;
}

// The store ----------------------------------------------------------------------------------------------

/** Creates the DynamoDB template store over the state table. */
export function createTemplateStore(options: TemplateStoreOptions): TemplateStore {
  const { client, tableName: TableName } = options;
  const maxAttempts = options.maxApplyAttempts ?? DEFAULT_APPLY_ATTEMPTS;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(`createTemplateStore: maxApplyAttempts must be a positive integer, got ${String(maxAttempts)}`);
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const filteredReadItems = options.filteredReadItems ?? 100;
  if (!Number.isSafeInteger(filteredReadItems) || filteredReadItems < 1) {
    throw new TypeError(`createTemplateStore: filteredReadItems must be a positive integer, got ${String(filteredReadItems)}`);
  }

  async function get(businessAccountId: string, name: string, language: string): Promise<TemplateRecord | undefined> {
    checkAccount(businessAccountId);
    checkName(name);
    checkLanguage(language);
    const out = await client.send(new GetCommand({ TableName, Key: templateKeys.record(businessAccountId, name, language), ConsistentRead: true }));
    return out.Item === undefined ? undefined : (parseItem(out.Item, RecordSchema) as TemplateRecord);
  }

  async function languagesOf(businessAccountId: string, name: string): Promise<TemplateRecord[]> {
    checkAccount(businessAccountId);
    checkName(name);
    const records: TemplateRecord[] = [];
    const items = queryAll(client, {
      TableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :name)',
      ExpressionAttributeValues: { ':pk': templateKeys.account(businessAccountId), ':name': `${name}#` },
    });
    for await (const item of items) records.push(parseItem(item, RecordSchema) as TemplateRecord);
    return records;
  }

  async function list(businessAccountId: string, query: TemplateListQuery): Promise<{ items: TemplateRecord[]; nextCursor?: string }> {
    checkAccount(businessAccountId);
    checkLimit(query.limit, 100);
    if (query.namePrefix !== undefined && query.namePrefix !== '') checkName(query.namePrefix, 'namePrefix');
    if (query.category !== undefined && !(TEMPLATE_CATEGORIES as readonly string[]).includes(query.category)) {
      throw new BadRequestError('invalid_category', `category must be one of ${TEMPLATE_CATEGORIES.join(', ')}`);
    }
    if (query.status !== undefined && (typeof query.status !== 'string' || !/^[A-Z_]{1,40}$/.test(query.status))) {
      throw new BadRequestError('invalid_status', 'status must be a template status such as APPROVED or PAUSED');
    }
    const prefix = query.namePrefix ?? '';
    let start: string | undefined;
    if (query.cursor !== undefined) {
      start = decodeCursor(query.cursor, LIST_POSITION, 'template list');
      if (!start.startsWith(prefix)) throw new BadRequestError('invalid_cursor', 'cursor belongs to a listing with another name prefix; start again without one');
    }

    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':pk': templateKeys.account(businessAccountId) };
    if (query.status !== undefined) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (query.category !== undefined) {
      filters.push('#category = :category');
      names['#category'] = 'category';
      values[':category'] = query.category;
    }
    let keyCondition = 'pk = :pk';
    if (prefix !== '') {
      keyCondition += ' AND begins_with(sk, :prefix)';
      values[':prefix'] = prefix;
    }
    const filtered = filters.length > 0;

    const items: TemplateRecord[] = [];
    for (;;) {
      const remaining = query.limit - items.length;
      const input: QueryCommandInput = {
        TableName,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeValues: values,
        ...(filtered ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names } : {}),
        // Limit counts the items read before the filter, so a filtered page reads in larger steps.
        Limit: filtered ? Math.max(remaining, filteredReadItems) : remaining,
        ...(start === undefined ? {} : { ExclusiveStartKey: { pk: templateKeys.account(businessAccountId), sk: start } }),
      };
      const out = await client.send(new QueryCommand(input));
      const page = out.Items ?? [];
      const taken = page.slice(0, remaining);
      for (const item of taken) items.push(parseItem(item, RecordSchema) as TemplateRecord);
      const last = out.LastEvaluatedKey?.['sk'];
      if (taken.length < page.length) {
        // The page held more matches than fit: resume right after the last one returned.
        return { items, nextCursor: encodeCursor(String(taken[taken.length - 1]!['sk'])) };
      }
      if (typeof last !== 'string') return { items };
      if (items.length === query.limit) return { items, nextCursor: encodeCursor(last) };
      start = last;
    }
  }

  async function history(
    businessAccountId: string,
    name: string,
    language: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ items: TemplateHistoryEntry[]; nextCursor?: string }> {
    checkAccount(businessAccountId);
    checkName(name);
    checkLanguage(language);
    checkLimit(page.limit, 100);
    const pk = templateKeys.historyPartition(businessAccountId, name, language);
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, HISTORY_POSITION, 'template history');
    const out = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(start === undefined ? {} : { ExclusiveStartKey: { pk, sk: start } }),
      }),
    );
    const items = (out.Items ?? []).map((item) => parseItem(item, EntrySchema) as TemplateHistoryEntry);
    const last = out.LastEvaluatedKey?.['sk'];
    return typeof last === 'string' ? { items, nextCursor: encodeCursor(last) } : { items };
  }

  async function apply(fact: TemplateFact, recordedAt: string): Promise<TemplateApplyResult> {
    checkAccount(fact.businessAccountId);
    checkName(fact.name);
    checkLanguage(fact.language);
    const subject = `${fact.businessAccountId}/${fact.name}/${templateLanguageKey(fact.language)}`;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await get(fact.businessAccountId, fact.name, fact.language);
      const result = applyTemplateFact(current, fact, recordedAt);
      if (result.outcome === 'unchanged') return result;
      const { record, entry } = result;
      const recordKey = templateKeys.record(record.businessAccountId, record.name, record.language);
      const recordPut = {
        TableName,
        Item: { ...recordKey, entity: 'TEMPLATE', status: record.status, category: record.category, version: record.version, document: JSON.stringify(record) },
        ...(current === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#version = :read', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':read': current.version } }),
      };
      if (current !== undefined && isTimeOnlyChange(entry)) {
        // Only Meta's times moved (a sync confirming the template): the record alone, one plain conditional
        // write, and no history line, since nothing Meta holds changed.
        if (await conditionHeld(client.send(new PutCommand(recordPut)))) return result;
        if (attempt < maxAttempts) await sleep(Math.floor(random() * 10 * attempt));
        continue;
      }
      const outcome = await transactionOutcome(
        client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: recordPut },
              {
                Put: {
                  TableName,
                  Item: { ...templateKeys.historyLine(record.businessAccountId, record.name, record.language, entry.version), entity: 'TEMPLATE_HISTORY', version: entry.version, document: JSON.stringify(entry) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        ),
      );
      if (outcome.committed) return result;
      const reasons = outcome.error.CancellationReasons ?? [];
      // Another writer changed the record since it was read (a failed condition), or is writing it now
      // (TransactionConflict): read again and re-apply. Anything else (throttling, validation) is not ours to absorb.
      const raced = reasons.length > 0 && reasons.every((r) => r.Code === 'None' || r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
      if (!raced) throw outcome.error;
      if (attempt < maxAttempts) await sleep(Math.floor(random() * 10 * attempt));
    }
    throw new TemplateWriteConflictError(subject, maxAttempts);
  }

  return { get, languagesOf, list, history, apply };
}
