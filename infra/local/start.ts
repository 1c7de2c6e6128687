import { ENV } from '../../shared/config.js';
import { describeDeadLetterNotice, shortPath } from './dead-letter-notices.js';
import { startLocalStack } from './stack.js';
import { quietAwsSdkNodeSupportWarning } from './aws-sdk-node-support.js';

// Before any SDK client exists: the warning is about SDK releases after January 2027 (see the module).
quietAwsSdkNodeSupportWarning();

/**
 * `npm start`: runs Relais locally until Ctrl-C. Configuration comes from the environment:
 * `PORT` (HTTP API, default 3000), `SANDBOX_PORT` (Cloud API sandbox, default 3001), `LOCAL_EVENTS_LOG` (default .local/events.ndjson), and the secrets
 * `WHATSAPP_APP_SECRET`, `WHATSAPP_VERIFY_TOKEN`, `WHATSAPP_ACCESS_TOKEN` (documented local defaults).
 */
function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number (0-65535), got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const stack = await startLocalStack({
  port: port('PORT', 3000),
  sandboxPort: port('SANDBOX_PORT', 3001),
  ...(process.env['LOCAL_EVENTS_LOG'] ? { eventsLogPath: process.env['LOCAL_EVENTS_LOG'] } : {}),
  ...(process.env[ENV.appSecret] ? { appSecret: process.env[ENV.appSecret] } : {}),
  ...(process.env[ENV.verifyToken] ? { verifyToken: process.env[ENV.verifyToken] } : {}),
  ...(process.env[ENV.accessToken] ? { accessToken: process.env[ENV.accessToken] } : {}),
  // stderr, so the line stands out from the handlers' JSON logs on stdout.
  onDeadLetter: (notice) => console.error(describeDeadLetterNotice(notice, process.cwd())),
}).catch((error: unknown) => {
  console.error(`Relais local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack…`);
  await stack.stop();
  console.log('Relais local stack stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const shown = (path: string) => shortPath(path, process.cwd());
const previous = stack.archivedLogs.map((log) => shown(log.to));
console.log(
  [
    'Relais local stack ready',
    `  HTTP API        ${stack.apiUrl}  (webhook, /messages, /accounts/…/contacts)`,
    `  Cloud API       ${stack.sandboxUrl}  (sandbox; control endpoints under /_sandbox)`,
    `  EventBridge     ${stack.busUrl}  (health: ${stack.busUrl}/_local/health)`,
    `  Bus name        ${stack.busName}`,
    `  DynamoDB Local  ${stack.dynamoEndpoint}`,
    `  SQS / S3        ${stack.sqsEndpoint}`,
    `  Events log      ${shown(stack.eventsLogPath)}`,
    `  Dead letters    ${shown(stack.deadLettersPath)}  (a DEAD LETTER line is printed here for each)`,
    'State starts empty each run: DynamoDB Local and the queues live in memory, and both logs start fresh',
    previous.length === 0 ? '  (no earlier run\'s logs to keep).' : `  (the earlier run's kept as ${previous.join(', ')}).`,
    'Press Ctrl-C to stop.',
  ].join('\n'),
);
