import type { TemplateApplyResult, TemplateCategory, TemplateFact, TemplateHistoryEntry, TemplateRecord } from '../domain/templates/records.js';

/**
 * The template registry's storage, per WhatsApp Business Account. The DynamoDB implementation is
 * `shared/adapters/template-store.ts`; the send path reads through `TemplateRegistry`
 * (`shared/domain/templates/template-registry.ts`), which an adapter builds on this store.
 */
export interface TemplateStore {
  /** The template of that name and language (`en_US` or `en-US`), or `undefined`. */
  get(businessAccountId: string, name: string, language: string): Promise<TemplateRecord | undefined>;
  /** Every language of the template `name`, in language order. */
  languagesOf(businessAccountId: string, name: string): Promise<TemplateRecord[]>;
  /** The account's templates in name then language order, filtered, one page at a time. */
  list(businessAccountId: string, query: TemplateListQuery): Promise<{ items: TemplateRecord[]; nextCursor?: string }>;
  /** A template's history, newest first, one page at a time. */
  history(businessAccountId: string, name: string, language: string, page: { limit: number; cursor?: string }): Promise<{ items: TemplateHistoryEntry[]; nextCursor?: string }>;
  /**
   * Applies what Meta said (`applyTemplateFact`) and writes the record and its history line together, conditional
   * on the version read, re-reading and re-applying when another writer got there first. An unchanged result
   * writes nothing. A change that only moves Meta's times (`isTimeOnlyChange`: a newer fact confirming what the
   * record holds, as each sync of an unchanged template is) writes the record alone, conditional on the version
   * read: its `asOf` and `version` move, so a late fact older than it still changes nothing, but no history line
   * is kept, so history versions skip it. The result is still `changed`, with the entry that was not kept.
   */
  apply(fact: TemplateFact, recordedAt: string): Promise<TemplateApplyResult>;
}

export interface TemplateListQuery {
  readonly status?: string;
  readonly category?: TemplateCategory;
  /** Templates whose name starts with this. */
  readonly namePrefix?: string;
  /** 1 to 100. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}
