import { z } from 'zod';
import { templateSyncDepsFromEnvironment } from '#shared/composition.js';
import { BadRequestError, describeIssues } from '#shared/errors.js';
import { logger } from '#shared/logger.js';
import { syncTemplates, type SyncReport, type SyncTemplatesDeps, type SyncTemplatesOptions } from '#shared/usecases/sync-templates.js';

/** What the schedule passes (an EventBridge rule's constant input per account), or an operator's `aws lambda invoke`. */
export const TemplateSyncRequestSchema = z.strictObject({
  businessAccountId: z.string({ error: 'must be a string of digits' }).regex(/^\d{1,32}$/, { error: 'must be the WhatsApp Business Account id, digits only' }),
});

/**
 * Longest wait for a rate limit the scheduled sync accepts (Meta's hint included): longer, it stops and the next
 * run starts over, so a sync never outlives the function's 15 min timeout waiting.
 */
export const SCHEDULED_SYNC_MAX_WAIT_MS = 5 * 60_000;

/**
 * The scheduled template sync of one business account: reads Meta's `message_templates` into the registry
 * (`syncTemplates`) and logs a summary of counts (no template content). A failed sync throws, so the invocation
 * fails and goes to the function's failure queue; the next run starts over.
 */
export function createSyncTemplatesHandler(deps: SyncTemplatesDeps, options: SyncTemplatesOptions = {}) {
  return async (event: unknown): Promise<SyncReport> => {
    const parsed = TemplateSyncRequestSchema.safeParse(event);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error.issues);
      throw new BadRequestError('invalid_sync_request', `template sync request: ${problems.join('; ')}`, problems);
    }
    const { businessAccountId } = parsed.data;
    const report = await syncTemplates(businessAccountId, deps, { ...options, retry: { maxWaitMs: SCHEDULED_SYNC_MAX_WAIT_MS, ...options.retry } });
    logger.info('template sync done', {
      businessAccountId,
      pages: report.pages,
      seen: report.seen,
      changed: report.changed,
      refreshed: report.refreshed,
      unchanged: report.unchanged,
      deleted: report.deleted,
      skipped: report.skipped.length,
      deletionsChecked: report.deletionsChecked,
      retries: report.retries,
    });
    return report;
  };
}

let run: ((event: unknown) => Promise<SyncReport>) | undefined;
export const handler = (event: unknown): Promise<SyncReport> => {
  run ??= createSyncTemplatesHandler(templateSyncDepsFromEnvironment());
  return run(event);
};
