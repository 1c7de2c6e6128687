import { httpHandler, publisherFor } from '#shared/composition.js';
import { secretsManagerClient } from '#shared/adapters/aws-clients.js';
import { createSecretProvider } from '#shared/adapters/secrets.js';
import { loadReceiveWebhookConfig } from '#shared/config.js';
import { logger } from '#shared/logger.js';
import { header, json, rawBody, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { ingestWebhook, type IngestWebhookDeps } from '#shared/usecases/ingest-webhook.js';

/** POST /webhook: Meta's signed deliveries, acknowledged with 200 only once every event is on the bus. */
export function createReceiveWebhook(deps: IngestWebhookDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const result = await ingestWebhook({ rawBody: rawBody(event), signatureHeader: header(event, 'x-hub-signature-256') }, deps);
    logger.info('webhook ingested', { events: result.published, unrecognised: result.unrecognised });
    return json(200, { received: result.published });
  };
}

function depsFromEnvironment(): IngestWebhookDeps {
  const config = loadReceiveWebhookConfig(process.env);
  const secrets = createSecretProvider({ client: secretsManagerClient });
  return {
    // During a rotation the secret holds "current,previous"; both are accepted until the old one is removed.
    appSecrets: async () => (await secrets.get(config.appSecret)).split(',').map((s) => s.trim()).filter((s) => s !== ''),
    publisher: publisherFor(config),
    now: Date.now,
  };
}

export const handler = httpHandler(() => createReceiveWebhook(depsFromEnvironment()));
