import { z } from 'zod';

import { MONTH_PATTERN } from '../../../domain/billing/calendar.js';
import { parseDimensions, type ReportDimension } from '../../../domain/billing/report.js';
import { BusinessAccountIdSchema } from '../contacts/requests.js';

/** `GET /accounts/{businessAccountId}/billing?month=2026-11&by=market,category[&format=csv]` (IAM-authenticated). */
export const BillingReportPathSchema = z.object({ businessAccountId: BusinessAccountIdSchema });

export const BillingReportQuerySchema = z.strictObject(
  {
    month: z.string({ error: 'is required (YYYY-MM)' }).regex(MONTH_PATTERN, { error: 'must be a month, YYYY-MM' }),
    by: z
      .string()
      .optional()
      .transform((value, ctx): readonly ReportDimension[] => {
        const parsed = parseDimensions(value);
        if (parsed.ok) return parsed.dimensions;
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }),
    format: z.enum(['json', 'csv'], { error: 'must be json or csv' }).default('json'),
  },
  { error: 'must be query parameters' },
);
