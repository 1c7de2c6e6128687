import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { createGraphTemplates } from '../../shared/adapters/graph-templates.js';
import { createTemplateStore } from '../../shared/adapters/template-store.js';
import { syncTemplates, type SyncReport } from '../../shared/usecases/sync-templates.js';
import { localClientConfig } from './emulators.js';
import type { TemplateDef } from './sandbox/types.js';

/**
 * The approved templates of the local stack, as the sandbox ("Meta") holds them. Relais's registry gets them as a
 * deployment does: `startLocalStack` syncs them from the sandbox's `message_templates` into DynamoDB Local
 * ({@link syncLocalTemplates}), and the sandbox's review, quality, category and components endpoints then change
 * them through Meta's webhooks. From the components the sandbox lists, `toTemplateInfo` derives:
 * - `order_update` (utility, positional): no header, 2 body parameters, no buttons;
 * - `login_code` (authentication): 1 body parameter (the code) and the OTP button 0, which needs it;
 * - `spring_promo` (marketing, named): body `first_name`, and quick-reply button 0 whose payload may be left out.
 */
const LOCAL_TEMPLATES: readonly TemplateDef[] = [
  { name: 'order_update', language: 'en_US', category: 'UTILITY', components: { body: 2 } },
  { name: 'login_code', language: 'en_US', category: 'AUTHENTICATION', components: { body: 1, buttons: [{ type: 'otp' }] } },
  {
    name: 'spring_promo',
    language: 'en_US',
    category: 'MARKETING',
    parameterFormat: 'named',
    components: { body: ['first_name'], buttons: [{ type: 'quick_reply' }] },
  },
];

/** The templates the local sandbox starts with. */
export function sandboxTemplates(): TemplateDef[] {
  return [...LOCAL_TEMPLATES];
}

export interface LocalTemplateSync {
  /** The sandbox's base URL and Graph version. */
  readonly graphBaseUrl: string;
  readonly graphVersion: string;
  readonly accessToken: string;
  readonly businessAccountId: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
}

/**
 * Fills Relais's template registry on DynamoDB Local from the sandbox's `GET /{waba-id}/message_templates`, with
 * the sync a deployment runs (`shared/usecases/sync-templates.ts`). A sandbox answers at once, so no backoff waits.
 */
export async function syncLocalTemplates(options: LocalTemplateSync): Promise<SyncReport> {
  const client = new DynamoDBClient(localClientConfig(options.dynamoEndpoint));
  try {
    const dynamo = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    return await syncTemplates(options.businessAccountId, {
      graph: createGraphTemplates({ baseUrl: options.graphBaseUrl, version: options.graphVersion, accessToken: async () => options.accessToken }),
      store: createTemplateStore({ client: dynamo, tableName: options.tableName }),
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  } finally {
    client.destroy();
  }
}
