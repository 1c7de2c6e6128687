import { parseArgs } from 'node:util';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

import { quietAwsSdkNodeSupportWarning } from '../local/aws-sdk-node-support.js';
import { checkBaseUrl } from '../../shared/adapters/graph-api.js';
import { createGraphTemplates } from '../../shared/adapters/graph-templates.js';
import { createSecretProvider } from '../../shared/adapters/secrets.js';
import { createTemplateStore } from '../../shared/adapters/template-store.js';
import { ConfigError, ENV, integerVar, parseEnv, secretSource, textVar, type Env } from '../../shared/config.js';
import { DEFAULT_GRAPH_API_VERSION, DEFAULT_GRAPH_TIMEOUT_MS, GRAPH_API_VERSION_PATTERN, SEND_ENV } from '../../shared/sending-config.js';
import { DEFAULT_SYNC_PAGE_SIZE, DEFAULT_SYNC_RETRY, syncTemplates, TemplateSyncError, type SyncProgress, type SyncReport } from '../../shared/usecases/sync-templates.js';

/**
 * The template registry from the command line:
 *
 *   npm run templates -- sync --account <wabaId> [--table <state table>] [--page-size 100] [--max-attempts 6]
 *
 * `sync` reads the account's templates from Meta's Graph API (`GET /{waba-id}/message_templates`, every page,
 * backing off on rate limits) into the registry on the state table, and marks deleted what Meta no longer lists.
 * Progress goes to stderr, one line per page and per backoff; the report goes to stdout as JSON.
 *
 * Environment: `STATE_TABLE_NAME` (unless `--table`), `WHATSAPP_ACCESS_TOKEN_ARN` (Secrets Manager) or
 * `WHATSAPP_ACCESS_TOKEN`, and optionally `GRAPH_API_BASE_URL` (the sandbox's URL locally), `GRAPH_API_VERSION`,
 * `GRAPH_API_TIMEOUT_MS`. AWS credentials and region come from the standard chain; `AWS_ENDPOINT_URL_DYNAMODB`
 * and `AWS_ENDPOINT_URL_SECRETS_MANAGER` point it at local emulators.
 *
 * Exit status: 0 done, 1 the sync failed (Meta refused or kept rate-limiting; nothing was marked deleted),
 * 2 bad arguments or configuration.
 */

export const TEMPLATES_USAGE = 'usage: npm run templates -- sync --account <wabaId> [--table <state table>] [--page-size 1-100] [--max-attempts 1-20]';

export interface SyncCommand {
  readonly command: 'sync';
  readonly account: string;
  readonly table: string;
  readonly pageSize: number;
  readonly maxAttempts: number;
  readonly graph: { readonly baseUrl: string; readonly version: string; readonly timeoutMs: number };
  readonly accessToken: ReturnType<typeof secretSource>;
}

export type ParsedArgs = { readonly ok: true; readonly command: SyncCommand } | { readonly ok: false; readonly problem: string };

const GraphEnvSchema = z.object({
  [SEND_ENV.graphBaseUrl]: textVar('https://graph.facebook.com'),
  [SEND_ENV.graphVersion]: textVar(DEFAULT_GRAPH_API_VERSION).refine((version) => GRAPH_API_VERSION_PATTERN.test(version), {
    error: (issue) => `must look like ${DEFAULT_GRAPH_API_VERSION}, got "${String(issue.input)}"`,
  }),
  [SEND_ENV.graphTimeoutMs]: integerVar(DEFAULT_GRAPH_TIMEOUT_MS, 100, 60_000),
});

function wholeNumber(raw: string | undefined, flag: string, fallback: number, min: number, max: number): number | string {
  if (raw === undefined) return fallback;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max) return `${flag} must be a whole number from ${min} to ${max}, got "${raw}"`;
  return Number(raw);
}

/** Reads the command line and the environment, or names the first problem found. Pure: nothing is called. */
export function parseTemplatesArgs(argv: readonly string[], env: Env): ParsedArgs {
  let parsed: { values: { account?: string; table?: string; 'page-size'?: string; 'max-attempts'?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util names the unknown option or the missing value ("Unknown option '--acount'").
    return { ok: false, problem: error instanceof Error ? error.message.split('. ')[0]! : 'the arguments cannot be read' };
  }
  const [command, ...extra] = parsed.positionals;
  if (command === undefined) return { ok: false, problem: 'no command given (the one command is sync)' };
  if (command !== 'sync') return { ok: false, problem: `unknown command "${command}" (the one command is sync)` };
  if (extra.length > 0) return { ok: false, problem: `unexpected argument "${extra[0]}"` };

  const { values } = parsed;
  if (values.account === undefined || values.account === '') return { ok: false, problem: '--account <wabaId> is required' };
  if (!/^\d{1,32}$/.test(values.account)) return { ok: false, problem: `--account must be a WhatsApp Business Account id (digits), got "${values.account}"` };
  const table = values.table ?? env[ENV.stateTableName];
  if (table === undefined || table === '') return { ok: false, problem: `--table <state table> is required when ${ENV.stateTableName} is not set` };
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) return { ok: false, problem: `--table must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -), got "${table}"` };
  const pageSize = wholeNumber(values['page-size'], '--page-size', DEFAULT_SYNC_PAGE_SIZE, 1, 100);
  if (typeof pageSize === 'string') return { ok: false, problem: pageSize };
  const maxAttempts = wholeNumber(values['max-attempts'], '--max-attempts', DEFAULT_SYNC_RETRY.maxAttempts, 1, 20);
  if (typeof maxAttempts === 'string') return { ok: false, problem: maxAttempts };

  try {
    const graphEnv = parseEnv(GraphEnvSchema, env, 'templates sync');
    const accessToken = secretSource(env, ENV.accessTokenArn, ENV.accessToken, 'templates sync');
    checkBaseUrl(graphEnv[SEND_ENV.graphBaseUrl], SEND_ENV.graphBaseUrl);
    return {
      ok: true,
      command: {
        command: 'sync',
        account: values.account,
        table,
        pageSize,
        maxAttempts,
        graph: { baseUrl: graphEnv[SEND_ENV.graphBaseUrl], version: graphEnv[SEND_ENV.graphVersion], timeoutMs: graphEnv[SEND_ENV.graphTimeoutMs] },
        accessToken,
      },
    };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof TypeError) return { ok: false, problem: error.message };
    throw error;
  }
}

