import { billingReportDepsFromEnvironment, httpHandler } from '#shared/composition.js';
import { BillingReportPathSchema, BillingReportQuerySchema } from '#shared/contracts/http/billing/requests.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { monthReport, reportCsv, reportJson } from '#shared/domain/billing/report.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import type { LedgerStore } from '#shared/ports/ledger-store.js';

/**
 * GET /accounts/{businessAccountId}/billing?month=2026-11&by=market,category: the account's month from the billing
 * ledger, grouped (market, category, pricingType, pricingModel, phoneNumberId, day, currency, reconciliation), with
 * messages, billable, unrated, Meta's amount and Relais's fee per group and the month's totals; `format=csv` gives
 * the groups as CSV. One Query of the month's entries: its cost follows the month, not the table.
 */
export function createGetBillingReport(deps: { readonly ledger: Pick<LedgerStore, 'entriesOfMonth'> }) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const { businessAccountId } = parseRequest(BillingReportPathSchema, event.pathParameters ?? {});
    const query = parseRequest(BillingReportQuerySchema, event.queryStringParameters ?? {});
    const report = await monthReport(businessAccountId, query.month, query.by, deps.ledger.entriesOfMonth(businessAccountId, query.month));
    if (query.format === 'csv') {
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="billing-${businessAccountId}-${query.month}.csv"` },
        body: reportCsv(report),
      };
    }
    return json(200, reportJson(report));
  };
}

export const handler = httpHandler(() => createGetBillingReport(billingReportDepsFromEnvironment()));
