/**
 * Starts the WhatsApp Cloud API sandbox on its own: `npx tsx infra/local/sandbox/main.ts`.
 * `npm start` does not use this file; it imports `startSandbox` directly.
 *
 * Environment (local defaults in brackets, documented in README.md):
 * - SANDBOX_PORT [3001], SANDBOX_HOST [127.0.0.1]
 * - RELAIS_WEBHOOK_URL [http://127.0.0.1:3000/webhook]
 * - WHATSAPP_APP_SECRET [relais-local-app-secret], WHATSAPP_ACCESS_TOKEN [relais-local-access-token]: the
 *   defaults `npm start` uses (infra/local/secrets.ts), so this sandbox and a local stack work together as they are
 * - WHATSAPP_GRAPH_VERSION [v25.0]
 * - SANDBOX_WINDOW_ENFORCEMENT [async] (async | sync)
 * - SANDBOX_TEMPLATES_FILE: a JSON file of template definitions (one or an array) to register at start
 */
import { readFile } from 'node:fs/promises';

import { z } from 'zod';

import { startSandbox, type TemplateDef } from './server.js';
import { parseTemplateDefs } from './templates.js';
import { DEFAULT_GRAPH_API_VERSION, GRAPH_API_VERSION_PATTERN } from '../../../shared/sending-config.js';
import { LOCAL_SECRET_DEFAULTS } from '../secrets.js';

const EnvSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  RELAIS_WEBHOOK_URL: z.url().default('http://127.0.0.1:3000/webhook'),
  WHATSAPP_APP_SECRET: z.string().min(1).default(LOCAL_SECRET_DEFAULTS.appSecret),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).default(LOCAL_SECRET_DEFAULTS.accessToken),
  WHATSAPP_GRAPH_VERSION: z.string().regex(GRAPH_API_VERSION_PATTERN).default(DEFAULT_GRAPH_API_VERSION),
  SANDBOX_WINDOW_ENFORCEMENT: z.enum(['async', 'sync']).default('async'),
  SANDBOX_TEMPLATES_FILE: z.string().min(1).optional(),
});

async function main(): Promise<void> {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid sandbox environment: ${problems}`);
  }
  const env = parsed.data;
  let templates: TemplateDef[] = [];
  if (env.SANDBOX_TEMPLATES_FILE !== undefined) {
    templates = parseTemplateDefs(JSON.parse(await readFile(env.SANDBOX_TEMPLATES_FILE, 'utf8')) as unknown);
  }
  const sandbox = await startSandbox({
    port: env.SANDBOX_PORT,
    host: env.SANDBOX_HOST,
    webhookUrl: env.RELAIS_WEBHOOK_URL,
    appSecret: env.WHATSAPP_APP_SECRET,
    accessToken: env.WHATSAPP_ACCESS_TOKEN,
    graphVersion: env.WHATSAPP_GRAPH_VERSION,
    windowEnforcement: env.SANDBOX_WINDOW_ENFORCEMENT,
    templates,
  });
  process.stdout.write(
    `${JSON.stringify({
      message: 'whatsapp sandbox listening',
      url: sandbox.url,
      graphBaseUrl: `${sandbox.url}/${sandbox.graphVersion}`,
      phoneNumbers: sandbox.phoneNumbers,
      webhookUrl: env.RELAIS_WEBHOOK_URL,
    })}\n`,
  );
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