const OPTIONS = {
  account: { type: 'string' },
  table: { type: 'string' },
  'page-size': { type: 'string' },
  'max-attempts': { type: 'string' },
} as const;

/** One progress line, without phone numbers or template text: counts and Meta's code only. */
export function describeProgress(progress: SyncProgress): string {
  const counts = `${progress.seen} seen, ${progress.changed} changed, ${progress.refreshed} refreshed, ${progress.unchanged} unchanged`;
  switch (progress.phase) {
    case 'page':
      return `templates sync ${progress.businessAccountId}: page ${progress.pages} read (${counts}${progress.skipped > 0 ? `, ${progress.skipped} skipped` : ''})`;
    case 'backoff': {
      const backoff = progress.backoff!;
      const why = backoff.code === undefined ? 'no usable answer from Meta' : `Meta answered code ${backoff.code}`;
      return `templates sync ${progress.businessAccountId}: ${why}; waiting ${(backoff.waitMs / 1000).toFixed(1)} s before attempt ${backoff.nextAttempt} of page ${progress.pages + 1}`;
    }
    case 'deletions':
      return `templates sync ${progress.businessAccountId}: listing complete (${progress.pages} pages); looking for templates Meta no longer lists`;
    case 'done':
      return `templates sync ${progress.businessAccountId}: done: ${counts}, ${progress.deleted} marked deleted${progress.skipped > 0 ? `, ${progress.skipped} skipped` : ''}`;
  }
}

export interface TemplatesCliIo {
  readonly env: Env;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** @default a document client from the standard AWS chain (AWS_ENDPOINT_URL_DYNAMODB honoured by the SDK) */
  readonly dynamo?: DynamoDBDocumentClient;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Runs the command line and answers the exit status; never throws. */
export async function runTemplatesCli(argv: readonly string[], io: TemplatesCliIo): Promise<number> {
  const parsed = parseTemplatesArgs(argv, io.env);
  if (!parsed.ok) {
    io.stderr(`templates: ${parsed.problem}`);
    io.stderr(TEMPLATES_USAGE);
    return 2;
  }
  const { command } = parsed;
  const ownDynamo = io.dynamo === undefined ? new DynamoDBClient({}) : undefined;
  const dynamo = io.dynamo ?? DynamoDBDocumentClient.from(ownDynamo!);
  let secretsClient: SecretsManagerClient | undefined;
  const secrets = createSecretProvider({ client: () => (secretsClient ??= new SecretsManagerClient({})) });
  try {
    const graph = createGraphTemplates({ ...command.graph, accessToken: () => secrets.get(command.accessToken) });
    const store = createTemplateStore({ client: dynamo, tableName: command.table });
    const report: SyncReport = await syncTemplates(
      command.account,
      {
        graph,
        store,
        now: io.now ?? Date.now,
        sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        onProgress: (progress) => io.stderr(describeProgress(progress)),
      },
      { pageSize: command.pageSize, retry: { maxAttempts: command.maxAttempts } },
    );
    for (const skipped of report.skipped) {
      io.stderr(`templates sync ${command.account}: skipped page ${skipped.page} entry ${skipped.index}${skipped.template === undefined ? '' : ` ${skipped.template}`}: ${skipped.problem}`);
    }
    if (!report.deletionsChecked) io.stderr(`templates sync ${command.account}: an entry could not be read, so nothing was marked deleted`);
    io.stdout(JSON.stringify(report));
    return 0;
  } catch (error) {
    if (error instanceof TemplateSyncError) {
      io.stderr(`templates: ${error.message}`);
      return 1;
    }
    // AWS and configuration errors name their cause in the message; a stack trace would add nothing for an operator.
    io.stderr(`templates sync failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  } finally {
    ownDynamo?.destroy();
    secretsClient?.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // On Node 20 the SDK warns about its releases of 2027 (not the pinned ones); an operator's stderr is for the sync.
  quietAwsSdkNodeSupportWarning();
  void runTemplatesCli(process.argv.slice(2), {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
